"""Building blocks of the generated root (see :mod:`dtwin_gui.iac.root`): where the static
modules are, the topology's names by key, glue variables, JSON-syntax values."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dtwin_gui.core.naming import UNIQUE_SUFFIX_PLACEHOLDER
from dtwin_gui.core.providers import Cloud, Slot
from dtwin_gui.core.resource_names import ResourceKey
from dtwin_gui.core.topology import Topology
from dtwin_gui.iac.addresses import module_path

ROOT_FILE = "main.tf.json"
#: Environment variable pointing at another ``terraform/`` folder (packaged installs).
TERRAFORM_DIR_ENV = "DTWIN_TERRAFORM_DIR"
#: The boundaries whose receiver is the hot reader share its one glue secret.
READER_BOUNDARIES = frozenset({"l4-l3hot-reader", "l5-l3hot-reader"})


class RootError(ValueError):
    """The root cannot be generated; the message says what is wrong and what to do."""


@dataclass(frozen=True)
class RootVariable:
    """A root variable whose value must come from ``TF_VAR_<name>`` (glue across clouds)."""

    name: str
    #: The boundaries it serves (``l1-l2-ingestion``; both reader boundaries share one).
    boundaries: tuple[str, ...]
    kind: str  # "url" | "secret" | "previous_secret"
    required: bool
    description: str

    @property
    def env_name(self) -> str:
        return f"TF_VAR_{self.name}"


# --- where the modules are ------------------------------------------------------------------


def terraform_dir() -> Path:
    """The folder holding ``modules/<cloud>/<layer>``: ``$DTWIN_TERRAFORM_DIR``, else the
    repository's ``terraform/`` (found upwards from this package), else the copy an installed
    app ships under ``<prefix>/share/dtwin/terraform``."""
    override = os.environ.get(TERRAFORM_DIR_ENV)
    if override:
        return Path(override)
    here = Path(__file__).resolve()
    candidates = [base / "terraform" for base in here.parents]
    candidates.append(Path(sys.prefix) / "share" / "dtwin" / "terraform")
    for candidate in candidates:
        if (candidate / "modules" / "aws").is_dir():
            return candidate
    raise RootError(
        "the Terraform modules (terraform/modules) are missing from this installation; "
        f"set {TERRAFORM_DIR_ENV} to the folder that holds them"
    )


def module_source(cloud: Cloud | str, layer: Slot | str) -> str:
    """The ``source`` of a layer's module in the root: ``<terraform>/modules//aws/l2``.

    The part before ``//`` is the package Terraform copies at init; a layer module reaches
    the parts it shares with the others (``../_function``, ``../_bucket``) inside it."""
    relative = module_path(cloud, layer)  # modules/<cloud>/<layer>
    package, _, inner = relative.partition("/")
    return f"{terraform_dir() / package}//{inner}"


# --- names ----------------------------------------------------------------------------------


def unique_suffix(account_id: str, region: str) -> str:
    """Six lowercase hex characters from account and region: what replaces the topology's
    placeholder in globally unique names (buckets), identical on every run."""
    return hashlib.sha256(f"{account_id}/{region}".encode()).hexdigest()[:6]


@dataclass(frozen=True)
class Names:
    """Resource names of one cloud's part, looked up by key in the topology (the one place
    they are computed), with the deployment's unique suffix and checked against the cloud's
    rules."""

    twin: str
    suffix: str
    topology: Topology
    cloud: Cloud = Cloud.AWS

    def resource(self, key: ResourceKey) -> str:
        entry = self.topology.resource(key, self.cloud)
        if entry is None:
            raise RootError(f"the topology names no {self.cloud} resource for {key.label!r}")
        name = entry.name.replace(UNIQUE_SUFFIX_PLACEHOLDER, self.suffix)
        problems = entry.rule.problems(name)
        if problems:
            raise RootError(
                f"{entry.rule.kind} name {name!r} {problems[0]}; choose a shorter twin name "
                "in config.json"
            )
        return name


def glue_variable(boundary: str, kind: str) -> str:
    """The root variable carrying ``kind`` (``url``, ``secret``, ``previous_secret``) of a
    boundary: ``glue_l1_l2_ingestion_secret``. Both reader boundaries end at the hot reader,
    which has one secret, so they share ``glue_l3hot_reader_*``."""
    if kind not in ("url", "secret", "previous_secret"):
        raise ValueError(f"unknown glue variable kind {kind!r}")
    key = "l3hot_reader" if boundary in READER_BOUNDARIES else boundary.replace("-", "_")
    return f"glue_{key}_{kind}"


# --- JSON values ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """A Terraform expression (``module.aws_l2.processor_arns``), written as ``${...}``."""

    expression: str


@dataclass(frozen=True)
class Sensitive:
    """A root output's value Terraform must not show (``sensitive = true``), such as a module
    output the module declares sensitive: Terraform refuses a root output that exposes one."""

    value: object


def literal(text: str) -> str:
    # Strings in JSON syntax are templates: keep user text from being interpolated.
    return text.replace("${", "$${").replace("%{", "%%{")


def encode(value: object) -> object:
    if isinstance(value, Ref):
        return f"${{{value.expression}}}"
    if isinstance(value, str):
        return literal(value)
    if isinstance(value, Mapping):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    return value
