"""The simulator publishes through the emulated IoT Core, devices side by side."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.core.run_events import LogEvent
from dtwin_gui.deploy.simulate import simulate

pytestmark = pytest.mark.slow


def published(aws) -> list[tuple[str, dict]]:
    from moto.backends import get_backend

    backend = get_backend("iot-data")["123456789012"][aws.region]
    return [(topic, json.loads(payload)) for topic, payload in backend.published_payloads]


def test_every_message_is_published_once_and_each_device_in_order(aws, project):
    events = []
    start = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    result = simulate(
        project, sandbox_target(aws.endpoint, aws.region), count=30, sink=events.append, now=start
    )
    assert [s.timestamp for s in result.sent] == sorted(s.timestamp for s in result.sent)
    messages = published(aws)
    assert sorted(m["trace_id"] for _, m in messages) == sorted(s.trace_id for s in result.sent)
    for device in {s.device_id for s in result.sent}:
        mine = [m for topic, m in messages if topic == f"dtwin/factory-twin/{device}/telemetry"]
        assert mine and all(m["device_id"] == device for m in mine)
        # One device's messages arrive in the order it sent them.
        assert [m["timestamp"] for m in mine] == sorted(m["timestamp"] for m in mine)
    assert len([e for e in events if isinstance(e, LogEvent)]) == 30


def test_a_refused_publish_is_raised(project):
    """Nothing listens on port 9: the publish error reaches the caller."""
    with pytest.raises(Exception, match=r"127\.0\.0\.1:9"):
        simulate(project, sandbox_target("http://127.0.0.1:9", "us-east-1"), count=30)
