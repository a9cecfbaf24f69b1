"""NCRONTAB, the six-field schedule of Azure Functions timers (``{second} {minute} {hour}
{day} {month} {day-of-week}``), enough for the sandbox clock to know when a timer is due.

Fields take ``*``, numbers, ranges ``a-b``, lists ``a,b`` and steps ``*/n`` / ``a-b/n``;
day-of-week is 0-6 with 0 = Sunday (7 is Sunday too); months and days may be names
(``Jan``, ``Mon``). Times are UTC (the sandbox has no ``WEBSITE_TIME_ZONE``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
#: (low, high, names) of each field in order.
_FIELDS = (
    (0, 59, None),
    (0, 59, None),
    (0, 23, None),
    (1, 31, None),
    (1, 12, _MONTHS),
    (0, 7, _DAYS),
)
_HORIZON_DAYS = 366 * 5


class ScheduleError(ValueError):
    """An NCRONTAB expression the sandbox cannot read."""


def _value(text: str, low: int, names) -> int:
    if names and text[:3].lower() in names:
        return names.index(text[:3].lower()) + (1 if low == 1 else 0)
    if not text.isdigit():
        raise ScheduleError(f"{text!r} is not a number")
    return int(text)


def _field(text: str, low: int, high: int, names) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        body, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ScheduleError(f"step {step_text!r} must be at least 1")
        if body == "*":
            start, end = low, high
        elif "-" in body:
            a, b = body.split("-", 1)
            start, end = _value(a, low, names), _value(b, low, names)
        else:
            start = _value(body, low, names)
            end = high if step_text else start
        if not (low <= start <= high and low <= end <= high and start <= end):
            raise ScheduleError(f"{part!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


class Schedule:
    def __init__(self, expression: str) -> None:
        fields = expression.split()
        if len(fields) != 6:
            raise ScheduleError(
                f"{expression!r}: an NCRONTAB schedule has six fields "
                "(second minute hour day month day-of-week)"
            )
        self.expression = expression
        parsed = [_field(f, *spec) for f, spec in zip(fields, _FIELDS, strict=True)]
        self.seconds, self.minutes, self.hours, self.days, self.months, dows = parsed
        self.dows = frozenset(d % 7 for d in dows)
        self._any_day, self._any_dow = fields[3] == "*", fields[5] == "*"

    def _day_matches(self, day: datetime) -> bool:
        if day.month not in self.months:
            return False
        dom = day.day in self.days
        dow = (day.isoweekday() % 7) in self.dows
        if self._any_day or self._any_dow:
            return dom and dow
        return dom or dow  # cron's rule when both are restricted

    def next_after(self, moment: datetime) -> datetime | None:
        """The first run time strictly after ``moment`` (within five years), else None."""
        moment = moment.astimezone(UTC)
        day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        for _ in range(_HORIZON_DAYS):
            if self._day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        for second in sorted(self.seconds):
                            run = day.replace(hour=hour, minute=minute, second=second)
                            if run > moment:
                                return run
            day += timedelta(days=1)
        return None

    def due(self, start: datetime, end: datetime) -> bool:
        """Whether a run time falls in ``(start, end]``."""
        run = self.next_after(start)
        return run is not None and run <= end
