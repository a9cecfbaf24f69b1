"""``dtwin logs`` and the Status page's function logs: a function's lines as a user reads
them — the runtime's entries and the user's own prints, errors first, the window asked for.
Read from every emulated cloud on the matrix rows (tests/e2e/matrix_flow.py
``_printed_lines``); here the parsing, the window and the refusals."""

from __future__ import annotations

import json

import pytest

from dtwin_gui.core.providers import Cloud, Slot
from dtwin_gui.core.topology import FunctionSpec
from dtwin_gui.deploy.function_logs import (
    FunctionLogs,
    LogsError,
    function_logs,
    parse_lines,
    parse_since,
)

NOW = 1_764_756_000.0  # 2025-12-03T10:00:00Z
PROCESSOR = FunctionSpec(
    "processor-pump-1", "processor", Cloud.AZURE, Slot.L2, "pump-1", None, False
)


def entry(time: str, level: str = "INFO", **extra) -> str:
    fields = {"level": level, "function": "processor-pump-1", "event": "processed"}
    return json.dumps({**fields, "time": time, "message": f"at {time}", **extra})


def test_prints_are_kept_with_the_time_of_the_entry_before_them():
    lines = parse_lines(
        PROCESSOR,
        [
            "2026-12-03T09:59:00 platform prefix " + entry("2026-12-03T09:59:00.000Z"),
            "converted to Fahrenheit: 69.8",
            entry("2026-12-03T10:00:00.000Z", trace_id="t-1", device_id="pump-1"),
            "",
        ],
    )
    assert [(line.level, line.time, line.text) for line in lines] == [
        ("INFO", "2026-12-03T09:59:00.000Z", "at 2026-12-03T09:59:00.000Z"),
        ("PRINT", "2026-12-03T09:59:00.000Z", "converted to Fahrenheit: 69.8"),
        ("INFO", "2026-12-03T10:00:00.000Z", "at 2026-12-03T10:00:00.000Z"),
    ]
    assert (lines[2].trace_id, lines[2].device_id, lines[2].event) == ("t-1", "pump-1", "processed")
    assert {line.cloud for line in lines} == {"azure"}


def test_lines_before_the_window_go_with_their_entry():
    lines = parse_lines(
        PROCESSOR,
        [entry("2026-12-03T09:00:00.000Z"), "old print", entry("2026-12-03T10:00:00.000Z"), "new"],
        since="2026-12-03T09:30:00.000Z",
    )
    assert [line.text for line in lines] == ["at 2026-12-03T10:00:00.000Z", "new"]


def test_errors_come_first_newest_first_with_their_traceback():
    failed = entry(
        "2026-12-03T10:01:00.000Z",
        "ERROR",
        event="processor-failed",
        traceback="Traceback (most recent call last):\n  ValueError: bad reading",
    )
    lines = parse_lines(
        PROCESSOR,
        [
            entry("2026-12-03T10:00:00.000Z"),
            "Traceback (most recent call last):",
            failed,
            entry("2026-12-03T10:02:00.000Z"),
        ],
    )
    logs = FunctionLogs(lines=lines)
    assert [line.is_error for line in lines] == [False, True, True, False]
    first = logs.errors_first()
    times = [line.time for line in first[:2]]
    assert times == ["2026-12-03T10:01:00.000Z", "2026-12-03T10:00:00.000Z"]
    assert first[0].level == "ERROR" and "ValueError: bad reading" in first[0].text
    assert [line.is_error for line in first] == [True, True, False, False]
    shown = logs.to_json()
    assert len(shown["errors"]) == 2 and shown["errors"][0]["error"] is True


@pytest.mark.parametrize(
    ("text", "seconds_back"),
    [(None, 3600), ("90s", 90), ("10m", 600), ("2h", 7200), ("1d", 86400), ("1.5h", 5400)],
)
def test_since_takes_a_duration_back_from_now(text, seconds_back):
    assert parse_since(text, now=NOW) == NOW - seconds_back


def test_since_takes_a_time_and_refuses_anything_else():
    assert parse_since("2025-12-03T09:00:00Z", now=NOW) == NOW - 3600
    assert parse_since("2025-12-03T09:00:00", now=NOW) == NOW - 3600  # UTC when unsaid
    with pytest.raises(LogsError) as refused:
        parse_since("yesterday", now=NOW)
    assert "10m" in refused.value.hint


def test_an_unknown_function_names_the_close_ones(project):
    with pytest.raises(LogsError) as refused:
        function_logs(project, {}, function="processor-temperature-sensor")
    assert "processor-temperature-sensor-1" in refused.value.hint
    assert "no function 'processor-temperature-sensor'" in refused.value.message


def test_a_function_of_an_unconnected_cloud_says_so(project):
    logs = function_logs(project, {}, function="processor-temperature-sensor-1")
    assert logs.lines == []
    assert logs.unread == {"processor-temperature-sensor-1": "no AWS connection"}
