"""What a run looks like right now, rebuilt from its events (a reducer; Qt-free).

Feed it every event of a run, live or replayed from the run's JSON Lines log, and read the
stage strip (:attr:`RunModel.stages`), the layer → component → resource tree
(:meth:`RunModel.tree`), the counts and the headline ("L2 · 12 of 37 done · 3 in progress ·
04:12"), and how the run ended. Times come from the events' own timestamps, so a replayed
run shows the durations it really had.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from dtwin_gui.core.run_events import (
    DESTROY_PHASES,
    PHASES,
    DiagnosticEvent,
    Event,
    OutcomeEvent,
    PhaseEvent,
    ResourceEvent,
    replay,
)

#: Phases of a plan-only run (the review page's).
PLAN_PHASES = PHASES[:4]
STAGE_LABELS = {
    "validate": "Validate",
    "build": "Build",
    "init": "Init",
    "plan": "Plan",
    "apply": "Apply",
    "sdk": "SDK steps",
    "verify": "Verify",
    "sdk-destroy": "SDK clean-up",
    "destroy": "Destroy",
    "provision": "Provision",
    "deprovision": "Deprovision",
}
#: Stages a run has only sometimes (a cloud provisioned on the sandbox's emulators), with the
#: stage each comes after: shown where they run, not at the end.
OPTIONAL_STAGES = {"provision": "apply", "deprovision": "sdk-destroy"}
IN_PROGRESS = frozenset({"creating", "updating", "deleting"})
DONE = frozenset({"created", "updated", "deleted"})
#: Layers in the order the tree shows them; others follow in order of arrival.
LAYER_ORDER = ("setup", "L1", "L2", "L3_hot", "L3_cold", "L3_archive", "L4", "L5", "root")


def layer_label(layer: str) -> str:
    """``L3_hot`` → ``L3 hot``; ``setup`` → ``Setup``."""
    return layer.replace("_", " ") if layer[:1] == "L" else layer.capitalize()


def short_address(address: str) -> str:
    """The address without its module prefix (``aws_lambda_function.processor["a"]``)."""
    prefix = address
    while prefix.startswith("module."):
        _head, _, rest = prefix.partition(".")
        _name, _, prefix = rest.partition(".")
        if not prefix:
            return address
    return prefix


def _split(address: str) -> tuple[str, str, str | None]:
    """``(type, block name, index key)`` of a Terraform address, the key unquoted;
    ``(kind, name, None)`` for an SDK or provisioned object (``sdk:<kind>:<name>``,
    ``provisioned:<kind>:<name>``)."""
    if address.startswith(("sdk:", "provisioned:")):
        _sdk, kind, name = [*address.split(":", 2), "", ""][:3]
        return kind, name, None
    short = short_address(address)
    head, bracket, rest = short.partition("[")
    key = None
    if bracket:
        key = rest[:-1] if rest.endswith("]") else rest
        if len(key) >= 2 and key[0] == key[-1] == '"':
            key = key[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        else:  # a count index: "device[0]" reads better than "0"
            head, key = f"{head}[{key}]", None
    if head.startswith("data."):
        type_, _, name = head[5:].partition(".")
        return f"data.{type_}", name, key
    type_, _, name = head.partition(".")
    return type_, name, key


def _common_prefix(keys: list[str]) -> str:
    """The longest prefix all ``keys`` share, ending at a separator (``factory-twin-``)."""
    if len(keys) < 2:
        return ""
    first, last = min(keys), max(keys)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    cut = max(first.rfind(sep, 0, n) for sep in "-_./")
    prefix = first[: cut + 1] if cut >= 0 else ""
    return prefix if all(len(k) > len(prefix) for k in keys) else ""


def resource_labels(addresses: Iterable[str]) -> dict[str, str]:
    """A short label per address that tells it apart from the others of its type.

    The tree groups rows by resource type, so a label is the part that differs: the block
    name (``aws_lambda_function.persister`` → ``persister``), the index key without what
    every key of the block shares (``package["factory-twin-processor-pump"]`` →
    ``processor-pump``), prefixed by the block name when the type has several blocks
    (``processor · pump``). The full address stays the row's tooltip.
    """
    parts = {address: _split(address) for address in dict.fromkeys(addresses)}
    blocks: dict[str, set[str]] = {}
    keys: dict[tuple[str, str], list[str]] = {}
    for type_, name, key in parts.values():
        blocks.setdefault(type_, set()).add(name)
        if key is not None:
            keys.setdefault((type_, name), []).append(key)
    prefixes = {block: _common_prefix(sorted(set(k))) for block, k in keys.items()}
    labels: dict[str, str] = {}
    for address, (type_, name, key) in parts.items():
        if not name:
            labels[address] = short_address(address)
        elif key is None:
            labels[address] = name
        else:
            shown = key[len(prefixes[type_, name]) :] or key
            labels[address] = shown if len(blocks[type_]) == 1 else f"{name} · {shown}"
    return labels


def format_duration(seconds: float) -> str:
    """``04:12`` (minutes:seconds), ``1:02:03`` from an hour on."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def parse_ts(ts: str) -> float | None:
    """Seconds since the epoch of an event timestamp (``2026-01-01T10:00:00.123Z``)."""
    try:
        return datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()
    except (ValueError, AttributeError):
        return None


