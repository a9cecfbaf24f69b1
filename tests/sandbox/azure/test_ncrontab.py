"""NCRONTAB schedules as the sandbox clock reads them (six fields, seconds first, UTC)."""

from datetime import UTC, datetime, timedelta

import pytest

from dtwin_gui.clouds.azure.sandbox.ncrontab import Schedule, ScheduleError

T0 = datetime(2026, 12, 2, 14, 37, 10, tzinfo=UTC)  # a Wednesday


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("0 0 * * * *", datetime(2026, 12, 2, 15, 0, 0, tzinfo=UTC)),  # the movers: hourly
        ("0 30 * * * *", datetime(2026, 12, 2, 14, 30, 0, tzinfo=UTC) + timedelta(hours=1)),
        ("*/15 * * * * *", datetime(2026, 12, 2, 14, 37, 15, tzinfo=UTC)),
        ("0 0 9-17/4 * * *", datetime(2026, 12, 2, 17, 0, 0, tzinfo=UTC)),
        ("0 0 0 * * Mon", datetime(2026, 12, 7, 0, 0, 0, tzinfo=UTC)),
        ("0 0 0 1 Jan *", datetime(2027, 1, 1, 0, 0, 0, tzinfo=UTC)),
        ("0 0 12 * * 0,7", datetime(2026, 12, 6, 12, 0, 0, tzinfo=UTC)),  # Sunday both ways
    ],
)
def test_the_next_run_time(expression, expected):
    assert Schedule(expression).next_after(T0) == expected


def test_due_means_a_run_time_inside_the_window():
    hourly = Schedule("0 0 * * * *")
    assert not hourly.due(T0, T0 + timedelta(minutes=20))
    assert hourly.due(T0, T0 + timedelta(minutes=23))
    assert hourly.due(T0, T0 + timedelta(days=30))


@pytest.mark.parametrize("bad", ["0 0 * * *", "0 61 * * * *", "x * * * * *", "0 0 */0 * * *"])
def test_a_schedule_the_sandbox_cannot_read_says_why(bad):
    with pytest.raises(ScheduleError):
        Schedule(bad)
