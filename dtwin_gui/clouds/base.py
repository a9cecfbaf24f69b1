"""The cloud contract: what every cloud package (``dtwin_gui/clouds/<cloud>/``) provides.

The neutral engine (``iac/``, ``deploy/``, ``sandbox/``, the pages and commands) never names
a cloud's SDK: it iterates over the registered :class:`CloudPlugin` objects and calls their
parts. A part a cloud does not have yet is ``None`` (or an empty list), and the engine says
so instead of guessing.

- :class:`Connection`: how to reach one cloud (credentials, region/location/project, the
  emulator endpoints in the sandbox). Credentials travel only through process environments
  and in-memory clients, never through files.
- :class:`Connections`: one deployment's map {cloud -> Connection}, all in the sandbox or all
  on real clouds.
- :class:`SdkStep`: what Terraform cannot do, as one idempotent step with a stable
  ``step_id`` (the key of its saved state): describe / ensure / destroy / probe.
- :class:`EmulatorSpec`: what the sandbox starts for a cloud (processes, ports, health check,
  stop) and, for a cloud without a usable Terraform provider on this machine, the data-plane
  provisioner that creates from the same module intent what the emulators need.
- :class:`SandboxPath`: which of the two a cloud takes in the sandbox, shown to the user.

Adding a cloud means one package that builds a :class:`CloudPlugin` and calls
:func:`register` (``docs/architecture.md``, "Adding a cloud").
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from dtwin_gui.core.providers import CLOUDS, Cloud, parse_cloud

#: Deployment modes: every cloud emulated on loopback, or every cloud real.
SANDBOX = "sandbox"
CLOUD = "cloud"
#: The name the real-cloud workspace and ``--target`` have had since AWS was the only cloud;
#: kept so existing deployments keep their state.
CLOUD_TARGET_NAME = "aws"


class SandboxPath(StrEnum):
    """How a cloud's resources come to exist in the sandbox."""

    #: Terraform applies the cloud's modules against its emulator.
    TERRAFORM = "terraform"
    #: No usable Terraform provider here: the modules are checked (``terraform validate``
    #: against the provider's schema) and a provisioner creates the same intent on emulators.
    PROVISIONED = "provisioned"

    @property
    def label(self) -> str:
        if self is SandboxPath.TERRAFORM:
            return "Terraform applied"
        return "provisioned on emulators (its Terraform modules are checked, not applied)"


@runtime_checkable
class Connection(Protocol):
    """How to reach one cloud. Implementations are frozen dataclasses in ``clouds/<cloud>``."""

    @property
    def cloud(self) -> Cloud: ...

    @property
    def is_sandbox(self) -> bool: ...

    def process_env(self) -> dict[str, str]:
        """Environment additions for a child process (Terraform) talking to this cloud."""
        ...

    def describe(self) -> str:
        """One line for the user, e.g. ``AWS · us-east-1 (sandbox)``; never a secret."""
        ...


class ConnectionMissing(KeyError):
    def __str__(self) -> str:  # KeyError quotes its argument; the message is for people
        return str(self.args[0])


@dataclass(frozen=True)
class Connections:
    """One deployment's connections, keyed by cloud. All sandbox, or all real clouds."""

    mode: str  # SANDBOX | CLOUD
    by_cloud: Mapping[Cloud, Connection] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.mode not in (SANDBOX, CLOUD):
            raise ValueError(f"mode must be {SANDBOX!r} or {CLOUD!r}, not {self.mode!r}")
        for cloud, connection in self.by_cloud.items():
            if connection.cloud != cloud:
                raise ValueError(f"the {connection.cloud} connection is filed under {cloud}")
            if connection.is_sandbox != (self.mode == SANDBOX):
                raise ValueError(f"the {cloud} connection does not match mode {self.mode}")

    @classmethod
    def wrap(cls, value: Connections | Connection) -> Connections:
        """``value`` as :class:`Connections` (a single connection: a one-cloud deployment)."""
        if isinstance(value, Connections):
            return value
        mode = SANDBOX if value.is_sandbox else CLOUD
        return cls(mode, {Cloud(value.cloud): value})

    @property
    def is_sandbox(self) -> bool:
        return self.mode == SANDBOX

    @property
    def name(self) -> str:
        """The target name of the workspace, the CLI's ``--target`` and the run records."""
        return SANDBOX if self.is_sandbox else CLOUD_TARGET_NAME

    @property
    def clouds(self) -> tuple[Cloud, ...]:
        return tuple(c for c in CLOUDS if c in self.by_cloud)

    def __contains__(self, cloud: object) -> bool:
        return cloud in self.by_cloud

    def __getitem__(self, cloud: Cloud | str) -> Any:
        key = parse_cloud(cloud) or cloud
        found = self.by_cloud.get(key)
        if found is None:
            have = ", ".join(self.clouds) or "none"
            raise ConnectionMissing(
                f"no {key} connection in this {self.mode} deployment (connected: {have}); "
                f"sign in to {key} on the Credentials page"
            )
        return found

    def get(self, cloud: Cloud) -> Any:
        return self.by_cloud.get(cloud)

    def process_env(self, only: Iterable[Cloud] | None = None) -> dict[str, str]:
        """The child-process environment of every connection (or of the clouds in ``only``,
        e.g. those a Terraform root holds), merged (names do not overlap)."""
        wanted = None if only is None else set(only)
        env: dict[str, str] = {}
        for cloud in self.clouds:
            if wanted is None or cloud in wanted:
                env.update(self.by_cloud[cloud].process_env())
        return env

    def describe(self) -> str:
        return "; ".join(self.by_cloud[c].describe() for c in self.clouds) or self.mode


