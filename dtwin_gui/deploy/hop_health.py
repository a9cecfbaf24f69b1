"""How each cross-cloud hop is doing, from the logs the clouds keep of their glue functions.

Every glue receiver logs ``glue-received`` for each message it handled and a ``glue-…``
refusal (``unauthorized``, ``bad-envelope``, ``bad-payload``, ``handler-failed``) for each one
it did not; every sender logs ``glue-send-failed`` when it gave up
(:mod:`dtwin_gui.runtime.core.glue_receiver`, ``glue_sender``). Each line carries its
``time``. The receiving and the sending cloud's ``glue_log`` part give those lines (AWS:
CloudWatch Logs, on AWS and in the sandbox; Azure: Application Insights, in the sandbox the
function logs; Google: Cloud Logging, in the sandbox the function logs); a part answering
None cannot read that cloud's logs here.

A hop is ``healthy`` when its last message got through after its last failure, ``failing``
when a failure came after (or without) any message, ``idle`` when the window holds neither,
``unknown`` when neither side's log could be read. Qt-free; no cloud SDK.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from dtwin_gui.clouds import plugin
from dtwin_gui.core.providers import CLOUD_TITLES

HEALTHY, FAILING, IDLE, UNKNOWN = "healthy", "failing", "idle", "unknown"
HOP_STATES = (HEALTHY, FAILING, IDLE, UNKNOWN)
RECEIVED = "glue-received"
RECEIVER_FAILURES = frozenset(
    {"glue-unauthorized", "glue-bad-envelope", "glue-bad-payload", "glue-handler-failed"}
)
SENDER_FAILURES = frozenset({"glue-send-failed"})
#: How far back a refresh looks, and how many failures a hop lists (newest first).
WINDOW_S = 3600.0
FAILURES_SHOWN = 5


@dataclass
class HopFailure:
    time: str
    side: str  # sender | receiver
    event: str
    message: str


@dataclass
class HopHealth:
    boundary: str
    source: str  # slot, e.g. "L2"
    target: str
    source_cloud: str
    target_cloud: str
    description: str
    state: str = UNKNOWN
    #: When the last message got through (ISO UTC), None when none did in the window.
    last_ok: str | None = None
    #: Messages that got through in the window.
    delivered: int = 0
    failures: list[HopFailure] = field(default_factory=list)
    #: Failures in the window (``failures`` lists the newest few).
    failed: int = 0
    detail: str = ""

    @property
    def title(self) -> str:
        return f"{self.source} → {self.target}".replace("_", " ")

    def to_json(self) -> dict:
        return asdict(self)


def entries(lines: list[str]) -> list[dict]:
    """The JSON log entries among ``lines`` (a platform's prefix before the ``{`` is
    skipped; a line that is no entry is left out)."""
    out = []
    for line in lines:
        start = line.find("{")
        if start < 0:
            continue
        try:
            entry = json.loads(line[start:])
        except ValueError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("event"), str):
            out.append(entry)
    return out


def _function(topology, role: str, cloud, slot):
    return next(
        (f for f in topology.functions if f.role == role and f.cloud is cloud and f.slot is slot),
        None,
    )


def _read(connections, topology, function, since_s: float) -> tuple[list[dict] | None, str]:
    """``(entries, problem)`` of one function's log; entries None when it cannot be read."""
    if function is None or function.cloud not in connections:
        return None, ""
    part = plugin(function.cloud).part("glue_log")
    if part is None:
        return None, ""
    try:
        lines = part(connections[function.cloud], topology, function, since_s)
    except Exception as exc:  # a status is never a crash: the hop says why it is unknown
        return None, f"{CLOUD_TITLES[function.cloud]}: {type(exc).__name__}: {exc}"
    return (None, "") if lines is None else (entries(lines), "")


def _since(entry: dict, since: str) -> bool:
    moment = entry.get("time")
    return isinstance(moment, str) and moment >= since


