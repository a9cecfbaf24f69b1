"""What each cloud contributes to the one generated root, and how the parts are joined.

A cloud plugin's ``terraform_fragment`` part takes a :class:`RootContext` (the project, its
topology, this cloud's connection and packages) and returns a :class:`RootFragment`: its
provider requirements and provider block, data sources, modules (inputs may hold
:class:`~dtwin_gui.iac.root_parts.Ref`), glue variables, outputs, and the URL output of every
receiver it hosts. :func:`merge` joins the fragments of the clouds in one root and wires each
crossing boundary whose two ends are both in it: the sender's ``var.glue_<boundary>_url``
becomes the receiver module's URL output, and the variable disappears. A boundary whose
receiver is outside the root (a cloud deployed elsewhere, or provisioned on the sandbox's
emulators) keeps its URL variable, set through ``TF_VAR_*``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dtwin_gui.core.project import Project
from dtwin_gui.core.providers import Cloud
from dtwin_gui.core.topology import Topology
from dtwin_gui.iac.root_parts import Ref, RootError, RootVariable, glue_variable


@dataclass(frozen=True)
class RootContext:
    """What a cloud's fragment is built from."""

    project: Project
    topology: Topology
    cloud: Cloud
    #: This cloud's connection (:class:`~dtwin_gui.clouds.base.Connection`).
    connection: Any
    #: The build results of every cloud; a fragment takes its own cloud's.
    builds: tuple[Any, ...]
    #: Overrides the account (AWS) the unique suffix is derived from; else the connection's.
    account_id: str | None = None


@dataclass
class RootFragment:
    """One cloud's part of the root."""

    cloud: Cloud
    #: ``terraform.required_providers`` entries (``{"aws": {"source": ..., "version": ...}}``).
    required_providers: dict[str, dict] = field(default_factory=dict)
    #: ``provider`` blocks by provider name.
    providers: dict[str, dict] = field(default_factory=dict)
    #: ``data`` blocks: ``{type: {name: arguments}}``.
    data: dict[str, dict] = field(default_factory=dict)
    #: Modules by name, in order; values are not yet encoded.
    modules: dict[str, dict] = field(default_factory=dict)
    variables: dict[str, RootVariable] = field(default_factory=dict)
    outputs: dict[str, object] = field(default_factory=dict)
    #: The receiver URL (a module output) of each boundary this cloud receives on.
    receiver_urls: dict[str, Ref] = field(default_factory=dict)
    #: The six characters that make this cloud's globally unique names unique.
    unique_suffix: str = ""


@dataclass
class MergedRoot:
    """The fragments of one root, joined and wired."""

    required_providers: dict[str, dict]
    providers: dict[str, dict]
    data: dict[str, dict]
    modules: dict[str, dict]
    variables: dict[str, RootVariable]
    outputs: dict[str, object]
    #: Boundaries wired inside the root (receiver URL output -> sender input).
    wired: tuple[str, ...]


def _substitute(value: object, swap: Mapping[str, Ref]) -> object:
    if isinstance(value, Ref):
        return swap.get(value.expression, value)
    if isinstance(value, Mapping):
        return {k: _substitute(v, swap) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_substitute(v, swap) for v in value]
    return value


def _join(into: dict, more: Mapping, what: str) -> None:
    for name, value in more.items():
        if name in into and into[name] != value:
            raise RootError(f"two clouds declare the {what} {name!r} differently")
        into[name] = value


def merge(fragments: list[RootFragment], topology: Topology) -> MergedRoot:
    """Join ``fragments`` (in cloud order) and wire the boundaries between them."""
    required: dict[str, dict] = {}
    providers: dict[str, dict] = {}
    data: dict[str, dict] = {}
    modules: dict[str, dict] = {}
    variables: dict[str, RootVariable] = {}
    outputs: dict[str, object] = {}
    for fragment in fragments:
        _join(required, fragment.required_providers, "required provider")
        _join(providers, fragment.providers, "provider")
        for kind, blocks in fragment.data.items():
            _join(data.setdefault(kind, {}), blocks, f"{kind} data source")
        _join(modules, fragment.modules, "module")
        _join(outputs, fragment.outputs, "output")
        for name, variable in fragment.variables.items():
            if name in variables:  # a secret both ends of a boundary take
                served = tuple(sorted({*variables[name].boundaries, *variable.boundaries}))
                variable = RootVariable(
                    name,
                    served,
                    variable.kind,
                    variable.required or variables[name].required,
                    variables[name].description,
                )
            variables[name] = variable
    by_cloud = {f.cloud: f for f in fragments}
    swap: dict[str, Ref] = {}
    wired: list[str] = []
    for boundary in topology.boundaries:
        receiver = by_cloud.get(boundary.target_cloud)
        url = receiver.receiver_urls.get(boundary.name) if receiver else None
        if url is None or boundary.source_cloud not in by_cloud:
            continue
        name = glue_variable(boundary.name, "url")
        swap[f"var.{name}"] = url
        variables.pop(name, None)
        wired.append(boundary.name)
    if swap:
        modules = {name: _substitute(inputs, swap) for name, inputs in modules.items()}
        outputs = {name: _substitute(value, swap) for name, value in outputs.items()}
    return MergedRoot(required, providers, data, modules, variables, outputs, tuple(wired))
