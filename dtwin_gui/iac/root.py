"""Generate the Terraform root of one deployment (DESIGN.md §2 "Generated root, static modules").

The root (``main.tf.json``, JSON syntax) instantiates one static module per layer hosted on
AWS (``module.aws_<layer>``, source ``terraform/modules//aws/<layer>``: the package is all
of ``modules/``, so that a layer module can use the shared ``../_function`` and
``../_bucket``), feeds each module what the topology says (names, packages from the
build, devices, topics, ages, features), wires module outputs to module inputs (the
persister gets the hot table, the dispatcher the processors...), and declares root outputs.
A ``module.aws_setup`` (``terraform/modules/aws/setup``) uploads the function packages to
one bucket; every Lambda takes its code from there, which lets Terraform create the
functions in parallel.

What crosses to another cloud comes in through root variables: the receiver URL on the
other cloud and the HMAC secret of each boundary. They are declared ``sensitive`` and their
values come from ``TF_VAR_<name>`` in Terraform's process environment — never from a file.
Credentials never appear either: the provider reads them from the process environment.

The file is deterministic (sorted keys), so an unchanged project gives identical bytes.

This module is the public face and the assembly; the per-layer wiring is in
:mod:`~dtwin_gui.iac.root_layers`, the document's rendering in
:mod:`~dtwin_gui.iac.root_render`, names and JSON values in :mod:`~dtwin_gui.iac.root_parts`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dtwin_gui.build.cache import BuildResult
from dtwin_gui.core.fsutil import atomic_write_text
from dtwin_gui.core.project import load_project
from dtwin_gui.core.providers import Cloud
from dtwin_gui.core.topology import TopologyError, topology_for_project
from dtwin_gui.iac.root_layers import RootBuilder
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
from dtwin_gui.iac.root_render import (
    AWS_PROVIDER_VERSION,
    SANDBOX_ACCOUNT,
    SANDBOX_MAX_RETRIES,
    SANDBOX_SERVICES,
    document,
)

if TYPE_CHECKING:
    from dtwin_gui.clouds.aws.connection import AwsConnection


@dataclass(frozen=True)
class RootInfo:
    """What :func:`generate_root` wrote."""

    path: Path
    #: Module names in use (``aws_l1`` ...), in layer order.
    modules: tuple[str, ...]
    variables: tuple[RootVariable, ...]
    #: Root output names, sorted.
    outputs: tuple[str, ...]
    #: The six characters that make bucket names globally unique.
    unique_suffix: str

    @property
    def required_env(self) -> tuple[str, ...]:
        """``TF_VAR_*`` names that must be set in Terraform's environment."""
        return tuple(v.env_name for v in self.variables if v.required)

    @property
    def optional_env(self) -> tuple[str, ...]:
        """``TF_VAR_*`` names that may be set (previous secrets during rotation)."""
        return tuple(v.env_name for v in self.variables if not v.required)


def _account_id(target: AwsConnection, account_id: str | None) -> str:
    if account_id:
        return account_id
    if target.is_sandbox:
        return SANDBOX_ACCOUNT
    try:
        return target.client("sts").get_caller_identity()["Account"]
    except Exception as exc:  # botocore raises many types; the user needs the cause
        raise RootError(
            f"cannot read the AWS account id ({exc}); check the credentials on the Credentials page"
        ) from None


def generate_root(
    project_root: Path,
    *,
    target: AwsConnection,
    builds: Iterable[BuildResult],
    out_dir: Path,
    account_id: str | None = None,
    backend: Mapping[str, Mapping] | None = None,
) -> RootInfo:
    """Write ``out_dir/main.tf.json`` for the AWS part of the project at ``project_root``.

    ``builds`` are the packages of :func:`dtwin_gui.build.build_packages`. ``account_id``
    feeds the unique suffix of bucket names (default: the sandbox's, or the target's account
    via STS). ``backend`` (e.g. ``{"s3": {...}}``) adds a backend block; without it the state
    is the local ``terraform.tfstate`` in ``out_dir``. Raises :class:`RootError` when no layer
    is on AWS, a package is missing or stale, or a name breaks AWS's rules.
    """
    project = load_project(Path(project_root))
    try:
        topology = topology_for_project(project)
    except TopologyError as exc:
        raise RootError(f"cannot compute the topology: {exc}; run `dtwin validate`") from None
    if not topology.slots_on(Cloud.AWS):
        raise RootError(
            "no layer of this project is on AWS, so there is no AWS Terraform root to "
            "generate; choose AWS for at least one layer in config_providers.json"
        )
    suffix = unique_suffix(_account_id(target, account_id), target.region)
    names = Names(topology.twin_name, suffix, topology)
    builder = RootBuilder(project, topology, target, list(builds), names)
    builder.build()
    root_document = document(builder, backend)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / ROOT_FILE
    atomic_write_text(path, json.dumps(root_document, indent=2, sort_keys=True) + "\n", mode=0o600)
    return RootInfo(
        path=path,
        modules=tuple(builder.modules),
        variables=tuple(sorted(builder.variables.values(), key=lambda v: v.name)),
        outputs=tuple(sorted(builder.outputs)),
        unique_suffix=suffix,
    )


__all__ = [
    "AWS_PROVIDER_VERSION",
    "ROOT_FILE",
    "SANDBOX_ACCOUNT",
    "SANDBOX_MAX_RETRIES",
    "SANDBOX_SERVICES",
    "TERRAFORM_DIR_ENV",
    "RootError",
    "RootInfo",
    "RootVariable",
    "generate_root",
    "glue_variable",
    "module_source",
    "terraform_dir",
    "unique_suffix",
]
