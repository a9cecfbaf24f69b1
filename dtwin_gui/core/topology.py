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

from dtwin_gui.core.naming import RULES, UNIQUE_SUFFIX_PLACEHOLDER, NameRule, alnum
from dtwin_gui.core.project import Project
from dtwin_gui.core.providers import CLOUDS, SLOTS, Cloud, Slot, unsupported_reason


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


@dataclass(frozen=True)
class ResourceName:
    """A derived cloud resource name and the rule it must satisfy."""

    cloud: Cloud
    slot: Slot | None
    purpose: str
    name: str
    rule: NameRule


@dataclass
class Topology:
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

    def functions_on(self, cloud: Cloud) -> list[FunctionSpec]:
        return [f for f in self.functions if f.cloud is cloud]

    def glue_on(self, cloud: Cloud) -> list[FunctionSpec]:
        return [f for f in self.functions if f.cloud is cloud and f.glue]

    def slots_on(self, cloud: Cloud) -> list[Slot]:
        return [s for s in SLOTS if self.providers[s] is cloud]

    def deployed_name(self, function: FunctionSpec) -> str:
        """The cloud resource name of ``function`` (Lambda / Cloud Function name)."""
        return function_resource_name(self.twin_name, function.name)

    def function(self, cloud: Cloud, name: str) -> FunctionSpec | None:
        return next((f for f in self.functions if f.cloud is cloud and f.name == name), None)

    def boundary(self, name: str) -> Boundary | None:
        return next((b for b in self.boundaries if b.name == name), None)

    def to_json(self) -> dict:
        return {
            "providers": {str(s): str(self.providers[s]) for s in SLOTS},
            "boundaries": [b.to_json() for b in self.boundaries],
            "functions": {str(c): [f.name for f in self.functions_on(c)] for c in self.clouds},
            "glue": {str(c): [f.name for f in self.glue_on(c)] for c in self.clouds},
            "resource_names": [
                {
                    "cloud": str(r.cloud),
                    "slot": str(r.slot) if r.slot else None,
                    "purpose": r.purpose,
                    "name": r.name,
                }
                for r in self.resource_names
            ],
        }


def function_resource_name(twin_name: str, function_name: str) -> str:
    """Deployed name of a function: ``<twin>-<topology name>``."""
    return f"{twin_name}-{function_name}"


def check_providers(providers: Mapping[Slot, Cloud | None]) -> dict[Slot, Cloud]:
    """The complete, supported provider choice, or :class:`TopologyError` saying what's off."""
    missing = [str(s) for s in SLOTS if providers.get(s) is None]
    if missing:
        raise TopologyError(f"no cloud chosen for {', '.join(missing)}")
    for slot in SLOTS:
        reason = unsupported_reason(slot, providers[slot])
        if reason:
            raise TopologyError(reason)
    return {s: providers[s] for s in SLOTS}


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
    if p[Slot.L4] is Cloud.AZURE:
        add(ADT_UPDATER, Slot.L4)
    # Canonical order: by slot, then the order added.
    order = {s: i for i, s in enumerate(SLOTS)}
    return sorted(out, key=lambda f: order[f.slot])


