"""Typed events: the one bus from the engine to its faces (GUI, CLI, event log).

Every long operation reports through these; the GUI turns them into signals, the CLI prints
them (``--json``: one JSON object per line), and every run is written to the deployment
workspace as JSON Lines so it can be replayed. Faces never parse log text to learn state.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path

PHASES = ("validate", "build", "init", "plan", "apply", "sdk", "verify")
DESTROY_PHASES = ("sdk-destroy", "init", "destroy", "verify")

#: Resource states shown in the status tree.
RESOURCE_STATES = (
    "pending",
    "creating",
    "created",
    "updating",
    "updated",
    "deleting",
    "deleted",
    "failed",
    "unchanged",
)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class Event:
    """Base of every event. ``seq`` orders events within a run."""

    type: str = field(init=False, default="event")
    ts: str = field(default_factory=_now, kw_only=True)
    run_id: str = field(default="", kw_only=True)
    seq: int = field(default=0, kw_only=True)

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class PhaseEvent(Event):
    """A stage of a run started, finished, failed or was skipped (e.g. no-change apply)."""

    phase: str
    state: str  # started | finished | failed | skipped | cancelled
    elapsed: float = 0.0
    message: str = ""
    type: str = field(init=False, default="phase")


@dataclass
class ResourceEvent(Event):
    """One resource (Terraform address or SDK object) changed state."""

    address: str
    layer: str  # L1, L2, L3_hot, L3_cold, L3_archive, L4, L5, or "setup"
    component: str  # e.g. aws_lambda_function, twinmaker-entity
    action: str  # create | update | delete | replace | read | noop
    state: str  # one of RESOURCE_STATES
    elapsed: float = 0.0
    error: str = ""
    source: str = "terraform"  # terraform | sdk
    type: str = field(init=False, default="resource")


@dataclass
class LogEvent(Event):
    source: str  # terraform | aws | build | sdk | dtwin | sandbox
    level: str  # debug | info | warning | error
    message: str
    type: str = field(init=False, default="log")


@dataclass
class DiagnosticEvent(Event):
    """A Terraform (or SDK) diagnostic, classified."""

    severity: str  # error | warning
    summary: str
    detail: str = ""
    address: str = ""
    category: str = (
        ""  # credentials | permissions | quota | conflict | lock | config | network | other
    )
    type: str = field(init=False, default="diagnostic")


@dataclass
class ProgressEvent(Event):
    """Totals for the headline ("L2 · 12 of 37 done · 3 in progress")."""

    done: int
    total: int
    in_progress: int = 0
    type: str = field(init=False, default="progress")


@dataclass
class OutcomeEvent(Event):
    """How a run ended. ``status``: succeeded | failed | cancelled."""

    status: str
    message: str = ""
    hint: str = ""
    type: str = field(init=False, default="outcome")


EVENT_TYPES: dict[str, type[Event]] = {
    cls.__dataclass_fields__["type"].default: cls
    for cls in (PhaseEvent, ResourceEvent, LogEvent, DiagnosticEvent, ProgressEvent, OutcomeEvent)
}

Sink = Callable[[Event], None]


def event_from_json(data: dict) -> Event:
    """Rebuild an event written by :meth:`Event.to_json`."""
    cls = EVENT_TYPES.get(data.get("type", ""))
    if cls is None:
        raise ValueError(f"unknown event type {data.get('type')!r}")
    names = {f.name for f in fields(cls) if f.init}
    return cls(**{k: v for k, v in data.items() if k in names})


class EventLog:
    """Writes a run's events as JSON Lines (file 0600), numbering them; also a sink."""

    def __init__(self, path: Path, run_id: str, forward: Sink | None = None) -> None:
        self.path = Path(path)
        self.run_id = run_id
        self._forward = forward
        self._seq = 0
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = self.path.open("a", encoding="utf-8")
        self.path.chmod(0o600)
        self._file = fd

    def __call__(self, event: Event) -> None:
        with self._lock:  # several clouds' work emits side by side
            self._seq += 1
            event.run_id = self.run_id
            event.seq = self._seq
            self._file.write(json.dumps(event.to_json(), ensure_ascii=False) + "\n")
            self._file.flush()
            if self._forward:
                self._forward(event)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> EventLog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def replay(path: Path) -> Iterator[Event]:
    """The events of a run log, in order (a truncated last line is skipped)."""
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line:
                continue
            try:
                yield event_from_json(json.loads(line))
            except (ValueError, TypeError):
                continue


def fan_out(sinks: Iterable[Sink | None]) -> Sink:
    """One sink that forwards to every given sink."""
    active = [s for s in sinks if s is not None]

    def sink(event: Event) -> None:
        for target in active:
            target(event)

    return sink
