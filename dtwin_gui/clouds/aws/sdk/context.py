"""What every SDK step needs: project, topology, target, workspace, Terraform outputs, sink.

The Terraform root outputs the SDK steps read are named here, once (the root generator
produces exactly these names). Clients come from :meth:`SdkContext.client`, which also makes
services with host-prefixed endpoints (TwinMaker's ``api.``/``data.``) work against the
sandbox's loopback endpoint.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from dtwin_gui.clouds.aws.connection import AwsConnection
from dtwin_gui.clouds.aws.sdk.state import SdkState
from dtwin_gui.core.project import Project
from dtwin_gui.core.providers import Cloud, Slot
from dtwin_gui.core.run_events import LogEvent, ResourceEvent, Sink
from dtwin_gui.core.topology import Topology
from dtwin_gui.deploy.workspace import DeploymentWorkspace

# --- Terraform root outputs the SDK steps read ------------------------------------------------
# (as produced by dtwin_gui.iac.root; missing optional ones fall back to the topology's names)
#: ``{device id: thing name}`` of the things Terraform made (L1).
OUT_IOT_THING_NAMES = "iot_thing_names"
#: ``{device id: policy name}`` of the device policies Terraform made (L1).
OUT_IOT_POLICY_NAMES = "iot_policy_names"
#: Name of the TwinMaker workspace (the topology's; optional).
OUT_TWINMAKER_WORKSPACE = "twinmaker_workspace_name"
#: IAM role TwinMaker assumes (trusts iottwinmaker.amazonaws.com; may invoke the connector
#: Lambda and use the TwinMaker bucket).
OUT_TWINMAKER_ROLE_ARN = "twinmaker_role_arn"
#: S3 bucket name of the TwinMaker workspace.
OUT_TWINMAKER_BUCKET = "twinmaker_bucket_name"
#: ARN of the Lambda TwinMaker calls as data connector: the hot reader, or the hot reader
#: proxy when L3 hot is on another cloud. Optional: without it the function is looked up.
OUT_TWINMAKER_CONNECTOR_ARN = "twinmaker_data_connector_arn"
#: Id of the ``aws_grafana_workspace`` (``g-...``).
OUT_GRAFANA_WORKSPACE_ID = "grafana_workspace_id"
#: Function URL of the hot reader (L3 hot on AWS): what Grafana queries.
OUT_HOT_READER_URL = "hot_reader_url"
#: Function URL of the hot reader proxy (L3 hot on another cloud): what Grafana queries then.
OUT_HOT_READER_PROXY_URL = "hot_reader_proxy_url"

_ACTIVE = {"create": "creating", "update": "updating", "replace": "creating", "delete": "deleting"}
_DONE = {"create": "created", "update": "updated", "replace": "created", "delete": "deleted"}


class SdkError(RuntimeError):
    """An SDK step failed. The message says what and where; ``hint`` what to do."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


