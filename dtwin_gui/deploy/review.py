"""What a deploy or destroy will do, before it happens (Qt-free; the Review page shows it).

* :class:`PlanReview` — a Terraform plan grouped by layer, with what is destructive, the glue
  hops the topology needs and the SDK steps the deploy runs after the apply;
* :func:`describe_sdk_steps` — those SDK steps, as each cloud's steps describe themselves;
* :class:`DestroyPreview` — what a destroy would delete (Terraform state + SDK record, read
  by each step from its saved state);
* :func:`plan_fingerprint` / :func:`same_plan` — whether a new plan is the one reviewed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dtwin_gui.clouds import plugins
from dtwin_gui.clouds.base import StepItem
from dtwin_gui.core.project import Project
from dtwin_gui.core.providers import (
    CLOUD_TITLES,
    CLOUDS,
    LEFT_OUT_MEANING,
    NOT_IN_TWIN,
    SLOT_INFO,
    Cloud,
    Slot,
)
from dtwin_gui.core.topology import Topology
from dtwin_gui.deploy.sdk_record import saved_steps
from dtwin_gui.deploy.workspace import DeploymentWorkspace
from dtwin_gui.iac.state import ROOT_LAYER, read_state

#: Plan actions that change nothing in the cloud (left out of a plan's identity and lists).
NO_CHANGE_ACTIONS = frozenset({"noop", "read"})
#: Actions that delete an existing object (a replace deletes it, then creates a new one).
DESTRUCTIVE_ACTIONS = frozenset({"delete", "replace"})
#: Function packages in the setup module's bucket are keyed by content: a changed function is
#: a new package object replacing the old one, which holds nothing of the user's.
PACKAGE_OBJECTS = "module.aws_setup.aws_s3_object.package["
#: Layers in the order they are shown; anything else goes last, as "Other".
LAYER_ORDER: tuple[str, ...] = (*(str(s) for s in Slot), "setup", ROOT_LAYER)
_PLAN_COUNTS = {
    "create": ("add",),
    "update": ("change",),
    "delete": ("destroy",),
    "replace": ("add", "destroy"),
}


def layer_title(layer: str) -> str:
    """``"L3 · Hot storage"`` for ``L3_hot``; readable names for the non-slot groups."""
    if layer in {str(s) for s in Slot}:
        return SLOT_INFO[Slot(layer)].title
    return {"setup": "Setup (shared by all layers)", ROOT_LAYER: "Other"}.get(layer, layer)


def normalize_action(action: str) -> str:
    """Terraform's action name as one of ours (``["delete", "create"]`` is a replace)."""
    text = str(action).lower()
    if "delete" in text and "create" in text:
        return "replace"
    return text


# --- plan identity ------------------------------------------------------------------------
def plan_fingerprint(plan: Any) -> tuple:
    """A stable identity of a :class:`~dtwin_gui.iac.runner.PlanSummary`.

    The sorted ``(address, action)`` pairs of the resources the plan changes; resources it
    only reads or leaves alone do not count, and neither does the order Terraform listed them.
    """
    if plan is None:
        return ()
    return tuple(
        sorted(
            (str(resource[0]), normalize_action(resource[1]))
            for resource in plan.resources
            if normalize_action(resource[1]) not in NO_CHANGE_ACTIONS
        )
    )


def same_plan(reviewed: Any, new: Any) -> bool:
    """True when ``new`` would do exactly what ``reviewed`` showed the user."""
    if reviewed is None or new is None:
        return False
    return plan_fingerprint(reviewed) == plan_fingerprint(new)


# --- the plan, by layer -------------------------------------------------------------------
@dataclass(frozen=True)
class ReviewItem:
    """One resource the plan changes."""

    address: str
    action: str  # create | update | delete | replace
    layer: str

    @property
    def destructive(self) -> bool:
        return self.action in DESTRUCTIVE_ACTIONS and not self.address.startswith(PACKAGE_OBJECTS)


