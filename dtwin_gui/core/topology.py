"""The one source of truth for what a provider choice means.

From the cloud chosen for each slot (plus devices, actions and feature flags) this module
derives: the boundaries that cross clouds with their sender and receiver, the glue
components on each cloud, the functions each cloud hosts, and every resource name. The
validator, packaging, Terraform root generation, the wizard's diagram and the status tree all
read :func:`compute_topology`; nothing else may recompute these rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from dtwin_gui.core.project import Project
from dtwin_gui.core.providers import (
    CLOUDS,
    NO_CLOUD,
    OPTIONAL_SLOTS,
    SLOTS,
    Cloud,
    Slot,
    unsupported_reason,
)
from dtwin_gui.core.resource_names import (
    ResourceKey,
    ResourceName,
    derive_names,
    function_resource_name,
)


class TopologyError(ValueError):
    """The provider choice is incomplete or asks a cloud for a slot it cannot host."""


# --- function roles -------------------------------------------------------------------------
DISPATCHER = "dispatcher"
CONNECTOR = "connector"
INGESTION = "ingestion"
PROCESSOR = "processor"
PERSISTER = "persister"
EVENT_CHECKER = "event-checker"
EVENT_ACTION = "action"
EVENT_FEEDBACK = "event-feedback"
HOT_WRITER = "hot-writer"
HOT_READER = "hot-reader"
HOT_TO_COLD_MOVER = "hot-to-cold-mover"
COLD_WRITER = "cold-writer"
COLD_TO_ARCHIVE_MOVER = "cold-to-archive-mover"
ARCHIVE_WRITER = "archive-writer"
HOT_READER_PROXY = "hot-reader-proxy"
ADT_UPDATER = "adt-updater"


@dataclass(frozen=True)
class BoundarySpec:
    """A hop between two slots that needs glue when the slots sit on different clouds."""

    name: str
    source: Slot
    target: Slot
    kind: str  # envelope kind of DESIGN.md §3
    sender: str
    receiver: str
    description: str


#: Every possible boundary (DESIGN.md §3). A receiver exists only where the clouds differ.
BOUNDARY_SPECS: tuple[BoundarySpec, ...] = (
    BoundarySpec(
        "l1-l2-ingestion",
        Slot.L1,
        Slot.L2,
        "telemetry",
        CONNECTOR,
        INGESTION,
        "device telemetry from ingestion to processing",
    ),
    BoundarySpec(
        "l2-l3hot-writer",
        Slot.L2,
        Slot.L3_HOT,
        "telemetry",
        PERSISTER,
        HOT_WRITER,
        "processed records into hot storage",
    ),
    BoundarySpec(
        "l3hot-l3cold-writer",
        Slot.L3_HOT,
        Slot.L3_COLD,
        "cold-chunk",
        HOT_TO_COLD_MOVER,
        COLD_WRITER,
        "aged records from hot to cold storage",
    ),
    BoundarySpec(
        "l3cold-l3archive-writer",
        Slot.L3_COLD,
        Slot.L3_ARCHIVE,
        "archive-object",
        COLD_TO_ARCHIVE_MOVER,
        ARCHIVE_WRITER,
        "cold objects into the archive",
    ),
    BoundarySpec(
        "l4-l3hot-reader",
        Slot.L4,
        Slot.L3_HOT,
        "hot-query",
        HOT_READER_PROXY,
        HOT_READER,
        "the twin model reads recent values from hot storage",
    ),
    BoundarySpec(
        "l5-l3hot-reader",
        Slot.L5,
        Slot.L3_HOT,
        "hot-query",
        HOT_READER_PROXY,
        HOT_READER,
        "dashboards read recent values from hot storage",
    ),
    BoundarySpec(
        "l2-l4-twin-update",
        Slot.L2,
        Slot.L4,
        "twin-update",
        PERSISTER,
        ADT_UPDATER,
        "processed records update Azure Digital Twins",
    ),
)


@dataclass(frozen=True)
class Boundary:
    """A boundary that this provider choice actually crosses."""

    spec: BoundarySpec
    source_cloud: Cloud
    target_cloud: Cloud

    @property
    def name(self) -> str:
        return self.spec.name

    def to_json(self) -> dict:
        return {
            "name": self.spec.name,
            "from": str(self.spec.source),
            "to": str(self.spec.target),
            "kind": self.spec.kind,
            "source_cloud": str(self.source_cloud),
            "target_cloud": str(self.target_cloud),
            "sender": self.spec.sender,
            "receiver": self.spec.receiver,
        }


@dataclass(frozen=True)
class FunctionSpec:
    """One function a cloud hosts. ``name`` is unique per cloud (e.g. ``processor-<device>``)."""

    name: str
    role: str
    cloud: Cloud
    slot: Slot
    device_id: str | None = None
    action: str | None = None
    glue: bool = False


@dataclass
class Topology:
    #: The cloud of every slot in the twin; a left-out L4/L5 ("none") is absent. Ask
    #: :meth:`cloud_of` / :meth:`has` rather than indexing.
    providers: dict[Slot, Cloud]
    twin_name: str
    boundaries: list[Boundary] = field(default_factory=list)
    functions: list[FunctionSpec] = field(default_factory=list)
    resource_names: list[ResourceName] = field(default_factory=list)

    @property
    def clouds(self) -> list[Cloud]:
        """The clouds in use, in canonical order."""
        used = set(self.providers.values())
        return [c for c in CLOUDS if c in used]

    @property
    def slots(self) -> list[Slot]:
        """The slots of this twin, in canonical order (a left-out L4/L5 is not one)."""
        return [s for s in SLOTS if s in self.providers]

    @property
    def left_out(self) -> list[Slot]:
        """The optional slots this twin leaves out (no twin model / no dashboards)."""
        return [s for s in OPTIONAL_SLOTS if s not in self.providers]

    def has(self, slot: Slot) -> bool:
        """Whether ``slot`` is part of this twin."""
        return slot in self.providers

    def cloud_of(self, slot: Slot) -> Cloud | None:
        """The cloud of ``slot``, or None when the twin leaves it out."""
        return self.providers.get(slot)

    def functions_on(self, cloud: Cloud) -> list[FunctionSpec]:
        return [f for f in self.functions if f.cloud is cloud]

    def glue_on(self, cloud: Cloud) -> list[FunctionSpec]:
        return [f for f in self.functions if f.cloud is cloud and f.glue]

    def slots_on(self, cloud: Cloud) -> list[Slot]:
        return [s for s in SLOTS if self.providers.get(s) is cloud]

    def deployed_name(self, function: FunctionSpec) -> str:
        """The cloud resource name of ``function`` (Lambda / Cloud Function name)."""
        return function_resource_name(self.twin_name, function.name)

    def resource(self, key: ResourceKey, cloud: Cloud | None = None) -> ResourceName | None:
        """The resource under ``key`` (on ``cloud``, else on whichever cloud has it)."""
        return next(
            (
                r
                for r in self.resource_names
                if r.key == key and (cloud is None or r.cloud is cloud)
            ),
            None,
        )

    def name_of(self, key: ResourceKey, cloud: Cloud | None = None) -> str:
        """The name of the resource under ``key``; :class:`KeyError` when there is none (the
        provider choice or the features do not create it). Globally unique names still hold
        :data:`~dtwin_gui.core.naming.UNIQUE_SUFFIX_PLACEHOLDER`."""
        found = self.resource(key, cloud)
        if found is None:
            where = f" on {cloud}" if cloud else ""
            raise KeyError(f"this topology has no {key.label}{where}")
        return found.name

    def function(self, cloud: Cloud, name: str) -> FunctionSpec | None:
        return next((f for f in self.functions if f.cloud is cloud and f.name == name), None)

    def boundary(self, name: str) -> Boundary | None:
        return next((b for b in self.boundaries if b.name == name), None)

    def to_json(self) -> dict:
        return {
            "providers": {str(s): str(self.providers.get(s, NO_CLOUD)) for s in SLOTS},
            "boundaries": [b.to_json() for b in self.boundaries],
            "functions": {str(c): [f.name for f in self.functions_on(c)] for c in self.clouds},
            "glue": {str(c): [f.name for f in self.glue_on(c)] for c in self.clouds},
            "resource_names": [
                {
                    "cloud": str(r.cloud),
                    "slot": str(r.slot) if r.slot else None,
                    "key": str(r.key),
                    "purpose": r.purpose,
                    "name": r.name,
                }
                for r in self.resource_names
            ],
        }


def check_providers(providers: Mapping[Slot, object]) -> dict[Slot, Cloud]:
    """The complete, supported provider choice, or :class:`TopologyError` saying what's off.

    An optional slot (L4/L5) absent from ``providers`` or set to ``NO_CLOUD`` is left out of
    the twin (absent from the result); a slot set to None has no cloud chosen yet.
    """
    kept = {
        s: providers.get(s)
        for s in SLOTS
        if not (s in OPTIONAL_SLOTS and providers.get(s, NO_CLOUD) is NO_CLOUD)
    }
    missing = [str(s) for s, c in kept.items() if not isinstance(c, Cloud)]
    if missing:
        raise TopologyError(f"no cloud chosen for {', '.join(missing)}")
    for slot, cloud in kept.items():
        reason = unsupported_reason(slot, cloud)
        if reason:
            raise TopologyError(reason)
    return kept


def _functions(
    p: dict[Slot, Cloud],
    device_ids: Iterable[str],
    action_names: Iterable[str],
    features: Mapping[str, bool],
    crossing: set[str],
) -> list[FunctionSpec]:
    out: list[FunctionSpec] = []

    def add(role, slot, *, name=None, glue=False, device_id=None, action=None, cloud=None):
        cloud = cloud or p[slot]
        name = name or role
        if any(f.name == name and f.cloud is cloud for f in out):
            return  # e.g. one hot-reader proxy serves both L4 and L5
        out.append(FunctionSpec(name, role, cloud, slot, device_id, action, glue))

    add(DISPATCHER, Slot.L1)
    for spec in BOUNDARY_SPECS:
        # The persister is a sender too, but it exists on L2 whether or not it crosses.
        if spec.name in crossing and spec.sender != PERSISTER:
            add(spec.sender, spec.source, glue=True)
    for spec in BOUNDARY_SPECS:
        if spec.name in crossing:
            add(spec.receiver, spec.target, glue=True)
    for device_id in device_ids:
        add(PROCESSOR, Slot.L2, name=f"{PROCESSOR}-{device_id}", device_id=device_id)
    add(PERSISTER, Slot.L2)
    if features.get("use_event_checking"):
        add(EVENT_CHECKER, Slot.L2)
        for action in action_names:
            add(EVENT_ACTION, Slot.L2, name=f"{EVENT_ACTION}-{action}", action=action)
        if features.get("return_feedback_to_device"):
            add(EVENT_FEEDBACK, Slot.L2)
    add(HOT_READER, Slot.L3_HOT)
    add(HOT_TO_COLD_MOVER, Slot.L3_HOT)
    add(COLD_TO_ARCHIVE_MOVER, Slot.L3_COLD)
    if p.get(Slot.L4) is Cloud.AZURE:
        add(ADT_UPDATER, Slot.L4)
    # Canonical order: by slot, then the order added.
    order = {s: i for i, s in enumerate(SLOTS)}
    return sorted(out, key=lambda f: order[f.slot])


def compute_topology(
    providers: Mapping[Slot, Cloud | None],
    *,
    twin_name: str = "twin",
    device_ids: Iterable[str] = (),
    action_names: Iterable[str] = (),
    features: Mapping[str, bool] | None = None,
) -> Topology:
    """Derive boundaries, functions and resource names from a provider choice.

    Raises :class:`TopologyError` when a slot has no cloud or an unsupported one. An L4/L5
    absent from ``providers`` (or ``NO_CLOUD``) is left out: no boundary, function or
    resource for it.
    """
    p = check_providers(providers)
    features = features or {}
    crossing = set()
    boundaries = []
    for spec in BOUNDARY_SPECS:
        if spec.source not in p or spec.target not in p:
            continue  # a left-out L4/L5 has no boundaries
        if spec.name == "l2-l4-twin-update" and p[Slot.L4] is not Cloud.AZURE:
            continue  # only Azure Digital Twins needs pushed updates
        if p[spec.source] is not p[spec.target]:
            crossing.add(spec.name)
            boundaries.append(Boundary(spec, p[spec.source], p[spec.target]))
    devices = list(device_ids)
    functions = _functions(p, devices, list(action_names), features, crossing)
    # Every slot for the name rules (a left-out slot as None: it names nothing).
    every = {s: p.get(s) for s in SLOTS}
    names = derive_names(twin_name, every, functions, devices, features)
    return Topology(p, twin_name, boundaries, functions, names)


def topology_for_project(project: Project) -> Topology:
    """:func:`compute_topology` for a loaded project."""
    return compute_topology(
        project.providers,
        twin_name=project.twin_name or "twin",
        device_ids=project.device_ids,
        action_names=project.action_names,
        features=project.features,
    )


__all__ = [
    "BOUNDARY_SPECS",
    "Boundary",
    "BoundarySpec",
    "FunctionSpec",
    "ResourceKey",
    "ResourceName",
    "Topology",
    "TopologyError",
    "check_providers",
    "compute_topology",
    "function_resource_name",
    "topology_for_project",
]