@dataclass
class SdkContext:
    project: Project
    topology: Topology
    target: AwsConnection
    workspace: DeploymentWorkspace
    outputs: dict = field(default_factory=dict)
    sink: Sink | None = None
    _clients: dict = field(default_factory=dict, init=False, repr=False)
    _devices_dir: Path | None = field(default=None, init=False, repr=False)
    _state: SdkState | None = field(default=None, init=False, repr=False)

    # --- saved state (the step runner reads and writes it here) ---------------------------
    def sdk_state(self, *, reload: bool = False) -> SdkState:
        """The deployment's SDK record, read once (``reload`` reads the file again).

        The AWS steps save it after every object they make or remove, so a step's saved
        state on disk is never behind what exists.
        """
        if self._state is None or reload:
            self._state = SdkState.load(self.workspace)
        return self._state

    # --- facts ---------------------------------------------------------------------------
    @property
    def twin(self) -> str:
        return self.topology.twin_name

    @property
    def region(self) -> str:
        return self.target.region

    def on_aws(self, slot: Slot) -> bool:
        return self.topology.providers.get(slot) is Cloud.AWS

    def summary(self) -> str:
        """The run-log line the SDK phase starts with."""
        layers = [str(s) for s in (Slot.L1, Slot.L4, Slot.L5) if self.on_aws(s)]
        if not layers:  # nothing said of a cloud the twin does not use
            return ""
        return f"SDK steps for {', '.join(layers)} on AWS ({self.target.name})"

    @property
    def devices_dir(self) -> Path:
        """``<workspace>/devices`` (0700), resolved once."""
        if self._devices_dir is None:
            self._devices_dir = self.workspace.devices_dir
        return self._devices_dir

    def output(self, name: str, *, required: bool = True):
        """A Terraform root output; missing required ones are an :class:`SdkError`."""
        value = self.outputs.get(name)
        if isinstance(value, dict) and {"value", "type"} <= set(value):  # `output -json` shape
            value = value["value"]
        if value in (None, "") and required:
            raise SdkError(
                f"the Terraform output {name!r} is missing",
                "the generated Terraform root must output it; run the deploy again (if it "
                "persists, the root generator and the SDK steps disagree: report a bug)",
            )
        return value if value not in (None, "") else None

    # --- clients -------------------------------------------------------------------------
    def client(self, service: str):
        """A boto3 client for ``service`` on the target (one per service, reused)."""
        if service not in self._clients:
            # With an endpoint (the sandbox) the client does not prefix hosts (TwinMaker's
            # api./data.): loopback has no such names.
            self._clients[service] = self.target.client(service)
        return self._clients[service]

    # --- events --------------------------------------------------------------------------
    def emit(self, event) -> None:
        if self.sink is not None:
            self.sink(event)

    def log(self, level: str, message: str, source: str = "sdk") -> None:
        self.emit(LogEvent(source, level, message))

    def unchanged(self, layer: Slot, kind: str, name: str) -> None:
        self.emit(_resource(layer, kind, name, "noop", "unchanged"))

    def report(
        self,
        layer: Slot,
        kind: str,
        name: str,
        action: str,
        state: str,
        elapsed: float = 0.0,
        error: str = "",
    ) -> None:
        """One resource event, for work that :meth:`step` cannot frame (batched deletes)."""
        self.emit(_resource(layer, kind, name, action, state, elapsed, error))

    @contextmanager
    def step(self, layer: Slot, kind: str, name: str, action: str) -> Iterator[None]:
        """Emit ``creating``/``updating``/``deleting``, then the outcome (or ``failed``)."""
        started = time.monotonic()
        self.emit(_resource(layer, kind, name, action, _ACTIVE[action]))
        try:
            yield
        except Exception as exc:
            self.emit(
                _resource(
                    layer,
                    kind,
                    name,
                    action,
                    "failed",
                    time.monotonic() - started,
                    describe_error(exc),
                )
            )
            raise
        self.emit(_resource(layer, kind, name, action, _DONE[action], time.monotonic() - started))


def make_context(project, topology, connection, workspace, outputs, sink=None) -> SdkContext:
    """The plugin's ``sdk_context`` part: the context every AWS SDK step is called with."""
    return SdkContext(project, topology, connection, workspace, dict(outputs or {}), sink)


def address(kind: str, name: str) -> str:
    """The address of an SDK object in events and status (``sdk:<kind>:<name>``)."""
    return f"sdk:{kind}:{name}"


def _resource(layer, kind, name, action, state, elapsed=0.0, error="") -> ResourceEvent:
    return ResourceEvent(
        address(kind, name),
        str(layer),
        kind,
        action,
        state,
        elapsed=round(elapsed, 3),
        error=error,
        source="sdk",
    )


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ``ClientError`` (else the exception type's name)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", "")) or type(exc).__name__
    return type(exc).__name__


def describe_error(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error", {})
        return f"{error.get('Code', type(exc).__name__)}: {error.get('Message', '')}".strip()
    return f"{type(exc).__name__}: {exc}"


def is_not_found(exc: BaseException) -> bool:
    return error_code(exc) in ("ResourceNotFoundException", "NotFoundException", "404")


def hint_for(exc: BaseException, service: str) -> str:
    """What the user can do about ``exc`` from ``service``."""
    code = error_code(exc)
    if code in ("AccessDeniedException", "AccessDenied", "UnauthorizedException"):
        return (
            f"the signed-in identity may not call {service}; grant the permission (see the "
            "Credentials page for the identity in use) and deploy again"
        )
    if code in ("ThrottlingException", "TooManyRequestsException", "ServiceQuotaExceededException"):
        return f"{service} limits were hit; wait a minute and deploy again"
    return "deploy again (the SDK steps are safe to repeat); if it persists, open the run log"


PROBE_STATES = ("present", "missing", "drifted", "error")


@dataclass(frozen=True)
class Probe:
    """A live check of one SDK object. ``state``: present | missing | drifted | error."""

    layer: str
    kind: str
    name: str
    state: str
    detail: str = ""
