"""A sandbox clock, and the schedules moto stores but never fires.

``emulator.clock`` starts at wall time and only moves forward: ``advance(days=, hours=,
minutes=, seconds=)`` moves it, then fires every schedule with a run time in the window
between the previous check (the previous advance, or the sandbox's start) and the new
now. The sandbox never fires a schedule on its own, as time passes.

Schedules are EventBridge Scheduler schedules (``scheduler`` ``CreateSchedule``) and
EventBridge rules with a ``ScheduleExpression`` (``events`` ``PutRule`` + ``PutTargets``),
read from moto, in every region, when ENABLED. Their Lambda targets (function ARNs) are
invoked *synchronously*, one after the other (ordered by kind and name), each with::

    {"time": <sandbox now, ISO Z>, "now": <same>, "source": "dtwin.sandbox.scheduler",
     "detail-type": "Scheduled Event", "resources": [<schedule ARN>]}

merged over the target's ``Input`` (a JSON object) when it has one. A schedule fires at
most ONCE per advance, however many of its run times the window holds (``due`` in the
result says how many): advancing 30 days runs a daily mover once, at the new now, which is
what a mover needs (it works relative to "now"). After the invocations, background
invocations they started are drained (up to 60 s).

Expressions: ``rate(N minute|minutes|hour|hours|day|days)``, ``cron(min hour dom month dow
year)`` with ``*``, ``?``, numbers, ranges, lists, steps and month/day names (not ``L``,
``W``, ``#``) in the schedule's time zone, and the Scheduler's one-time
``at(yyyy-mm-ddThh:mm:ss)``. A ``rate`` schedule's runs are counted from when the
sandbox first saw it. ``StartDate``/``EndDate``, flexible time windows, ``InputPath`` and
``InputTransformer``, and non-Lambda targets are not supported (logged as warnings).

HTTP, on the sandbox endpoint (no signature needed)::

    GET  /_dtwin/clock                -> {"now": ..., "offset_seconds": ...}
    POST /_dtwin/clock/advance        {"days": n} | {"hours": n} | {"seconds": n} ...
                                      -> {"now": ..., "fired": [...]}
    POST /_dtwin/schedules/run        -> {"now": ..., "fired": [...]}  (everything, now)
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dtwin_gui.clouds.aws.sandbox.gateway import Request, Response
from dtwin_gui.clouds.aws.sandbox.patches._common import invoke_function, json_response, sandbox_log

SOURCE = "scheduler"
EVENT_SOURCE = "dtwin.sandbox.scheduler"
DRAIN_TIMEOUT_S = 60.0


class UnsupportedSchedule(ValueError):
    """A schedule expression the sandbox cannot evaluate."""


def format_time(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds and ``Z``."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# --- expressions -------------------------------------------------------------------------
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minutes?|hours?|days?)\s*\)$", re.IGNORECASE)
_CRON = re.compile(r"^cron\((.*)\)$", re.IGNORECASE)
_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$", re.IGNORECASE)
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]


def _field(text: str, low: int, high: int, names: list[str] | None = None) -> set[int] | None:
    """The values a cron field allows; None for ``*``/``?`` (anything)."""
    if text in ("*", "?"):
        return None
    values: set[int] = set()

    def value(raw: str) -> int:
        if names and raw.upper() in names:
            return names.index(raw.upper()) + low
        if not raw.isdigit():
            raise UnsupportedSchedule(f"cron field {text!r} is not supported")
        number = int(raw)
        if not low <= number <= high:
            raise UnsupportedSchedule(f"{number} is out of range in cron field {text!r}")
        return number

    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
        if step_text and step is None:
            raise UnsupportedSchedule(f"bad step in cron field {text!r}")
        if base == "*":
            first, last = low, high
        elif "-" in base:
            start, _, end = base.partition("-")
            first, last = value(start), value(end)
        else:
            first = value(base)
            last = high if step else first
        values.update(range(first, last + 1, step or 1))
    return values


@dataclass(frozen=True)
class Cron:
    minutes: set[int] | None
    hours: set[int] | None
    days: set[int] | None
    months: set[int] | None
    weekdays: set[int] | None  # 1 = Sunday, like AWS
    years: set[int] | None

    @classmethod
    def parse(cls, body: str) -> Cron:
        fields = body.split()
        if len(fields) != 6:
            raise UnsupportedSchedule("cron() needs 6 fields: min hour dom month dow year")
        return cls(
            _field(fields[0], 0, 59),
            _field(fields[1], 0, 23),
            _field(fields[2], 1, 31),
            _field(fields[3], 1, 12, _MONTHS),
            _field(fields[4], 1, 7, _DAYS),
            _field(fields[5], 1970, 2199),
        )

    def day_matches(self, day: date) -> bool:
        weekday = day.isoweekday() % 7 + 1  # Sunday = 1
        return all(
            allowed is None or value in allowed
            for allowed, value in (
                (self.days, day.day),
                (self.months, day.month),
                (self.weekdays, weekday),
                (self.years, day.year),
            )
        )

    def times(self, start: datetime, end: datetime, zone) -> list[datetime]:
        """Run times in ``(start, end]``."""
        out = []
        day, last = start.astimezone(zone).date(), end.astimezone(zone).date()
        hours = sorted(self.hours if self.hours is not None else range(24))
        minutes = sorted(self.minutes if self.minutes is not None else range(60))
        while day <= last:
            if self.day_matches(day):
                for hour in hours:
                    for minute in minutes:
                        moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
                        if start < moment <= end:
                            out.append(moment)
            day += timedelta(days=1)
        return out


def due_count(
    expression: str, start: datetime, end: datetime, *, anchor: datetime, zone=UTC
) -> int:
    """How many run times of ``expression`` fall in ``(start, end]``."""
    expression = expression.strip()
    if match := _RATE.match(expression):
        amount, unit = int(match.group(1)), match.group(2).lower().rstrip("s")
        if amount <= 0:
            raise UnsupportedSchedule(f"{expression}: the rate must be positive")
        period = amount * _UNIT_SECONDS[unit]

        def runs_until(moment: datetime) -> int:
            return max(0, int((moment - anchor).total_seconds() // period))

        return runs_until(end) - runs_until(start)
    if match := _CRON.match(expression):
        return len(Cron.parse(match.group(1)).times(start, end, zone))
    if match := _AT.match(expression):
        moment = datetime.fromisoformat(match.group(1)).replace(tzinfo=zone)
        return int(start < moment <= end)
    raise UnsupportedSchedule(f"{expression!r} is not rate(...), cron(...) or at(...)")


# --- schedules in moto -------------------------------------------------------------------
@dataclass(frozen=True)
class Schedule:
    """One (schedule, target) pair, as the sandbox fires it."""

    kind: str  # "scheduler" or "events"
    name: str
    arn: str
    expression: str
    timezone: str
    target: str
    input: str | None
    unsupported: str | None = None

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.kind, self.arn, self.expression, self.target)


def _regions(service: str, account: str) -> list[tuple[str, object]]:
    from moto.backends import get_backend

    return sorted(list(get_backend(service)[account].items()))


def stored_schedules(account: str) -> list[Schedule]:
    """Every ENABLED schedule with its targets, from moto's Scheduler and EventBridge."""
    out: list[Schedule] = []
    for _, backend in _regions("scheduler", account):
        for group in list(backend.schedule_groups.values()):
            for item in list(group.schedules.values()):
                if item.state != "ENABLED":
                    continue
                target = item.target or {}
                out.append(
                    Schedule(
                        "scheduler",
                        f"{group.name}/{item.name}",
                        item.arn,
                        item.schedule_expression,
                        item.schedule_expression_timezone or "UTC",
                        target.get("Arn", ""),
                        target.get("Input"),
                    )
                )
    for _, backend in _regions("events", account):
        for bus in list(backend.event_buses.values()):
            for rule in list(bus.rules.values()):
                if not rule.scheduled_expression or rule.state != "ENABLED":
                    continue
                for target in list(rule.targets):
                    unsupported = None
                    if "InputPath" in target or "InputTransformer" in target:
                        unsupported = "InputPath/InputTransformer are not supported"
                    out.append(
                        Schedule(
                            "events",
                            rule.name if bus.name == "default" else f"{bus.name}/{rule.name}",
                            rule.arn,
                            rule.scheduled_expression,
                            "UTC",
                            target.get("Arn", ""),
                            target.get("Input"),
                            unsupported,
                        )
                    )
    return sorted(out, key=lambda s: (s.kind, s.name, s.target))


