"""The persister: hot write first, then the event checker, then the twin update."""

from __future__ import annotations

import json

import pytest

from dtwin_gui.runtime.core.memory import InvokeError, MemoryHotStore, MemoryLog, RecordingInvoker
from dtwin_gui.runtime.core.persist import persist
from dtwin_gui.runtime.core.records import RecordError

RECORD = {
    "device_id": "temperature-sensor-1",
    "timestamp": "2026-11-25T10:00:00.123Z",
    "trace_id": "trace-1",
    "temperature": 42.0,
}


class FakeRemoteWriter:
    """Stands in for the glue's remote hot writer: it only serialises what it is given
    into an envelope (as the HTTP sender would) and keeps the body."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    def put(self, record: dict) -> None:
        envelope = {
            "version": 1,
            "kind": "telemetry",
            "trace_id": record["trace_id"],
            "payload": record,
        }
        self.bodies.append(json.dumps(envelope, sort_keys=True).encode("utf-8"))


class BrokenWriter:
    def put(self, record: dict) -> None:
        raise ConnectionError("hot store unreachable")


def test_local_store_then_event_checker():
    hot, invoker = MemoryHotStore(), RecordingInvoker()
    result = persist(RECORD, hot=hot, invoker=invoker, event_checker="twin-event-checker")
    assert result == {
        "status": "persisted",
        "device_id": "temperature-sensor-1",
        "trace_id": "trace-1",
        "hot": True,
        "event_checker": "twin-event-checker",
        "twin_update": False,
        "errors": [],
    }
    assert hot.query("temperature-sensor-1") == [RECORD]
    [call] = invoker.calls
    assert call.function == "twin-event-checker" and call.wait is False
    assert call.payload == RECORD


def test_without_events_only_the_store_is_written():
    hot = MemoryHotStore()
    result = persist(RECORD, hot=hot)
    assert result["event_checker"] is None and result["status"] == "persisted"
    assert len(hot) == 1


def test_remote_writer_and_twin_update():
    remote, twin = FakeRemoteWriter(), FakeRemoteWriter()
    result = persist(RECORD, hot=remote, twin_update=twin)
    assert result["twin_update"] is True
    [body] = remote.bodies
    assert json.loads(body)["payload"] == RECORD
    assert len(twin.bodies) == 1


def test_a_failed_hot_write_raises_before_anything_else_happens():
    invoker = RecordingInvoker()
    with pytest.raises(ConnectionError):
        persist(RECORD, hot=BrokenWriter(), invoker=invoker, event_checker="checker")
    assert invoker.calls == []


def test_later_step_failures_are_logged_and_reported_not_raised():
    hot, log = MemoryHotStore(), MemoryLog()
    invoker = RecordingInvoker(failing={"checker"})
    result = persist(
        RECORD,
        hot=hot,
        invoker=invoker,
        event_checker="checker",
        twin_update=BrokenWriter(),
        log=log,
    )
    assert result["status"] == "partial"
    assert len(result["errors"]) == 2
    assert len(hot) == 1  # the record is stored regardless
    entries = log.find("persist-step-failed")
    assert [e["device_id"] for e in entries] == ["temperature-sensor-1"] * 2
    assert {e["trace_id"] for e in entries} == {"trace-1"}
    assert isinstance(invoker.failing, set) and InvokeError.__name__ in result["errors"][0]


def test_an_invalid_record_is_refused():
    with pytest.raises(RecordError):
        persist({"device_id": "x", "timestamp": "today"}, hot=MemoryHotStore())


def test_an_event_checker_without_invoker_is_a_wiring_error():
    with pytest.raises(ValueError, match="no invoker"):
        persist(RECORD, hot=MemoryHotStore(), event_checker="checker")