def boundary_health(connections, topology, boundary, since_s: float) -> HopHealth:
    spec = boundary.spec
    health = HopHealth(
        boundary.name,
        str(spec.source),
        str(spec.target),
        str(boundary.source_cloud),
        str(boundary.target_cloud),
        spec.description,
    )
    since = datetime.fromtimestamp(since_s, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    receiver = _function(topology, spec.receiver, boundary.target_cloud, spec.target)
    sender = _function(topology, spec.sender, boundary.source_cloud, spec.source)
    received, problem_r = _read(connections, topology, receiver, since_s)
    sent, problem_s = _read(connections, topology, sender, since_s)
    if received is None and sent is None:
        unread = {CLOUD_TITLES[c] for c in (boundary.source_cloud, boundary.target_cloud)}
        health.detail = (
            problem_r
            or problem_s
            or (f"the glue logs of {' and '.join(sorted(unread))} could not be read here")
        )
        return health
    judge(health, spec, received, sent, since)
    notes = [p for p in (problem_r, problem_s) if p]
    if received is None or sent is None:
        side = "receiver" if received is None else "sender"
        notes.append(f"the {side}'s log was not read")
    if notes:
        health.detail = "; ".join([health.detail, *notes] if health.detail else notes)
    return health


def _own(entry: dict) -> bool:
    """A query dtwin itself signed (``dtwin query``, the Status page's chart), not the
    layer's: it says nothing of whether L4/L5 reach hot storage."""
    from dtwin_gui.deploy.query import OWN_QUERY_PREFIX

    return str(entry.get("trace_id") or "").startswith(OWN_QUERY_PREFIX)


def judge(health: HopHealth, spec, received, sent, since: str) -> HopHealth:
    """Fill ``health`` from the receiver's and the sender's log entries (either may be
    None: not read) written at or after ``since`` (ISO UTC)."""
    ok_times: list[str] = []
    failures: list[HopFailure] = []
    for entry in received or []:
        if not _since(entry, since):
            continue
        kind = entry.get("kind")
        if entry["event"] == RECEIVED and kind == spec.kind:
            if entry.get("source_layer") in (None, str(spec.source)) and not _own(entry):
                ok_times.append(entry["time"])
        elif entry["event"] in RECEIVER_FAILURES and kind in (None, spec.kind):
            failures.append(
                HopFailure(entry["time"], "receiver", entry["event"], str(entry.get("message")))
            )
    for entry in sent or []:
        if (
            _since(entry, since)
            and entry["event"] in SENDER_FAILURES
            and entry.get("kind") == spec.kind
        ):
            failures.append(
                HopFailure(entry["time"], "sender", entry["event"], str(entry.get("message")))
            )
    failures.sort(key=lambda f: f.time, reverse=True)
    health.delivered, health.failed = len(ok_times), len(failures)
    health.last_ok = max(ok_times) if ok_times else None
    health.failures = failures[:FAILURES_SHOWN]
    last_failure = failures[0].time if failures else None
    if health.last_ok and (last_failure is None or health.last_ok > last_failure):
        health.state = HEALTHY
    elif last_failure:
        health.state = FAILING
    else:
        health.state = IDLE
        health.detail = "no message crossed since the deploy (or in the last hour)"
    return health


def hop_health(
    project_root,
    connections,
    *,
    window_s: float = WINDOW_S,
    now: float | None = None,
    deployed_at: str | None = None,
) -> list[HopHealth]:
    """Every cross-cloud hop of the project's twin, in the order of the boundaries, from
    what its glue logged in the last ``window_s`` seconds and since ``deployed_at`` (ISO
    UTC, the last successful deploy: what an earlier deployment of the same names logged
    is not this one's)."""
    from dtwin_gui.core.project import load_project
    from dtwin_gui.core.topology import topology_for_project

    topology = topology_for_project(load_project(project_root))
    since_s = (time.time() if now is None else now) - window_s
    if deployed_at:
        moment = datetime.fromisoformat(deployed_at.replace("Z", "+00:00"))
        since_s = max(since_s, moment.timestamp())
    return [boundary_health(connections, topology, b, since_s) for b in topology.boundaries]


def deployment_hops(deployment, **options) -> list[HopHealth]:
    """:func:`hop_health` of a :class:`~dtwin_gui.deploy.orchestrator.Deployment`, since its
    last successful deploy."""
    record = deployment.last_deployed()
    return hop_health(
        deployment.project_root,
        deployment.connections,
        deployed_at=record.deployed_at if record else None,
        **options,
    )
