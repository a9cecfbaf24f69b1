"""Generate the Terraform root of one deployment (DESIGN.md §2 "Generated root, static modules").

One root (``main.tf.json``, JSON syntax) per deployment holds the modules and providers of
every cloud in it. This module is neutral: it asks each cloud in use that the deployment
connects to for its fragment (the ``terraform_fragment`` part of the cloud's plugin, e.g.
:mod:`dtwin_gui.clouds.aws.terraform`), merges modules, providers, variables and outputs
(:mod:`~dtwin_gui.iac.root_fragment`) and wires each crossing boundary whose two ends are in
the root: the receiver's URL, an output of the destination cloud's module, is an input of
the sender's module.

A cloud in use that the deployment has no connection for, or that the sandbox provisions on
its emulators instead of through Terraform, is outside the root: what crosses to it comes in
through root variables — its receiver URL and each boundary's HMAC secret — declared
``sensitive``, valued from ``TF_VAR_<name>`` in Terraform's environment, never a file.
Credentials never appear either: each provider reads them from the process environment.

The file is deterministic (sorted keys), so an unchanged project gives identical bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dtwin_gui.build.cache import BuildResult
from dtwin_gui.clouds.base import Connection, Connections, SandboxPath, plugin
from dtwin_gui.core.fsutil import atomic_write_text
from dtwin_gui.core.project import load_project
from dtwin_gui.core.providers import Cloud
from dtwin_gui.core.topology import Topology, TopologyError, topology_for_project
from dtwin_gui.iac.root_fragment import RootContext, RootFragment, merge
from dtwin_gui.iac.root_parts import (
    ROOT_FILE,
    TERRAFORM_DIR_ENV,
    Names,
    RootError,
    RootVariable,
    glue_variable,
    module_source,
    terraform_dir,
    unique_suffix,
)
from dtwin_gui.iac.root_render import document


@dataclass(frozen=True)
class RootInfo:
    """What :func:`generate_root` wrote."""

    path: Path
    #: Module names in use (``aws_l1`` ...), in layer order.
    modules: tuple[str, ...]
    variables: tuple[RootVariable, ...]
    #: Root output names, sorted.
    outputs: tuple[str, ...]
    #: The six characters that make bucket names globally unique (the first cloud's).
    unique_suffix: str
    #: The clouds whose part the root holds, in canonical order.
    clouds: tuple[str, ...] = ()
    #: Boundaries wired inside the root (receiver URL output -> sender input).
    wired: tuple[str, ...] = ()

    @property
    def required_env(self) -> tuple[str, ...]:
        """``TF_VAR_*`` names that must be set in Terraform's environment."""
        return tuple(v.env_name for v in self.variables if v.required)

    @property
    def optional_env(self) -> tuple[str, ...]:
        """``TF_VAR_*`` names that may be set (previous secrets during rotation)."""
        return tuple(v.env_name for v in self.variables if not v.required)


def clouds_in_root(topology: Topology, connections: Connections) -> list[Cloud]:
    """The clouds in use whose part this root holds: connected, and (in the sandbox) applied
    by Terraform rather than provisioned on emulators."""
    out = []
    for cloud in topology.clouds:
        if cloud not in connections:
            continue
        if connections.is_sandbox and plugin(cloud).sandbox_path is not SandboxPath.TERRAFORM:
            continue
        out.append(cloud)
    return out


def _fragments(
    project, topology: Topology, connections: Connections, builds, account_id
) -> list[RootFragment]:
    clouds = clouds_in_root(topology, connections)
    if not clouds:
        if not topology.slots_on(Cloud.AWS):
            raise RootError(
                "no layer of this project is on AWS, so there is no AWS Terraform root to "
                "generate; choose AWS for at least one layer in config_providers.json"
            )
        missing = ", ".join(str(c) for c in topology.clouds if c not in connections)
        raise RootError(
            f"this {connections.mode} deployment has no connection to a cloud whose part "
            f"Terraform deploys (missing: {missing or 'none'}); sign in on the Credentials page"
        )
    out = []
    for cloud in clouds:
        cloud_plugin = plugin(cloud)
        make = cloud_plugin.part("terraform_fragment")
        if make is None:
            raise RootError(
                f"{cloud_plugin.label} cannot be deployed by this version (no Terraform for "
                f"{', '.join(str(s) for s in topology.slots_on(cloud))}); choose another cloud "
                "for those layers in config_providers.json"
            )
        context = RootContext(
            project, topology, cloud, connections[cloud], tuple(builds), account_id
        )
        out.append(make(context))
    return out


def generate_root(
    project_root: Path,
    *,
    connections: Connections | Connection | None = None,
    builds: Iterable[BuildResult],
    out_dir: Path,
    account_id: str | None = None,
    backend: Mapping[str, Mapping] | None = None,
    target: Any = None,
) -> RootInfo:
    """Write ``out_dir/main.tf.json`` for the project at ``project_root``.

    ``connections`` is the deployment's :class:`~dtwin_gui.clouds.base.Connections` (a
    single connection — or ``target``, its older name — is a one-cloud deployment).
    ``builds`` are the packages of :func:`dtwin_gui.build.build_packages`. ``account_id``
    feeds the unique suffix of bucket names (default: the sandbox's, or the account of the
    AWS connection via STS). ``backend`` (e.g. ``{"s3": {...}}``) adds a backend block;
    without it the state is the local ``terraform.tfstate`` in ``out_dir``. Raises
    :class:`RootError` when no cloud in use is in the root, a cloud in it has no Terraform
    in this version, a package is missing or stale, or a name breaks a cloud's rules.
    """
    given = connections if connections is not None else target
    if given is None:
        raise TypeError("generate_root() needs connections")
    connections = Connections.wrap(given)
    project = load_project(Path(project_root))
    try:
        topology = topology_for_project(project)
    except TopologyError as exc:
        raise RootError(f"cannot compute the topology: {exc}; run `dtwin validate`") from None
    fragments = _fragments(project, topology, connections, list(builds), account_id)
    merged = merge(fragments, topology)
    root_document = document(merged, backend)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / ROOT_FILE
    atomic_write_text(path, json.dumps(root_document, indent=2, sort_keys=True) + "\n", mode=0o600)
    return RootInfo(
        path=path,
        modules=tuple(merged.modules),
        variables=tuple(sorted(merged.variables.values(), key=lambda v: v.name)),
        outputs=tuple(sorted(merged.outputs)),
        unique_suffix=fragments[0].unique_suffix,
        clouds=tuple(str(f.cloud) for f in fragments),
        wired=merged.wired,
    )


__all__ = [
    "ROOT_FILE",
    "TERRAFORM_DIR_ENV",
    "Names",
    "RootError",
    "RootInfo",
    "RootVariable",
    "clouds_in_root",
    "generate_root",
    "glue_variable",
    "module_source",
    "terraform_dir",
    "unique_suffix",
]