# --- the clock ---------------------------------------------------------------------------
class SandboxClock:
    """The sandbox's time: wall time plus what it was advanced by. ``emulator.clock``."""

    def __init__(self, gateway, emulator, account: str) -> None:
        self._gateway = gateway
        self._emulator = emulator
        self._account = account
        self._offset = timedelta(0)
        self._fire_lock = threading.Lock()
        self._checked = self.now()
        self._anchors: dict[tuple, datetime] = {}

    def now(self) -> datetime:
        """The sandbox's current time (aware, UTC)."""
        return datetime.now(UTC) + self._offset

    @property
    def offset(self) -> timedelta:
        return self._offset

    def advance(
        self, *, days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0
    ) -> list[dict]:
        """Move the clock forward; fire what is due; return what ran (see the module)."""
        delta = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
        if delta < timedelta(0):
            raise ValueError("the sandbox clock only moves forward")
        with self._fire_lock:
            self._offset += delta
            start, end = self._checked, self.now()
            self._checked = end
            sandbox_log(
                self._emulator,
                SOURCE,
                f"clock advanced by {delta} to {format_time(end)}",
                outcome="advanced",
            )
            return self._fire(start, end, everything=False)

    def run_all(self) -> list[dict]:
        """Fire every enabled schedule once, now, whether due or not."""
        with self._fire_lock:
            now = self.now()
            return self._fire(now, now, everything=True)

    # --- firing --------------------------------------------------------------------------
    def _fire(self, start: datetime, end: datetime, *, everything: bool) -> list[dict]:
        fired = []
        for schedule in stored_schedules(self._account):
            anchor = self._anchors.setdefault(schedule.key, start)
            due = None
            if not everything:
                try:
                    due = due_count(
                        schedule.expression,
                        start,
                        end,
                        anchor=anchor,
                        zone=_zone(schedule.timezone),
                    )
                except UnsupportedSchedule as exc:
                    self._warn(schedule, f"not run: {exc}")
                    continue
                if not due:
                    continue
            fired.append(self._run(schedule, end, due))
        if fired:
            self._emulator.host.drain(timeout_s=DRAIN_TIMEOUT_S)
        return fired

    def _warn(self, schedule: Schedule, message: str) -> None:
        sandbox_log(
            self._emulator,
            SOURCE,
            f"{schedule.kind} schedule {schedule.name}: {message}",
            level="warning",
            outcome="unsupported",
            schedule=schedule.name,
        )

    def _run(self, schedule: Schedule, now: datetime, due: int | None) -> dict:
        stamp = format_time(now)
        record = {
            "kind": schedule.kind,
            "schedule": schedule.name,
            "arn": schedule.arn,
            "expression": schedule.expression,
            "target": schedule.target,
            "due": due,
            "time": stamp,
        }
        event: dict = {}
        if schedule.input:
            try:
                given = json.loads(schedule.input)
            except ValueError:
                given = None
            if isinstance(given, dict):
                event.update(given)
            else:
                self._warn(schedule, "Input is not a JSON object; ignored")
        if schedule.unsupported:
            self._warn(schedule, f"{schedule.unsupported}; the target gets the plain event")
        event.update(
            {
                "time": stamp,
                "now": stamp,
                "source": EVENT_SOURCE,
                "detail-type": "Scheduled Event",
                "resources": [schedule.arn],
            }
        )
        parts = schedule.target.split(":")
        if len(parts) < 7 or parts[2] != "lambda" or parts[5] != "function":
            record.update(ok=False, error="only Lambda function targets are run by the sandbox")
            self._warn(schedule, f"target {schedule.target!r} is not a Lambda function")
            return record
        ok, result = invoke_function(
            self._gateway, schedule.target, event, region=parts[3], asynchronous=False
        )
        record.update(ok=ok, **({"result": result} if ok else {"error": result}))
        sandbox_log(
            self._emulator,
            SOURCE,
            f"{schedule.kind} schedule {schedule.name} ran {parts[6]}: "
            + ("ok" if ok else f"failed: {result}"),
            **({} if ok else {"level": "warning"}),
            outcome="fired" if ok else "failed",
            schedule=schedule.name,
            target=schedule.target,
            due=due,
        )
        return record

    # --- the interceptor -----------------------------------------------------------------
    def __call__(self, request: Request) -> Response | None:
        if not request.path.startswith("/_dtwin/"):
            return None
        if request.path == "/_dtwin/clock" and request.method == "GET":
            return json_response(
                200,
                {"now": format_time(self.now()), "offset_seconds": self._offset.total_seconds()},
            )
        if request.path == "/_dtwin/clock/advance" and request.method == "POST":
            units = ("days", "hours", "minutes", "seconds")
            try:
                body = json.loads(request.body or b"{}")
                if not isinstance(body, dict) or not body or set(body) - set(units):
                    raise ValueError("give days, hours, minutes and/or seconds")
                fired = self.advance(**{k: float(v) for k, v in body.items()})
            except (ValueError, TypeError, OverflowError) as exc:
                return json_response(400, {"message": f"bad clock advance: {exc}"})
            return json_response(200, {"now": format_time(self.now()), "fired": fired})
        if request.path == "/_dtwin/schedules/run" and request.method == "POST":
            fired = self.run_all()
            return json_response(200, {"now": format_time(self.now()), "fired": fired})
        return None


def _zone(name: str):
    if not name or name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnsupportedSchedule(f"unknown time zone {name!r}") from None


def install(gateway, emulator) -> None:
    from dtwin_gui.clouds.aws.sandbox.emulator import ACCOUNT

    emulator.clock = SandboxClock(gateway, emulator, ACCOUNT)
    gateway.add_interceptor(emulator.clock)