def kind_of_run_id(run_id: str) -> str | None:
    """``deploy``, ``destroy`` or ``plan`` from an orchestrator run id, if it names one."""
    parts = run_id.split("-")
    return parts[1] if len(parts) >= 3 and parts[1] in ("deploy", "destroy", "plan") else None


def phases_for(kind: str) -> tuple[str, ...]:
    return {"destroy": DESTROY_PHASES, "plan": PLAN_PHASES}.get(kind, PHASES)


@dataclass
class Stage:
    """One stage of the strip. ``state``: waiting | running | finished | failed | skipped |
    cancelled."""

    name: str
    state: str = "waiting"
    elapsed: float = 0.0
    message: str = ""
    started_at: float | None = None

    @property
    def label(self) -> str:
        return STAGE_LABELS.get(self.name, self.name)


@dataclass
class ResourceRow:
    """One resource of the tree, with its latest state."""

    address: str
    layer: str
    component: str
    action: str = ""
    state: str = "pending"
    error: str = ""
    source: str = "terraform"
    started_at: float | None = None
    ended_at: float | None = None
    final_elapsed: float | None = None

    @property
    def in_progress(self) -> bool:
        return self.state in IN_PROGRESS

    def elapsed(self, now: float) -> float | None:
        """Seconds spent on the change so far (None when it has not started)."""
        if self.final_elapsed is not None:
            return self.final_elapsed
        if self.started_at is None:
            return None
        return max(0.0, now - self.started_at)


@dataclass
class Counts:
    done: int = 0
    total: int = 0
    in_progress: int = 0
    failed: int = 0