PRESENT, MISSING, UNKNOWN = "present", "missing", "error"


class Decision(StrEnum):
    """A permission preflight's decision for one required action (the Credentials page)."""

    ALLOWED = "allowed"
    DENIED = "denied"
    UNKNOWN = "unknown"


@runtime_checkable
class PermissionReport(Protocol):
    """A cloud's permission preflight: per group ("setup", "L1"...) each action's decision."""

    groups: dict[str, dict[str, str]]

    def counts(self, group: str) -> dict[str, int]:
        """``{decision: how many}`` of ``group``, every :class:`Decision` present."""
        ...


@dataclass(frozen=True)
class Probe:
    """Whether one resource of Terraform's state still exists in its cloud (live)."""

    address: str
    state: str  # PRESENT | MISSING | UNKNOWN
    detail: str = ""


@dataclass(frozen=True)
class ConsoleLink:
    """A cloud console URL for a layer or resource, or None with the reason there is none."""

    url: str | None
    reason: str = ""


@dataclass(frozen=True)
class StepProbe:
    """What an SDK step found on the cloud: ``state`` is present | missing | drifted | error.

    ``kind`` names the object's kind (``sdk:<kind>:<name>`` is its address in events/status).
    """

    step_id: str
    layer: str
    name: str
    state: str
    detail: str = ""
    kind: str = ""


@dataclass(frozen=True)
class StepItem:
    """One object an SDK step will create or update, as the Review page lists it."""

    layer: str
    title: str
    detail: str = ""
    kind: str = ""
    name: str = ""


@runtime_checkable
class SdkStep(Protocol):
    """One thing Terraform cannot do, idempotent; its saved state is keyed by ``step_id``."""

    step_id: str
    layer: str

    def describe(self, project: Any, topology: Any) -> list[StepItem]:
        """What :meth:`ensure` would make, before any cloud call (the Review page lists it)."""
        ...

    def ensure(self, ctx: Any, saved: Mapping[str, Any]) -> dict[str, Any]:
        """Create or update; returns the state to save under ``step_id``."""
        ...

    def destroy(self, ctx: Any, saved: Mapping[str, Any]) -> list[str]:
        """Delete what the step made; returns what could not be deleted (empty when done)."""
        ...

    def probe(self, ctx: Any, saved: Mapping[str, Any]) -> list[StepProbe]: ...

    def recorded(self, saved: Mapping[str, Any]) -> list[tuple[str, str]]:
        """``(kind, name)`` of each object ``saved`` records (the destroy preview counts them)."""
        ...


@dataclass(frozen=True)
class EmulatorHandle:
    """A started emulator: its endpoints by name and how to stop it."""

    endpoints: Mapping[str, str]
    stop: Callable[[], None]
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EmulatorSpec:
    """What the sandbox starts for one cloud, and how it knows it is healthy."""

    cloud: Cloud
    #: Shown in ``dtwin sandbox status`` and the sidebar ("moto + Lambda gateway").
    label: str
    #: Starts the emulator(s) on loopback, with its data under the given folder.
    start: Callable[..., EmulatorHandle]
    #: True when the started emulator answers (called with the handle).
    healthy: Callable[[EmulatorHandle], bool]
    sandbox_path: SandboxPath
    #: For :attr:`SandboxPath.PROVISIONED`: creates the deployment's intent on the emulators.
    provision: Callable[..., Any] | None = None
    #: ``(endpoints, region) -> {what: count or None}`` of a running emulator, asked from
    #: any process (``dtwin sandbox status``: "functions", "tables", "buckets").
    counts: Callable[[Mapping[str, str], str], dict[str, int | None]] | None = None


