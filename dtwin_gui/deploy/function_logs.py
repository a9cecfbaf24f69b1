"""What the deployed functions printed: their recent log lines, errors first (issue 17).

Each cloud's ``glue_log`` part gives one function's lines since a moment (AWS: CloudWatch
Logs, on AWS and in the sandbox; Azure: Application Insights, in the sandbox the Function
App's log; Google: Cloud Logging, in the sandbox the function's log). The runtime's own lines
are JSON entries (``level``, ``event``, ``message``, ``trace_id``, ``time``: see
:mod:`dtwin_gui.runtime.core.log`); the user's ``print``/``logging`` lines and tracebacks
are kept as they are, with the time of the entry before them when they carry none. The
same lines feed ``dtwin logs`` and the Status page's "Function logs" tab. Qt-free; no SDK.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from dtwin_gui.clouds import plugin
from dtwin_gui.core.providers import CLOUD_TITLES

ERROR_LEVELS = frozenset({"ERROR", "CRITICAL", "FATAL"})
#: A plain line that reports a failure (a traceback, an uncaught exception).
_PLAIN_ERROR = re.compile(r"^(Traceback \(most recent call last\)|\w+(Error|Exception)\b)")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
#: How far back by default, and the most lines shown per function.
DEFAULT_SINCE_S = 3600.0
MAX_PER_FUNCTION = 2000


class LogsError(ValueError):
    """A request for logs that cannot be answered (what, and what to do)."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


@dataclass(frozen=True)
class LogLine:
    function: str
    cloud: str
    #: ISO UTC (milliseconds) when known: the entry's own, else the one before it.
    time: str | None
    level: str  # DEBUG | INFO | WARNING | ERROR | PRINT (a plain line)
    text: str
    event: str | None = None
    trace_id: str | None = None
    device_id: str | None = None

    @property
    def is_error(self) -> bool:
        return self.level in ERROR_LEVELS or (
            self.level == "PRINT" and bool(_PLAIN_ERROR.match(self.text.strip()))
        )

    def to_json(self) -> dict:
        return {**asdict(self), "error": self.is_error}


@dataclass
class FunctionLogs:
    #: Every line, oldest first.
    lines: list[LogLine] = field(default_factory=list)
    #: ``{function: why its log could not be read}``.
    unread: dict[str, str] = field(default_factory=dict)
    functions: list[str] = field(default_factory=list)
    since: str = ""

    @property
    def errors(self) -> list[LogLine]:
        """The error lines, newest first."""
        return [line for line in reversed(self.lines) if line.is_error]

    def errors_first(self) -> list[LogLine]:
        """Errors (newest first), then every other line (oldest first)."""
        return self.errors + [line for line in self.lines if not line.is_error]

    def to_json(self) -> dict:
        return {
            "since": self.since,
            "functions": self.functions,
            "errors": [line.to_json() for line in self.errors],
            "lines": [line.to_json() for line in self.lines],
            "unread": self.unread,
        }


def parse_since(text: str | None, now: float | None = None) -> float:
    """Unix seconds of ``--since``: a duration back from now (``90s``, ``10m``, ``2h``,
    ``1d``) or an ISO-8601 time; None is the last hour."""
    now = time.time() if now is None else now
    if not text:
        return now - DEFAULT_SINCE_S
    match = _DURATION.match(text)
    if match:
        return now - float(match.group(1)) * _UNITS[match.group(2)]
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise LogsError(
            f"--since {text!r} is neither a duration nor a time",
            "give a duration like 10m, 2h or 1d, or a time like 2026-12-03T10:00:00Z",
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_lines(function, raw: list[str], since: str = "") -> list[LogLine]:
    """``raw`` lines of ``function`` as :class:`LogLine` (oldest first); a JSON entry older
    than ``since`` is dropped, and so are the plain lines that follow it."""
    out: list[LogLine] = []
    last_time: str | None = None
    cloud = str(function.cloud)
    for line in raw:
        text = line.rstrip("\n")
        entry = _entry(text)
        if entry is None:
            if not text.strip() or (since and last_time and last_time < since):
                continue
            out.append(LogLine(function.name, cloud, last_time, "PRINT", text))
            continue
        moment = entry.get("time") if isinstance(entry.get("time"), str) else None
        last_time = moment or last_time
        if since and moment and moment < since:
            continue
        message = entry.get("message")
        shown = str(message) if message is not None else text
        if entry.get("traceback"):
            shown += "\n" + str(entry["traceback"]).rstrip()
        out.append(
            LogLine(
                function.name,  # the topology's name (AWS's entries carry the deployed one)
                cloud,
                moment,
                str(entry.get("level") or "INFO").upper(),
                shown,
                entry.get("event") if isinstance(entry.get("event"), str) else None,
                entry.get("trace_id") if isinstance(entry.get("trace_id"), str) else None,
                entry.get("device_id") if isinstance(entry.get("device_id"), str) else None,
            )
        )
    return out[-MAX_PER_FUNCTION:]


def _entry(text: str) -> dict | None:
    start = text.find("{")
    if start < 0:
        return None
    try:
        entry = json.loads(text[start:])
    except ValueError:
        return None
    return entry if isinstance(entry, dict) and ("level" in entry or "event" in entry) else None


def _chosen(topology, function: str | None) -> list:
    """Every function, or those ``function`` names (as ``dtwin update-function`` finds them:
    a topology or deployed name, a device's processor, an action)."""
    if not function:
        return list(topology.functions)
    from dtwin_gui.deploy.update_checks import UpdateRefused, resolve

    try:
        return resolve(topology, function)
    except UpdateRefused as exc:
        raise LogsError(exc.message, exc.hint) from None


def function_logs(
    project_root,
    connections,
    *,
    function: str | None = None,
    since_s: float | None = None,
    deployed_at: str | None = None,
) -> FunctionLogs:
    """The lines every function of the twin (or only ``function``) logged since ``since_s``
    (default: the last hour) and since ``deployed_at`` (an earlier deployment of the same
    names is not this one's)."""
    from dtwin_gui.core.project import load_project
    from dtwin_gui.core.topology import topology_for_project

    topology = topology_for_project(load_project(project_root))
    start = time.time() - DEFAULT_SINCE_S if since_s is None else since_s
    if deployed_at:
        moment = datetime.fromisoformat(deployed_at.replace("Z", "+00:00")).timestamp()
        start = max(start, moment)
    since = iso(start)
    result = FunctionLogs(since=since)
    for spec in _chosen(topology, function):
        result.functions.append(spec.name)
        if spec.cloud not in connections:
            result.unread[spec.name] = f"no {CLOUD_TITLES[spec.cloud]} connection"
            continue
        part = plugin(spec.cloud).part("glue_log")
        try:
            raw = part(connections[spec.cloud], topology, spec, start) if part else None
        except Exception as exc:  # one function's log is never the whole answer
            result.unread[spec.name] = f"{type(exc).__name__}: {exc}"
            continue
        if raw is None:
            result.unread[spec.name] = f"{CLOUD_TITLES[spec.cloud]}'s logs are not readable here"
            continue
        result.lines += parse_lines(spec, raw, since)
    result.lines.sort(key=lambda line: line.time or "")  # stable: a function's order kept
    return result


def deployment_logs(deployment, **options) -> FunctionLogs:
    """:func:`function_logs` of a :class:`~dtwin_gui.deploy.orchestrator.Deployment`, since
    its last successful deploy."""
    record = deployment.last_deployed()
    return function_logs(
        deployment.project_root,
        deployment.connections,
        deployed_at=record.deployed_at if record else None,
        **options,
    )
