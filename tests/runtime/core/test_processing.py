"""Running user code: loading, isolation of failures, checking what comes back."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dtwin_gui.runtime.core.memory import MemoryLog, RecordingInvoker
from dtwin_gui.runtime.core.processing import (
    UserCodeError,
    call_user,
    load_action,
    load_feedback,
    load_processor,
    processor_handler,
    run_processor,
)

RECORD = {
    "device_id": "temperature-sensor-1",
    "timestamp": "2026-11-25T10:00:00.123Z",
    "trace_id": "trace-1",
    "temperature": 21.456,
}


def write(folder: Path, name: str, code: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(code).lstrip(), encoding="utf-8")
    return path


def test_template_processor_runs(project):
    process = load_processor(project / "processors" / "temperature-sensor-1" / "process.py")
    outcome = run_processor(process, RECORD, "temperature-sensor-1")
    assert outcome.ok, outcome.error
    assert outcome.record["temperature"] == 21.46
    assert outcome.record["temperature_f"] == round(21.46 * 9 / 5 + 32, 2)
    assert outcome.record["trace_id"] == "trace-1"
    assert outcome.to_json()["status"] == "processed"


def test_template_action_and_feedback_load(project):
    action = load_action(project / "event_actions" / "high-temperature-alert" / "action.py")
    feedback = load_feedback(project / "event_feedback" / "feedback.py")
    assert action(RECORD, {"condition": "c"})["alert"] == "threshold exceeded"
    assert feedback(RECORD, {"command": "x"}) == {"command": "x", "triggered_by": "trace-1"}


def test_the_user_module_may_import_its_siblings(tmp_path):
    folder = tmp_path / "processors" / "sibling-dev"
    write(folder, "dtwin_test_sibling_scale.py", "FACTOR = 10\n")
    path = write(
        folder,
        "process.py",
        """
        from dtwin_test_sibling_scale import FACTOR

        def process(event):
            event["value"] = event["value"] * FACTOR
            return event
        """,
    )
    process = load_processor(path)
    record = {"device_id": "sibling-dev", "timestamp": RECORD["timestamp"], "value": 2}
    assert run_processor(process, record, "sibling-dev").record["value"] == 20


def test_a_raising_processor_gives_a_failed_outcome_with_the_user_line(tmp_path):
    path = write(
        tmp_path / "p",
        "process.py",
        """
        def helper(value):
            return value / 0


        def process(event):
            event["x"] = helper(event["temperature"])
            return event
        """,
    )
    outcome = run_processor(load_processor(path), RECORD, "temperature-sensor-1")
    assert not outcome.ok
    assert outcome.device_id == "temperature-sensor-1"
    assert outcome.trace_id == "trace-1"
    assert outcome.error == "ZeroDivisionError: float division by zero"
    assert outcome.line == 2  # the innermost frame in the user's file
    assert outcome.file == "process.py"
    assert outcome.to_json()["status"] == "failed"


@pytest.mark.parametrize(
    ("returns", "message"),
    [
        (lambda e: None, "returned NoneType, not a dict"),
        (lambda e: [e], "returned list, not a dict"),
        (lambda e: {"temperature": 1.0}, "without device_id"),
        (lambda e: {**e, "samples": [1, 2]}, "values must be scalars"),
        (lambda e: {**e, "nan": float("nan")}, "values must be scalars"),
        (lambda e: {**e, "device_id": "other"}, "changed device_id"),
        (lambda e: {**e, "timestamp": "2026-11-25T10:00:01.000Z"}, "changed timestamp"),
    ],
)
def test_garbage_results_fail_with_a_clear_message(returns, message):
    outcome = run_processor(returns, RECORD, "temperature-sensor-1")
    assert not outcome.ok
    assert message in outcome.error
    assert outcome.trace_id == "trace-1"


def test_dropped_reserved_keys_come_back():
    outcome = run_processor(
        lambda e: {"device_id": e["device_id"], "temperature": 1.0}, RECORD, "temperature-sensor-1"
    )
    assert outcome.ok
    assert outcome.record == {**RECORD, "temperature": 1.0}


def test_the_input_is_not_shared_with_the_user_code():
    original = dict(RECORD)

    def mutate(event):
        event["temperature"] = 0.0
        return event

    run_processor(mutate, RECORD, "temperature-sensor-1")
    assert original == RECORD


def test_a_record_for_another_device_is_refused():
    outcome = run_processor(lambda e: e, RECORD, "pressure-sensor-1")
    assert not outcome.ok and "reached the processor of 'pressure-sensor-1'" in outcome.error


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("def process(event)\n    return event\n", "line 1: syntax error"),
        ("import dtwin_no_such_module_here\n", "ModuleNotFoundError"),
        ("X = 1\n", "must define a function process"),
    ],
)
def test_loading_errors_say_what_and_where(tmp_path, code, expected):
    path = tmp_path / "process.py"
    path.write_text(code, encoding="utf-8")
    with pytest.raises(UserCodeError) as caught:
        load_processor(path)
    assert expected in str(caught.value)
    assert caught.value.path == path.resolve()


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(UserCodeError, match="processor code not found"):
        load_processor(tmp_path / "nope" / "process.py")


def test_call_user_never_lets_the_exception_escape():
    def boom(a, b):
        raise KeyError(a + b)

    call = call_user(boom, "x", "y")
    assert not call.ok and call.error == "KeyError: 'xy'"
    assert call.file == Path(__file__).name and call.line is not None
    assert call_user(lambda a: a * 2, 4).value == 8


def test_processor_handler_hands_the_record_to_the_persister():
    invoker, log = RecordingInvoker(), MemoryLog()
    result = processor_handler(
        RECORD,
        lambda e: e,
        device_id="temperature-sensor-1",
        persister="twin-persister",
        invoker=invoker,
        log=log,
    )
    assert result["status"] == "processed"
    [call] = invoker.calls
    assert call.function == "twin-persister" and call.wait is False
    assert call.payload == RECORD


def test_processor_handler_logs_a_failure_and_does_not_hand_it_on(tmp_path):
    path = write(tmp_path / "q", "process.py", "def process(event):\n    raise ValueError('bad')\n")
    invoker, log = RecordingInvoker(), MemoryLog()
    result = processor_handler(
        RECORD,
        load_processor(path),
        device_id="temperature-sensor-1",
        persister="twin-persister",
        invoker=invoker,
        log=log,
    )
    assert result["status"] == "failed" and result["line"] == 2
    assert invoker.calls == []
    [entry] = log.find("processor-failed")
    assert entry["level"] == "ERROR"
    assert entry["device_id"] == "temperature-sensor-1" and entry["trace_id"] == "trace-1"
    assert entry["error"] == "ValueError: bad" and entry["line"] == 2
    assert "line 2 of process.py" in entry["message"]