@dataclass
class CloudPlugin:
    """One cloud's parts. Every field but the identity is optional until the cloud has it."""

    cloud: Cloud
    label: str
    #: This version can deploy a layer to this cloud (validation refuses it otherwise).
    deployable: bool
    sandbox_path: SandboxPath
    #: ``(endpoints: Mapping[str, str], region: str) -> Connection`` for the sandbox.
    sandbox_connection: Callable[..., Connection] | None = None
    #: ``(choice, secrets) -> Connection`` for the real cloud from the saved sign-in.
    cloud_connection: Callable[..., Connection] | None = None
    #: ``() -> Connection`` for the real cloud from the user's own credential chain
    #: (profile, SSO, keys in the environment), as the ``dtwin`` commands use it.
    environment_connection: Callable[[], Connection] | None = None
    #: ``(choice, secrets) -> CheckResult``: sign-in and permission check.
    preflight: Callable[..., Any] | None = None
    emulator: Callable[[], EmulatorSpec] | None = None
    #: Prefixes of the Terraform resource types this cloud's provider owns ("aws_").
    terraform_types: tuple[str, ...] = ()
    #: Named parts the neutral pages and commands iterate over (status probes, leftovers,
    #: console links, trace, code check, SDK steps, packaging, Terraform fragment). Each is
    #: a ``"module:function"`` string, imported on first use so that importing the registry
    #: never imports a cloud SDK.
    parts: Mapping[str, str] = field(default_factory=dict)

    def part(self, name: str) -> Callable[..., Any] | None:
        """The part ``name`` (imported now), or None when this cloud has none yet."""
        where = self.parts.get(name)
        if where is None:
            return None
        module, _, attr = where.partition(":")
        return getattr(importlib.import_module(module), attr)


#: Part names the engine knows (a plugin may have any subset).
PART_NAMES = (
    "terraform_fragment",  # (RootContext) -> fragment of the one root
    "package",  # (project, topology, functions, shared runtime entries) -> [PackageSpec]
    "sdk_steps",  # (topology) -> list[SdkStep], in deploy order
    "sdk_context",  # (project, topology, connection, workspace, outputs, sink) -> step context
    "probes",  # (connection, state resources) -> {address: Probe}
    "leftovers",  # (connection, twin_name) -> {kind: [names]}
    "console_link",  # (connection, layer, outputs, twin_name) -> ConsoleLink
    "resource_link",  # (connection, component, name, *, arn, thing_names) -> ConsoleLink
    "trace",  # (project, connection, outputs, ...) -> TraceResult
    "code_check",  # (connection, builds, outputs, log) -> functions still stale after repair
    "adopt",  # (connection, twin, plan, terraform_dir, plan_document) -> [Adoption] it lost
    "adopt_before_destroy",  # (connection, twin, terraform_dir, plan_document) -> [Adoption]
    "identity",  # (connection, outputs) -> JSON-able identity of the live target (fingerprint)
    "publish",  # (connection, *, workspace) -> publish(topic, body: bytes): telemetry into L1
    "feedback",  # (connection, *, workspace) -> receive(device_id) -> [bytes]: to the device
    "hot_reader",  # (connection, topology, outputs, *, root, secret) -> reader of L3 hot
    "saved_steps",  # (sdk_state.json data) -> {step_id: saved} of its steps (older files too)
    "provision",  # (ProvisionContext, saved) -> saved: creates the intent on emulators (sandbox)
    "deprovision",  # (ProvisionContext, saved) -> [what is left]: removes what provision made
    "receiver_urls",  # (ProvisionContext) -> {boundary: url} it hosts, known before apply
    "probe_provisioned",  # (connection, record, topology, *, live) -> [StepProbe] (Status page)
    "sandbox_url",  # (connection, url) -> url: a receiver URL of its outputs, as the sandbox serves
    "glue_log",  # (connection, topology, FunctionSpec, since_s) -> [line] | None (not readable)
    "state_backend",  # (BackendConfig, connection) -> objects(), create(log), inspect()
    "update_code",  # (CodeUpdateContext) -> CodeUpdate: one package live (clouds/code_update.py)
)

_registry: dict[Cloud, CloudPlugin] = {}


def register(plugin: CloudPlugin) -> CloudPlugin:
    unknown = set(plugin.parts) - set(PART_NAMES)
    if unknown:
        raise ValueError(f"{plugin.cloud}: unknown part(s) {sorted(unknown)}; see PART_NAMES")
    _registry[plugin.cloud] = plugin
    return plugin


def plugin(cloud: Cloud | str) -> CloudPlugin:
    """The registered plugin of ``cloud`` (the cloud packages register on import)."""
    _load_builtin()
    key = parse_cloud(cloud)
    if key is None:
        raise KeyError(f"no cloud named {cloud!r}; the clouds are {', '.join(CLOUDS)}")
    return _registry[key]


def plugins() -> Iterator[CloudPlugin]:
    """Every registered plugin, in the order of :data:`~dtwin_gui.core.providers.CLOUDS`."""
    _load_builtin()
    for cloud in CLOUDS:
        if cloud in _registry:
            yield _registry[cloud]


def _load_builtin() -> None:
    if len(_registry) < len(CLOUDS):
        for cloud in CLOUDS:
            importlib.import_module(f"dtwin_gui.clouds.{cloud}")