def _names(twin: str, p: dict[Slot, Cloud], functions: list[FunctionSpec]) -> list[ResourceName]:
    out: list[ResourceName] = []
    suffix = UNIQUE_SUFFIX_PLACEHOLDER

    def add(cloud, slot, purpose, name, rule_key):
        out.append(ResourceName(cloud, slot, purpose, name, RULES[rule_key]))

    used = set(p.values())
    if Cloud.AWS in used:
        for f in functions:
            if f.cloud is Cloud.AWS:
                add(
                    Cloud.AWS,
                    f.slot,
                    f"function {f.name}",
                    function_resource_name(twin, f.name),
                    "aws.lambda",
                )
                add(Cloud.AWS, f.slot, f"role of {f.name}", f"{twin}-{f.name}", "aws.iam_role")
        if p[Slot.L1] is Cloud.AWS:
            add(
                Cloud.AWS,
                Slot.L1,
                "telemetry topic rule",
                f"{twin.replace('-', '_')}_telemetry",
                "aws.iot_rule",
            )
        if p[Slot.L3_HOT] is Cloud.AWS:
            add(Cloud.AWS, Slot.L3_HOT, "hot table", f"{twin}-hot", "aws.dynamodb_table")
        for slot, tier in ((Slot.L3_COLD, "cold"), (Slot.L3_ARCHIVE, "archive")):
            if p[slot] is Cloud.AWS:
                add(Cloud.AWS, slot, f"{tier} bucket", f"{twin}-{tier}-{suffix}", "aws.s3_bucket")
        if p[Slot.L4] is Cloud.AWS:
            add(
                Cloud.AWS, Slot.L4, "TwinMaker workspace", f"{twin}-twin", "aws.twinmaker_workspace"
            )
        if p[Slot.L5] is Cloud.AWS:
            add(Cloud.AWS, Slot.L5, "Grafana workspace", f"{twin}-grafana", "aws.grafana_workspace")
    if Cloud.AZURE in used:
        add(Cloud.AZURE, None, "resource group", f"rg-{twin}", "azure.resource_group")
        add(Cloud.AZURE, None, "storage account", f"{alnum(twin)}{suffix}", "azure.storage_account")
        layers = sorted({f.slot for f in functions if f.cloud is Cloud.AZURE}, key=SLOTS.index)
        for slot in layers:
            tag = str(slot).lower().replace("_", "")
            add(
                Cloud.AZURE,
                slot,
                f"{slot} Function App",
                f"{twin}-{tag}-fn-{suffix}",
                "azure.function_app",
            )
        if p[Slot.L1] is Cloud.AZURE:
            add(Cloud.AZURE, Slot.L1, "IoT Hub", f"{twin}-iothub-{suffix}", "azure.iothub")
        if p[Slot.L3_HOT] is Cloud.AZURE:
            add(
                Cloud.AZURE,
                Slot.L3_HOT,
                "Cosmos DB account",
                f"{twin}-cosmos-{suffix}",
                "azure.cosmos_account",
            )
        if p[Slot.L4] is Cloud.AZURE:
            add(
                Cloud.AZURE, Slot.L4, "Digital Twins instance", f"{twin}-adt", "azure.digital_twins"
            )
        if p[Slot.L5] is Cloud.AZURE:
            add(Cloud.AZURE, Slot.L5, "Managed Grafana", f"{twin}-grafana", "azure.grafana")
    if Cloud.GOOGLE in used:
        for f in functions:
            if f.cloud is Cloud.GOOGLE:
                add(
                    Cloud.GOOGLE,
                    f.slot,
                    f"function {f.name}",
                    function_resource_name(twin, f.name),
                    "google.function",
                )
        for slot in sorted({f.slot for f in functions if f.cloud is Cloud.GOOGLE}, key=SLOTS.index):
            tag = str(slot).lower().replace("_", "")
            add(
                Cloud.GOOGLE,
                slot,
                f"{slot} service account",
                f"{twin}-{tag}-sa",
                "google.service_account",
            )
        if p[Slot.L1] is Cloud.GOOGLE:
            add(
                Cloud.GOOGLE, Slot.L1, "telemetry topic", f"{twin}-telemetry", "google.pubsub_topic"
            )
        if p[Slot.L3_HOT] is Cloud.GOOGLE:
            add(
                Cloud.GOOGLE,
                Slot.L3_HOT,
                "Firestore database",
                f"{twin}-hot",
                "google.firestore_database",
            )
        for slot, tier in ((Slot.L3_COLD, "cold"), (Slot.L3_ARCHIVE, "archive")):
            if p[slot] is Cloud.GOOGLE:
                add(
                    Cloud.GOOGLE, slot, f"{tier} bucket", f"{twin}-{tier}-{suffix}", "google.bucket"
                )
    return out


def compute_topology(
    providers: Mapping[Slot, Cloud | None],
    *,
    twin_name: str = "twin",
    device_ids: Iterable[str] = (),
    action_names: Iterable[str] = (),
    features: Mapping[str, bool] | None = None,
) -> Topology:
    """Derive boundaries, functions and resource names from a provider choice.

    Raises :class:`TopologyError` when a slot has no cloud or an unsupported one.
    """
    p = check_providers(providers)
    features = features or {}
    crossing = set()
    boundaries = []
    for spec in BOUNDARY_SPECS:
        if spec.name == "l2-l4-twin-update" and p[Slot.L4] is not Cloud.AZURE:
            continue  # only Azure Digital Twins needs pushed updates
        if p[spec.source] is not p[spec.target]:
            crossing.add(spec.name)
            boundaries.append(Boundary(spec, p[spec.source], p[spec.target]))
    functions = _functions(p, list(device_ids), list(action_names), features, crossing)
    names = _names(twin_name, p, functions)
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
