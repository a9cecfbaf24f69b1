"""Unix cron, the five-field schedule of Cloud Scheduler (``{minute} {hour} {day-of-month}
{month} {day-of-week}``), enough for the sandbox clock to know which runs are due.

Fields take ``*``, numbers, ranges ``a-b``, lists ``a,b`` and steps ``*/n``, ``a/n``,
``a-b/n``; day-of-week is 0-6 with 0 = Sunday (7 is Sunday too); months and days may be
names (``jan``, ``mon``). When both day fields are restricted a day matching either runs
(cron's rule). ``@hourly``, ``@daily``/``@midnight``, ``@weekly``, ``@monthly`` and
``@yearly``/``@annually`` are read too. Times are UTC (the sandbox has no time zones).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
_FIELDS = ((0, 59, None), (0, 23, None), (1, 31, None), (1, 12, _MONTHS), (0, 7, _DAYS))
_MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_HORIZON_DAYS = 366 * 5


class CronError(ValueError):
    """A cron expression the sandbox cannot read."""


def _value(text: str, low: int, names) -> int:
    if names and text.lower() in names:
        return names.index(text.lower()) + low
    if not text.isdigit():
        raise CronError(f"{text!r} is not a number")
    return int(text)


def _field(text: str, low: int, high: int, names) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        body, _, step_text = part.partition("/")
        if step_text and not step_text.isdigit():
            raise CronError(f"step {step_text!r} is not a number")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise CronError(f"step {step_text!r} must be at least 1")
        if body == "*":
            start, end = low, high
        elif "-" in body:
            a, b = body.split("-", 1)
            start, end = _value(a, low, names), _value(b, low, names)
        else:
            start = _value(body, low, names)
            end = high if step_text else start
        if not (low <= start <= high and low <= end <= high and start <= end):
            raise CronError(f"{part!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


class Cron:
    def __init__(self, expression: str) -> None:
        text = _MACROS.get(expression.strip().lower(), expression)
        fields = text.split()
        if len(fields) != 5:
            raise CronError(
                f"{expression!r}: a cron schedule has five fields "
                "(minute hour day-of-month month day-of-week)"
            )
        self.expression = expression
        parsed = [_field(f, *spec) for f, spec in zip(fields, _FIELDS, strict=True)]
        self.minutes, self.hours, self.days, self.months, dows = parsed
        self.dows = frozenset(d % 7 for d in dows)
        self._any_day = fields[2].startswith("*")
        self._any_dow = fields[4].startswith("*")

    def _day_matches(self, day: datetime) -> bool:
        if day.month not in self.months:
            return False
        dom = day.day in self.days
        dow = (day.isoweekday() % 7) in self.dows
        if self._any_day or self._any_dow:
            return dom and dow
        return dom or dow

    def runs_after(self, moment: datetime) -> Iterator[datetime]:
        """Run times strictly after ``moment``, in order (for five years at most)."""
        moment = moment.astimezone(UTC)
        day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        for _ in range(_HORIZON_DAYS):
            if self._day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        run = day.replace(hour=hour, minute=minute)
                        if run > moment:
                            yield run
            day += timedelta(days=1)

    def runs_between(self, start: datetime, end: datetime) -> list[datetime]:
        """Every run time in ``(start, end]``."""
        found = []
        for run in self.runs_after(start):
            if run > end:
                break
            found.append(run)
        return found
