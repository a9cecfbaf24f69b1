"""The sandbox clock fires Cloud Scheduler-like schedules (unix cron) on the functions: each
run time once, with {"now": <run time>} as the body; the cron reader follows unix cron."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from dtwin_gui.clouds.google.sandbox.cron import Cron, CronError


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_cron_reads_unix_cron_fields():
    hourly = Cron("0 * * * *")
    assert hourly.runs_between(_at("2026-01-01T00:30"), _at("2026-01-01T03:00")) == [
        _at("2026-01-01T01:00"),
        _at("2026-01-01T02:00"),
        _at("2026-01-01T03:00"),
    ]
    assert Cron("*/15 9-10 * * *").runs_between(
        _at("2026-01-01T09:50"), _at("2026-01-01T10:20")
    ) == [_at("2026-01-01T10:00"), _at("2026-01-01T10:15")]
    # 2026-01-05 is a Monday; both day fields restricted: either matches
    assert next(Cron("0 0 1 * mon").runs_after(_at("2026-01-01T12:00"))) == _at("2026-01-05T00:00")
    assert next(Cron("30 6 * jan-feb sun").runs_after(_at("2026-01-01"))) == _at("2026-01-04T06:30")
    assert next(Cron("@daily").runs_after(_at("2026-01-01T01:00"))) == _at("2026-01-02T00:00")
    assert next(Cron("0 0 * * 7").runs_after(_at("2026-01-01"))) == _at("2026-01-04T00:00")
    for bad in ("0 * * *", "61 * * * *", "*/0 * * * *", "x * * * *", "0 0 32 * *"):
        with pytest.raises(CronError):
            Cron(bad)


def test_advance_fires_each_due_run_once(google_sandbox, tmp_path, make_package, calls):
    _, api = google_sandbox
    package = make_package(tmp_path)
    api.put_function(
        "mover-fn",
        package=package,
        entry_point="echo",
        env={"OUT_DIR": str(tmp_path)},
        trigger={"type": "schedule", "schedule": "0 * * * *"},
    )
    api.put_function(
        "plain-fn", package=package, entry_point="echo", env={"OUT_DIR": str(tmp_path)}
    )
    start = datetime.fromisoformat(api.clock()["now"])
    first = api.advance_clock(hours=3)
    assert [f["function"] for f in first["fired"]] == ["mover-fn"] * 3
    assert all(f["outcome"] == "ran" and f["status"] == 201 for f in first["fired"])
    ats = [datetime.fromisoformat(f["at"]) for f in first["fired"]]
    assert all(a.minute == 0 and a.second == 0 for a in ats)
    assert start < ats[0] < ats[1] < ats[2] <= datetime.fromisoformat(first["now"])
    bodies = [json.loads(c["body"]) for c in calls(tmp_path, "mover-fn")]
    assert [datetime.fromisoformat(b["now"]) for b in bodies] == ats
    assert calls(tmp_path, "plain-fn") == []

    # the minutes up to the next full hour fire nothing already fired; the hour fires once
    now = datetime.fromisoformat(first["now"])
    to_next_hour = 3600 - (now.minute * 60 + now.second + now.microsecond / 1e6)
    assert api.advance_clock(seconds=max(to_next_hour - 5, 0))["fired"] == []
    assert len(api.advance_clock(seconds=10)["fired"]) == 1
    assert len(calls(tmp_path, "mover-fn")) == 4

    # a long advance runs only the latest max_runs and says how many it skipped
    long = api.advance_clock(days=2, max_runs=2)
    assert len(long["fired"]) == 2
    assert long["fired"][0]["skipped_before"] == 46
    assert api.clock()["offset_seconds"] >= 2 * 86400 + 3 * 3600
    api.delete_function("mover-fn")
    api.delete_function("plain-fn")
    assert api.advance_clock(hours=2)["fired"] == []
