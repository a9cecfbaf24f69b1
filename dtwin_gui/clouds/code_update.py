"""The contract of the ``update_code`` part: put one package live without a full deploy.

``dtwin update-function`` (:mod:`dtwin_gui.deploy.update_function`) rebuilds the package a
function lives in and hands it to the part of the function's cloud::

    update_code(ctx: CodeUpdateContext) -> CodeUpdate

The part uploads the package through the cloud's SDK where it can (AWS: the zip into the
function bucket, ``lambda.update_function_code``; the sandbox's Azure and Google: their
provisioners' per-app / per-function deploy calls) and names the Terraform resources that
hold the code as an input (``targets``): the engine records the new package there, so the
next plan shows no change for it — by the part's ``state_edit`` (the state as Terraform's
apply would leave it, pushed without a provider's start: AWS) or by applying only those
resources (``-target``), which, where no SDK upload exists (real Azure and Google), is the
upload itself. A provisioned cloud returns
its updated provision record (``record``) instead. The part raises :class:`CodeUpdateError`
when it cannot update (what, and what to do); nothing here imports an SDK.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


class CodeUpdateError(RuntimeError):
    """The code could not be put live; ``hint`` says what to do."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


@dataclass
class CodeUpdateContext:
    """What an ``update_code`` part is called with."""

    connection: Any
    project: Any
    topology: Any
    #: The topology's FunctionSpec(s) asked for that live in this package.
    functions: tuple
    #: The layer (``L2``) the package serves.
    layer: str
    #: The package just built (a ``BuildResult``): what must run now.
    build: Any
    #: Every package of this run (the intent of a provisioned cloud names them all).
    builds: tuple = ()
    #: The deployment's saved Terraform outputs (``{}`` without a root).
    outputs: Mapping[str, Any] = field(default_factory=dict)
    #: The Terraform state (a ``StateSnapshot``; empty when the cloud is not in the root).
    state: Any = None
    #: The cloud's provision record (``provisioned.json``; ``{}`` when not provisioned).
    saved: Mapping[str, Any] = field(default_factory=dict)
    #: ``() -> ProvisionContext`` of this cloud, for a provisioned cloud's calls.
    provision_context: Callable[[], Any] | None = None
    #: ``(level, message)`` into the run log.
    log: Callable[[str, str], None] = lambda level, message: None

    def state_resources(self) -> list:
        """The managed resources of the Terraform state (``[]`` when there is none)."""
        resources = getattr(self.state, "resources", None) or []
        return [r for r in resources if getattr(r, "mode", "managed") == "managed"]


@dataclass(frozen=True)
class CodeUpdate:
    """What an ``update_code`` part did."""

    #: The package's code went live through the SDK (False: Terraform's apply uploads it).
    uploaded: bool
    #: Hex SHA-256 of the zip the cloud reports running ("" when not known yet).
    live_sha256: str = ""
    #: Terraform addresses holding the code as an input: applied alone (``-target``).
    targets: tuple[str, ...] = ()
    #: A provisioned cloud's record with the new package (None: unchanged).
    record: Mapping[str, Any] | None = None
    #: What runs the package now (Lambda names, the Function App, the Cloud Functions).
    names: tuple[str, ...] = ()
    #: One line for the run log.
    detail: str = ""
    #: Where the SDK made exactly what Terraform's apply of ``targets`` would make: the
    #: state document with those resources recorded as they now are (None when the state
    #: does not look as expected: the engine applies ``targets`` instead). Pushed with
    #: ``terraform state push`` under the state lock, seconds instead of a provider's start.
    state_edit: Callable[[dict], dict | None] | None = None
    #: Called once the new package is recorded (e.g. remove the superseded upload).
    after_record: Callable[[], None] | None = None