@dataclass
class LayerReview:
    layer: str
    items: list[ReviewItem] = field(default_factory=list)

    @property
    def title(self) -> str:
        return layer_title(self.layer)

    def count(self, key: str) -> int:
        """``add``, ``change`` or ``destroy`` operations (a replace is an add and a destroy)."""
        return sum(key in _PLAN_COUNTS.get(item.action, ()) for item in self.items)

    @property
    def counts_text(self) -> str:
        return f"+{self.count('add')} ~{self.count('change')} -{self.count('destroy')}"

    @property
    def destructive(self) -> list[ReviewItem]:
        return [item for item in self.items if item.destructive]


@dataclass(frozen=True)
class GlueHop:
    """Data crossing from one cloud to another, and the functions that carry it."""

    name: str
    source_layer: str
    source_cloud: str
    target_layer: str
    target_cloud: str
    sender: str  # deployed function name on the source cloud
    receiver: str  # deployed function name on the target cloud
    description: str

    @property
    def text(self) -> str:
        src = f"{self.source_layer} ({CLOUD_TITLES[Cloud(self.source_cloud)]})"
        dst = f"{self.target_layer} ({CLOUD_TITLES[Cloud(self.target_cloud)]})"
        return f"{src} → {dst}: {self.description} (via {self.sender} → {self.receiver})"


def glue_hops(topology: Topology | None) -> list[GlueHop]:
    """The hops of ``topology.boundaries`` (none when every layer is on one cloud)."""
    if topology is None:
        return []
    hops = []
    for boundary in topology.boundaries:
        spec = boundary.spec
        sender = topology.function(boundary.source_cloud, spec.sender)
        receiver = topology.function(boundary.target_cloud, spec.receiver)
        hops.append(
            GlueHop(
                boundary.name,
                str(spec.source),
                str(boundary.source_cloud),
                str(spec.target),
                str(boundary.target_cloud),
                topology.deployed_name(sender) if sender else spec.sender,
                topology.deployed_name(receiver) if receiver else spec.receiver,
                spec.description,
            )
        )
    return hops


def left_out_layers(topology: Topology | None) -> list[str]:
    """The optional layers (L4/L5) ``topology`` leaves out, in slot order."""
    return [str(s) for s in topology.left_out] if topology is not None else []


def left_out_text(layer: str) -> str:
    """``"L4 · Twin model: not part of this twin (no twin model ...)"``."""
    slot = Slot(layer)
    return f"{SLOT_INFO[slot].title}: {NOT_IN_TWIN} ({LEFT_OUT_MEANING[slot]})"


#: One thing the SDK phase creates or updates after the Terraform apply.
SdkStepInfo = StepItem


def _sdk_steps(clouds, topology: Topology | None = None) -> list:
    """The SDK steps of ``clouds`` (the plugins' ``sdk_steps`` part), in deploy order."""
    steps = []
    for parts in plugins():
        make = parts.part("sdk_steps") if parts.cloud in clouds else None
        if make is not None:
            steps.extend(make(topology))
    return steps


def describe_sdk_steps(project: Project, topology: Topology) -> list[SdkStepInfo]:
    """What the SDK phase will make, in its order: each cloud's steps describe themselves,
    with the names the steps use (layers not on a step's cloud get nothing)."""
    steps = _sdk_steps(set(topology.providers.values()), topology)
    return [item for step in steps for item in step.describe(project, topology)]


