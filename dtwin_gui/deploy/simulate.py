"""Send test telemetry through L1, as the devices would (the simulator)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dtwin_gui.core.project import PAYLOADS, load_project
from dtwin_gui.deploy.events import LogEvent, Sink
from dtwin_gui.deploy.target import Target
from dtwin_gui.runtime.core.function_config import FunctionConfig
from dtwin_gui.runtime.core.records import format_timestamp, new_trace_id


class SimulationError(RuntimeError):
    pass


@dataclass
class Sent:
    device_id: str
    topic: str
    trace_id: str
    timestamp: str


@dataclass
class SimulationResult:
    sent: list[Sent] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"sent": [s.__dict__ for s in self.sent]}


def telemetry_topic(twin_name: str, device_id: str) -> str:
    """The MQTT topic a device publishes telemetry on (the L1 rule listens there)."""
    return FunctionConfig.telemetry_topic.format(twin=twin_name, device_id=device_id)


def load_payloads(project_root: Path) -> list[dict]:
    path = Path(project_root) / PAYLOADS
    if not path.is_file():
        raise SimulationError(
            f"{path} does not exist; add simulator payloads (see docs/project-format.md)"
        )
    data = json.loads(path.read_text(encoding="utf-8"))
    payloads = [p for p in data if isinstance(p, dict)] if isinstance(data, list) else []
    if not payloads:
        raise SimulationError(f"{path} holds no payloads")
    return payloads


def simulate(
    project_root: Path,
    target: Target,
    *,
    count: int | None = None,
    sink: Sink | None = None,
    now: datetime | None = None,
) -> SimulationResult:
    """Publish ``count`` messages (default: each payload once) to the devices' topics.

    Payloads are used in turn; each message gets a fresh trace id and a timestamp one
    millisecond after the previous one (so no two share a hot-store key).
    """
    project = load_project(project_root)
    payloads = load_payloads(project_root)
    total = len(payloads) if count is None else count
    if total < 1:
        raise SimulationError("count must be at least 1")
    client = target.client("iot-data")
    start = now or datetime.now(UTC)
    result = SimulationResult()
    for i in range(total):
        message = dict(payloads[i % len(payloads)])
        device_id = message.pop("iotDeviceId", None) or message.get("device_id")
        message["device_id"] = device_id
        message.pop("time", None)
        message["timestamp"] = format_timestamp(start + timedelta(milliseconds=i))
        message["trace_id"] = new_trace_id()
        topic = telemetry_topic(project.twin_name, device_id)
        client.publish(topic=topic, qos=1, payload=json.dumps(message).encode())
        sent = Sent(device_id, topic, message["trace_id"], message["timestamp"])
        result.sent.append(sent)
        if sink:
            sink(LogEvent("aws", "info", f"published to {topic} (trace {sent.trace_id})"))
    return result
