"""The dispatcher: normalise, route, reject unknown devices (never drop them silently)."""

from __future__ import annotations

import pytest

from dtwin_gui.runtime.core.dispatch import UnknownDevice, dispatch, route
from dtwin_gui.runtime.core.function_config import FunctionConfig
from dtwin_gui.runtime.core.memory import InvokeError, MemoryLog, RecordingInvoker

CONFIG = FunctionConfig(
    role="dispatcher",
    twin_name="factory-twin",
    cloud="aws",
    name="dispatcher",
    devices={"temperature-sensor-1": {"temperature": "DOUBLE"}, "pressure-sensor-1": {}},
    routes={
        "temperature-sensor-1": "factory-twin-processor-temperature-sensor-1",
        "pressure-sensor-1": "factory-twin-processor-pressure-sensor-1",
    },
)


def test_route_names_the_deployed_processor():
    record = {"device_id": "pressure-sensor-1", "timestamp": "2026-11-25T10:00:00.000Z"}
    assert route(record, CONFIG) == "factory-twin-processor-pressure-sensor-1"


def test_route_rejects_an_unknown_device_by_name():
    with pytest.raises(UnknownDevice) as caught:
        route({"device_id": "intruder-9"}, CONFIG)
    text = str(caught.value)
    assert "'intruder-9'" in text and "rejected" in text
    assert "temperature-sensor-1" in text  # says which devices it does know


def test_older_names_are_normalised_and_the_processor_invoked_async():
    invoker, log = RecordingInvoker(), MemoryLog()
    message = {
        "iotDeviceId": "temperature-sensor-1",
        "time": "2026-11-25T11:00:00+01:00",
        "temperature": 21.5,
    }
    result = dispatch(message, CONFIG, invoker, log)
    assert result["status"] == "routed"
    assert result["target"] == "factory-twin-processor-temperature-sensor-1"
    [call] = invoker.calls
    assert call.function == result["target"] and call.wait is False
    assert call.payload == {
        "device_id": "temperature-sensor-1",
        "timestamp": "2026-11-25T10:00:00.000Z",
        "temperature": 21.5,
        "trace_id": result["trace_id"],
    }


def test_a_given_trace_id_is_kept_and_a_missing_timestamp_becomes_now():
    invoker = RecordingInvoker()
    result = dispatch(
        {"device_id": "pressure-sensor-1", "pressure": 1.0, "trace_id": "abc"},
        CONFIG,
        invoker,
        MemoryLog(),
        now="2026-11-25T10:00:00.123Z",
    )
    assert result["trace_id"] == "abc"
    assert invoker.calls[0].payload["timestamp"] == "2026-11-25T10:00:00.123Z"


def test_unknown_device_is_rejected_and_logged_with_the_reason():
    invoker, log = RecordingInvoker(), MemoryLog()
    result = dispatch({"device_id": "intruder-9", "x": 1, "trace_id": "t-1"}, CONFIG, invoker, log)
    assert result["status"] == "rejected"
    assert result["device_id"] == "intruder-9" and result["trace_id"] == "t-1"
    assert "rejected" in result["reason"]
    assert invoker.calls == []
    [entry] = log.find("rejected")
    assert entry["level"] == "WARNING"
    assert entry["device_id"] == "intruder-9" and entry["trace_id"] == "t-1"
    assert "intruder-9" in entry["message"]


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ([1, 2], "JSON object"),
        ({"temperature": 1}, "no device_id"),
        ({"device_id": "temperature-sensor-1", "timestamp": "yesterday"}, "not ISO-8601"),
        ({"device_id": "temperature-sensor-1", "reading": {"nested": 1}}, "scalars"),
    ],
)
def test_malformed_messages_are_rejected_with_a_reason(message, reason):
    invoker, log = RecordingInvoker(), MemoryLog()
    result = dispatch(message, CONFIG, invoker, log)
    assert result["status"] == "rejected"
    assert reason in result["reason"]
    assert result["trace_id"]  # a trace id even for garbage, so the log line can be found
    assert invoker.calls == []
    assert log.find("rejected")[0]["trace_id"] == result["trace_id"]


def test_forwards_to_the_connector_when_processing_is_on_another_cloud():
    invoker = RecordingInvoker()
    result = dispatch(
        {"device_id": "pressure-sensor-1", "pressure": 2.0},
        CONFIG,
        invoker,
        MemoryLog(),
        connector="factory-twin-connector",
    )
    assert result["status"] == "routed" and result["target"] == "factory-twin-connector"
    assert invoker.calls[0].function == "factory-twin-connector"
    rejected = dispatch({"device_id": "intruder-9"}, CONFIG, invoker, MemoryLog(), connector="c")
    assert rejected["status"] == "rejected"
    assert len(invoker.calls) == 1


def test_a_failing_invocation_is_logged_with_device_and_trace_then_raised():
    invoker = RecordingInvoker(failing={"factory-twin-processor-pressure-sensor-1"})
    log = MemoryLog()
    with pytest.raises(InvokeError):
        dispatch({"device_id": "pressure-sensor-1", "trace_id": "t-9"}, CONFIG, invoker, log)
    [entry] = log.find("invoke-failed")
    assert entry["level"] == "ERROR"
    assert entry["device_id"] == "pressure-sensor-1" and entry["trace_id"] == "t-9"