@dataclass
class PlanReview:
    """A plan made readable: per layer, destructive items, glue hops and SDK steps."""

    plan: Any
    layers: list[LayerReview] = field(default_factory=list)
    glue: list[GlueHop] = field(default_factory=list)
    sdk_steps: list[SdkStepInfo] = field(default_factory=list)
    #: The optional layers the twin leaves out (``["L4", "L5"]``): nothing is planned there.
    left_out: list[str] = field(default_factory=list)

    @classmethod
    def build(
        cls, plan: Any, project: Project | None = None, topology: Topology | None = None
    ) -> PlanReview:
        groups: dict[str, list[ReviewItem]] = {}
        for address, action, layer in plan.resources:
            action = normalize_action(action)
            if action in NO_CHANGE_ACTIONS:
                continue
            groups.setdefault(str(layer), []).append(ReviewItem(address, action, str(layer)))
        order = {name: i for i, name in enumerate(LAYER_ORDER)}
        layers = [
            LayerReview(layer, items)
            for layer, items in sorted(groups.items(), key=lambda g: order.get(g[0], len(order)))
        ]
        steps = describe_sdk_steps(project, topology) if project and topology else []
        return cls(plan, layers, glue_hops(topology), steps, left_out_layers(topology))

    @property
    def fingerprint(self) -> tuple:
        return plan_fingerprint(self.plan)

    @property
    def has_resource_changes(self) -> bool:
        return any(layer.items for layer in self.layers)

    @property
    def destructive(self) -> list[ReviewItem]:
        return [item for layer in self.layers for item in layer.destructive]

    def layer(self, name: str) -> LayerReview | None:
        return next((layer for layer in self.layers if layer.layer == name), None)

    @property
    def destructive_note(self) -> str:
        """``"2 resources will be destroyed or replaced"``, or ``""``."""
        count = len(self.destructive)
        if not count:
            return ""
        return f"{count} resource{'s' if count != 1 else ''} will be destroyed or replaced"


# --- destroy ------------------------------------------------------------------------------
@dataclass
class DestroyPreview:
    """What a destroy would delete: ``{layer: [address or sdk:<kind>:<name>]}``."""

    layers: dict[str, list[str]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(len(items) for items in self.layers.values())

    @property
    def empty(self) -> bool:
        return self.total == 0

    def sentence(self) -> str:
        """``"This deletes 37 resources in 7 layers: L1 (5), L2 (12), …"``."""
        if self.empty:
            return "Nothing deployed from this project was found on this target."
        order = {name: i for i, name in enumerate(LAYER_ORDER)}
        layers = sorted(self.layers, key=lambda name: order.get(name, len(order)))
        parts = ", ".join(f"{name} ({len(self.layers[name])})" for name in layers)
        plural = "s" if len(layers) != 1 else ""
        things = "resource" if self.total == 1 else "resources"
        return f"This deletes {self.total} {things} in {len(layers)} layer{plural}: {parts}."


def destroy_preview(workspace: DeploymentWorkspace) -> DestroyPreview:
    """Read the deployment's Terraform state and SDK record (no cloud call, no Terraform)."""
    layers: dict[str, list[str]] = {}
    for layer, resources in read_state(workspace.terraform_dir).by_layer().items():
        layers.setdefault(layer, []).extend(r.address for r in resources)
    saved = saved_steps(workspace)
    for step in _sdk_steps(set(CLOUDS)):
        for kind, name in step.recorded(saved.get(step.step_id, {})):
            layers.setdefault(step.layer, []).append(f"sdk:{kind}:{name}")
    for probe in _provisioned(workspace):
        layers.setdefault(str(probe.layer), []).append(f"provisioned:{probe.kind}:{probe.name}")
    return DestroyPreview(layers)


def _provisioned(workspace: DeploymentWorkspace) -> list:
    """What the sandbox provisioned on emulators, per the record (each cloud's
    ``probe_provisioned`` part without a lookup); nothing when the project is unreadable."""
    from dtwin_gui.clouds import plugin
    from dtwin_gui.core.providers import parse_cloud
    from dtwin_gui.deploy.provision_phase import load_state

    records = load_state(workspace)
    if not records:
        return []
    try:
        from dtwin_gui.core.project import load_project
        from dtwin_gui.core.topology import topology_for_project

        topology = topology_for_project(load_project(workspace.project_root))
    except Exception:  # validation reports an unreadable project
        return []
    found = []
    for name, record in records.items():
        cloud = parse_cloud(name)
        part = plugin(cloud).part("probe_provisioned") if cloud else None
        if part is not None:
            found.extend(part(None, record, topology, live=False))
    return found