@dataclass
class RunModel:
    """The reduced state of one run. ``kind``: deploy | destroy | plan (guessed from the
    events when not given)."""

    kind: str | None = None
    run_id: str = ""
    stages: list[Stage] = field(default_factory=list)
    resources: dict[str, ResourceRow] = field(default_factory=dict)
    diagnostics: list[DiagnosticEvent] = field(default_factory=list)
    outcome: OutcomeEvent | None = None
    started_at: float | None = None
    last_at: float | None = None

    def __post_init__(self) -> None:
        if self.kind and not self.stages:
            self.stages = [Stage(name) for name in phases_for(self.kind)]

    @classmethod
    def from_events(cls, events: Iterable[Event], kind: str | None = None) -> RunModel:
        model = cls(kind)
        model.feed_all(events)
        return model

    @classmethod
    def from_log(cls, path: Path) -> RunModel:
        """The model of a past run, from its JSON Lines event log."""
        return cls.from_events(replay(path))

    # --- input ---------------------------------------------------------------------------
    def feed_all(self, events: Iterable[Event]) -> set[str]:
        """Feed events in order; returns the addresses of resources that changed."""
        changed: set[str] = set()
        for event in events:
            address = self.feed(event)
            if address:
                changed.add(address)
        return changed

    def feed(self, event: Event) -> str | None:
        """Take one event; returns the address of a resource it changed, if any."""
        at = parse_ts(event.ts)
        if at is not None:
            self.started_at = at if self.started_at is None else min(self.started_at, at)
            self.last_at = at if self.last_at is None else max(self.last_at, at)
        if event.run_id and not self.run_id:
            self.run_id = event.run_id
            if self.kind is None and (kind := kind_of_run_id(event.run_id)):
                self._set_kind(kind)
        if isinstance(event, PhaseEvent):
            self._phase(event, at)
        elif isinstance(event, ResourceEvent):
            return self._resource(event, at)
        elif isinstance(event, DiagnosticEvent):
            self.diagnostics.append(event)
            row = self.resources.get(event.address)
            if event.severity == "error" and row is not None and not row.error:
                row.error = event.summary
                return row.address
        elif isinstance(event, OutcomeEvent):
            self.outcome = event
            for stage in self.stages:
                if stage.state == "running":
                    stage.state = "cancelled" if event.status == "cancelled" else "failed"
        return None

    def _set_kind(self, kind: str) -> None:
        self.kind = kind
        known = {s.name: s for s in self.stages}
        self.stages = [known.pop(name, Stage(name)) for name in phases_for(kind)]
        self.stages += known.values()

    def _stage(self, name: str) -> Stage:
        if self.kind is None:
            self._set_kind("destroy" if name in ("sdk-destroy", "destroy") else "deploy")
        for stage in self.stages:
            if stage.name == name:
                return stage
        stage = Stage(name)
        after = OPTIONAL_STAGES.get(name)
        at = next((i + 1 for i, s in enumerate(self.stages) if s.name == after), None)
        if at is None:
            self.stages.append(stage)
        else:
            self.stages.insert(at, stage)
        return stage

    def _phase(self, event: PhaseEvent, at: float | None) -> None:
        stage = self._stage(event.phase)
        stage.state = "running" if event.state == "started" else event.state
        stage.message = event.message
        if event.state == "started":
            stage.started_at = at
            stage.elapsed = 0.0
        else:
            stage.elapsed = event.elapsed

    def _resource(self, event: ResourceEvent, at: float | None) -> str:
        row = self.resources.get(event.address)
        if row is None:
            row = ResourceRow(event.address, event.layer, event.component, source=event.source)
            self.resources[event.address] = row
        was_running = row.in_progress
        row.action = event.action or row.action
        row.state = event.state
        if event.state in IN_PROGRESS:
            if not was_running or row.started_at is None:
                # A late viewer: Terraform's own elapsed says when the change really began.
                row.started_at = (at or 0.0) - event.elapsed if at is not None else None
                row.final_elapsed, row.ended_at, row.error = None, None, ""
        elif event.state in DONE or event.state == "failed":
            row.ended_at = at
            if event.elapsed:
                row.final_elapsed = event.elapsed
            elif row.started_at is not None and at is not None:
                row.final_elapsed = max(0.0, at - row.started_at)
        if event.error:
            row.error = event.error
        return row.address

    # --- reading -------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.outcome is not None

    @property
    def current_stage(self) -> Stage | None:
        running = [s for s in self.stages if s.state == "running"]
        return running[-1] if running else None

    @property
    def failed_stage(self) -> Stage | None:
        return next((s for s in self.stages if s.state == "failed"), None)

    def failed_resources(self) -> list[ResourceRow]:
        return [r for r in self.resources.values() if r.state == "failed"]

    def errors(self) -> list[DiagnosticEvent]:
        return [d for d in self.diagnostics if d.severity == "error"]

    def counts(self) -> Counts:
        """Changes only: resources that stay as they are do not count."""
        counts = Counts()
        for row in self.resources.values():
            if row.state == "unchanged" or row.action in ("noop", "read"):
                continue
            counts.total += 1
            counts.done += row.state in DONE
            counts.in_progress += row.in_progress
            counts.failed += row.state == "failed"
        return counts

    def layers(self) -> list[str]:
        seen = list(dict.fromkeys(r.layer for r in self.resources.values()))
        known = [layer for layer in LAYER_ORDER if layer in seen]
        return known + [layer for layer in seen if layer not in LAYER_ORDER]

    def tree(self) -> dict[str, dict[str, list[ResourceRow]]]:
        """``{layer: {component: [rows]}}``, layers in display order, rows in arrival order."""
        tree: dict[str, dict[str, list[ResourceRow]]] = {layer: {} for layer in self.layers()}
        for row in self.resources.values():
            tree[row.layer].setdefault(row.component, []).append(row)
        return tree

    def now(self, wall_clock: float | None = None) -> float:
        """The time to measure against: the end of a finished run, else ``wall_clock``."""
        if self.finished or wall_clock is None:
            return self.last_at or 0.0
        return wall_clock

    def elapsed(self, wall_clock: float | None = None) -> float:
        if self.started_at is None:
            return 0.0
        return max(0.0, self.now(wall_clock) - self.started_at)

    def active_layer(self) -> str | None:
        """The layer of the change started last among those still running."""
        running = [r for r in self.resources.values() if r.in_progress]
        if not running:
            return None
        return max(running, key=lambda r: r.started_at or 0.0).layer

    def headline(self, wall_clock: float | None = None) -> str:
        """E.g. ``L2 · 12 of 37 done · 3 in progress · 04:12``."""
        counts = self.counts()
        parts: list[str] = []
        if self.outcome is not None:
            parts.append(
                {"succeeded": "Finished", "failed": "Failed", "cancelled": "Cancelled"}.get(
                    self.outcome.status, self.outcome.status.capitalize()
                )
            )
        elif (layer := self.active_layer()) is not None:
            parts.append(layer_label(layer))
        elif (stage := self.current_stage) is not None:
            parts.append(stage.label)
        if counts.total:
            parts.append(f"{counts.done} of {counts.total} done")
        if counts.in_progress:
            parts.append(f"{counts.in_progress} in progress")
        if counts.failed:
            parts.append(f"{counts.failed} failed")
        parts.append(format_duration(self.elapsed(wall_clock)))
        return " · ".join(parts)
