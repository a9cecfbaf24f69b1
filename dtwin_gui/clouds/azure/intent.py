"""What an Azure twin consists of, computed once from the project and its topology.

:func:`azure_intent` says which resources the Azure part of a twin has and how they are set
up: the resource group, the storage account, one Function App per layer that has Azure
functions (its package, its app settings — the union of the environment contracts of its
functions, with each receiver's secrets named for its boundary since one app has one
environment — and its functions with their triggers), the Cosmos hot store, the Blob cold and
archive containers, the IoT Hub, Digital Twins, Managed Grafana, and the URL of every glue
receiver Azure hosts. It is used twice: :mod:`dtwin_gui.clouds.azure.terraform` renders it
into module inputs for real Azure, the sandbox provisioner creates it on the emulators.

Values that are not known here stay placeholders, never values: a boundary's HMAC secret is
a :class:`SecretRef`, the URL of a receiver on another cloud not yet known a :class:`GlueUrl`,
what exists only once Azure created it (the Digital Twins URL, an app's functions key) a
:class:`Deferred`. Every name comes from the topology (``topology.name_of``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dtwin_gui.clouds.azure.packaging import served_boundaries
from dtwin_gui.core import resource_names as keys
from dtwin_gui.core import topology as topo
from dtwin_gui.core.naming import UNIQUE_SUFFIX_PLACEHOLDER
from dtwin_gui.core.project import Project
from dtwin_gui.core.providers import SLOTS, Cloud, Slot
from dtwin_gui.core.resource_names import ResourceKey, ResourceKind
from dtwin_gui.core.topology import FunctionSpec, Topology
from dtwin_gui.runtime.core.contracts import (
    AZURE_BOUNDARY_SCOPED,
    GLUE_PREVIOUS,
    azure_boundary_setting,
    contract_for,
)
from dtwin_gui.runtime.core.env import EnvVar

AZURE = Cloud.AZURE
DEFAULT_LOCATION = "westeurope"
#: Timer schedule of the movers (NCRONTAB, six fields: every hour on the hour).
MOVER_SCHEDULE = "0 0 * * * *"
EVENT_GRID = "event_grid"
HTTP = "http"
TIMER = "timer"


# --- placeholders ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SecretRef:
    """The HMAC secret (``kind`` ``secret`` or ``previous_secret``) of a glue boundary."""

    boundary: str
    kind: str = "secret"

    def to_json(self) -> dict:
        return {"$secret": self.boundary, "kind": self.kind}


@dataclass(frozen=True)
class GlueUrl:
    """The URL of a boundary's receiver on another cloud, not known when the intent is made
    (in a root it is the other cloud's module output, else a ``TF_VAR``)."""

    boundary: str

    def to_json(self) -> dict:
        return {"$glue_url": self.boundary}


@dataclass(frozen=True)
class Deferred:
    """A value Azure decides when it creates the resource: ``adt_url`` (the Digital Twins
    instance's URL), ``functions_key`` of a layer's app (subject = the layer)."""

    what: str
    subject: str | None = None

    def to_json(self) -> dict:
        return {"$deferred": self.what, "subject": self.subject}


Setting = str | SecretRef | GlueUrl | Deferred


def _json_value(value: Any) -> Any:
    return value.to_json() if hasattr(value, "to_json") else value


# --- the intent -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AzureFunction:
    """One function of a Function App: its topology name (also its HTTP route), role and
    trigger (``http``, ``event_grid`` or ``timer`` with ``schedule``)."""

    name: str
    role: str
    trigger: str
    schedule: str | None = None

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "role": self.role,
            "trigger": self.trigger,
            "schedule": self.schedule,
        }


@dataclass(frozen=True)
class FunctionApp:
    name: str
    layer: str
    #: The app's zip (from the build), None when it has not been built.
    package: str | None
    app_settings: Mapping[str, Setting]
    functions: tuple[AzureFunction, ...]
    url: str

    def function(self, role: str) -> AzureFunction | None:
        return next((f for f in self.functions if f.role == role), None)

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "layer": self.layer,
            "package": self.package,
            "url": self.url,
            "app_settings": {k: _json_value(v) for k, v in sorted(self.app_settings.items())},
            "functions": [f.to_json() for f in self.functions],
        }


@dataclass(frozen=True)
class CosmosIntent:
    account: str
    database: str
    container: str
    partition_key: str = "/device_id"
    default_ttl_seconds: int = 0

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class BlobContainer:
    name: str
    layer: str
    tier: str  # "Cool" | "Archive"
    #: Days after which the mover takes an object on (cold -> archive); None for the archive.
    move_after_days: int | None

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class IotHubIntent:
    name: str
    devices: tuple[str, ...]
    #: The Function App and function IoT Hub telemetry is delivered to (Event Grid).
    route_to_app: str
    route_to_function: str = topo.DISPATCHER

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "devices": list(self.devices),
            "route_to": {"app": self.route_to_app, "function": self.route_to_function},
        }


@dataclass(frozen=True)
class NamedIntent:
    name: str
    major_version: int | None = None
    sku: str | None = None

    def to_json(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class AzureIntent:
    twin_name: str
    resource_group: str
    location: str
    storage_account: str
    function_apps: tuple[FunctionApp, ...]
    cosmos: CosmosIntent | None
    blob_containers: tuple[BlobContainer, ...]
    iothub: IotHubIntent | None
    digital_twins: NamedIntent | None
    grafana: NamedIntent | None
    #: URL of every glue receiver Azure hosts, by boundary.
    receiver_urls: Mapping[str, str] = field(default_factory=dict)
    #: The notification workflow definition (Logic App JSON text), when the feature is on.
    workflow_definition: str | None = None

    def app(self, layer: Slot | str) -> FunctionApp | None:
        return next((a for a in self.function_apps if a.layer == str(layer)), None)

    def to_json(self) -> dict:
        def opt(value):
            return value.to_json() if value is not None else None

        return {
            "twin_name": self.twin_name,
            "resource_group": self.resource_group,
            "location": self.location,
            "storage_account": self.storage_account,
            "function_apps": [a.to_json() for a in self.function_apps],
            "cosmos": opt(self.cosmos),
            "blob_containers": [c.to_json() for c in self.blob_containers],
            "iothub": opt(self.iothub),
            "digital_twins": opt(self.digital_twins),
            "grafana": opt(self.grafana),
            "receiver_urls": dict(sorted(self.receiver_urls.items())),
            "workflow": self.workflow_definition is not None,
        }


# --- computing it ---------------------------------------------------------------------------


def real_app_url(app: str) -> str:
    """The base URL of a Function App on real Azure."""
    return f"https://{app}.azurewebsites.net"


def trigger_of(role: str) -> tuple[str, str | None]:
    if role == topo.DISPATCHER:
        return EVENT_GRID, None
    if role in (topo.HOT_TO_COLD_MOVER, topo.COLD_TO_ARCHIVE_MOVER):
        return TIMER, MOVER_SCHEDULE
    return HTTP, None


def _layer_tag(slot: Slot | str) -> str:
    """``L3_hot`` -> ``L3_HOT``: the suffix of ``DTWIN_APP_URL_<LAYER>``."""
    return str(slot).upper()


class _Builder:
    def __init__(self, project, topology, glue, suffix, app_url) -> None:
        self.project = project
        self.topology = topology
        self.glue = dict(glue)
        self.suffix = suffix
        self.app_url = app_url
        self.slots = set(topology.slots_on(AZURE))
        self.log_level = "DEBUG" if project.mode == "DEBUG" else "INFO"

    def name(self, key: ResourceKey) -> str:
        return self.topology.name_of(key, AZURE).replace(UNIQUE_SUFFIX_PLACEHOLDER, self.suffix)

    def app_name(self, slot: Slot | str) -> str:
        return self.name(ResourceKind.FUNCTION_APP.of(Slot(slot)))

    def on_azure(self, slot: Slot) -> bool:
        return slot in self.slots

    def days(self, attribute: str) -> int:
        value = getattr(self.project, attribute)
        return value if isinstance(value, int) and value >= 1 else 1

    def functions(self, slot: Slot) -> list[FunctionSpec]:
        return [f for f in self.topology.functions_on(AZURE) if f.slot is slot]

    def has(self, role: str) -> FunctionSpec | None:
        return next((f for f in self.topology.functions_on(AZURE) if f.role == role), None)

    def remote_url(self, boundary: str) -> str | GlueUrl:
        return self.glue.get(boundary) or GlueUrl(boundary)

    def receiver_settings(self, function: FunctionSpec, var: EnvVar) -> dict[str, SecretRef]:
        """The secrets a receiver checks, as settings named for the boundaries it serves
        (``DTWIN_GLUE_SECRET__L2_L3HOT_WRITER``): its app's other functions may serve others."""
        kind = "previous_secret" if var.name == GLUE_PREVIOUS.name else "secret"
        out: dict[str, SecretRef] = {}
        for boundary in served_boundaries(self.topology, function.role):
            out.setdefault(azure_boundary_setting(var.name, boundary), SecretRef(boundary, kind))
        return out

    def sender_boundary(self, role: str, slot: Slot) -> str | None:
        return next(
            (
                b.name
                for b in self.topology.boundaries
                if b.spec.sender == role and b.source_cloud is AZURE and b.spec.source is slot
            ),
            None,
        )

    # .. app settings ......................................................................
    def values(self, function: FunctionSpec) -> dict[str, Setting]:
        """The value of each contract variable of ``function`` this topology gives one."""
        hot = self.on_azure(Slot.L3_HOT)
        out: dict[str, Setting] = {
            "DTWIN_TWIN_NAME": self.topology.twin_name,
            "DTWIN_LOG_LEVEL": self.log_level,
            "DTWIN_HOT_DAYS": str(self.days("hot_days")),
            "DTWIN_COLD_DAYS": str(self.days("cold_days")),
            "DTWIN_PERSISTER_FUNCTION": topo.PERSISTER,
        }
        if hot:
            out["DTWIN_HOT_STORE"] = self.name(keys.HOT_TABLE)
            out["DTWIN_HOT_TTL_DAYS"] = str(2 * self.days("hot_days"))
        if self.on_azure(Slot.L3_COLD):
            out["DTWIN_COLD_STORE"] = self.name(keys.COLD_BUCKET)
        if self.on_azure(Slot.L3_ARCHIVE):
            out["DTWIN_ARCHIVE_STORE"] = self.name(keys.ARCHIVE_BUCKET)
        if self.on_azure(Slot.L1):
            out["DTWIN_IOT_ENDPOINT"] = f"{self.name(keys.IOT_HUB)}.azure-devices.net"
        if self.on_azure(Slot.L4):
            out["DTWIN_ADT_URL"] = Deferred("adt_url")
        if self.has(topo.CONNECTOR):
            out["DTWIN_CONNECTOR_FUNCTION"] = topo.CONNECTOR
        if self.has(topo.EVENT_CHECKER):
            out["DTWIN_EVENT_CHECKER_FUNCTION"] = topo.EVENT_CHECKER
        if self.has(topo.EVENT_FEEDBACK):
            out["DTWIN_FEEDBACK_FUNCTION"] = topo.EVENT_FEEDBACK
        # A sender signs for the receiver on the other cloud.
        remote = {
            topo.CONNECTOR: ("DTWIN_REMOTE", self.sender_boundary(topo.CONNECTOR, Slot.L1)),
            topo.HOT_READER_PROXY: (
                "DTWIN_REMOTE",
                self.sender_boundary(topo.HOT_READER_PROXY, function.slot)
                or next(
                    (
                        b.name
                        for b in self.topology.boundaries
                        if b.spec.sender == topo.HOT_READER_PROXY and b.source_cloud is AZURE
                    ),
                    None,
                ),
            ),
        }
        pairs = [remote[function.role]] if function.role in remote else []
        pairs += [
            ("DTWIN_HOT_WRITER", self.sender_boundary(topo.PERSISTER, Slot.L2)),
            ("DTWIN_COLD_WRITER", self.sender_boundary(topo.HOT_TO_COLD_MOVER, Slot.L3_HOT)),
            (
                "DTWIN_ARCHIVE_WRITER",
                self.sender_boundary(topo.COLD_TO_ARCHIVE_MOVER, Slot.L3_COLD),
            ),
        ]
        twin_update = self.topology.boundary("l2-l4-twin-update")
        if twin_update and twin_update.source_cloud is AZURE:
            pairs.append(("DTWIN_TWIN_UPDATE", twin_update.name))
        for prefix, boundary in pairs:
            if boundary:
                out[f"{prefix}_URL"] = self.remote_url(boundary)
                out[f"{prefix}_SECRET"] = SecretRef(boundary)
        return out

    def service_settings(self, role: str) -> dict[str, str]:
        """The app-level settings (``contracts.AZURE_APP_SETTINGS``) of the services a role
        uses on real Azure, reached with the app's identity: the Cosmos endpoint and
        database, the Blob service URL. The sandbox provisioner swaps in the emulators'."""
        out = {}
        cosmos_roles = (topo.PERSISTER, topo.HOT_READER, topo.HOT_WRITER, topo.HOT_TO_COLD_MOVER)
        if self.on_azure(Slot.L3_HOT) and role in cosmos_roles:
            account = self.name(keys.COSMOS_ACCOUNT)
            out["DTWIN_COSMOS_ENDPOINT"] = f"https://{account}.documents.azure.com:443/"
            out["DTWIN_COSMOS_DATABASE"] = self.name(keys.COSMOS_DATABASE)
        blob_roles = {
            topo.HOT_TO_COLD_MOVER: Slot.L3_COLD,
            topo.COLD_WRITER: Slot.L3_COLD,
            topo.COLD_TO_ARCHIVE_MOVER: Slot.L3_COLD,
            topo.ARCHIVE_WRITER: Slot.L3_ARCHIVE,
        }
        uses_blob = role in blob_roles and (
            self.on_azure(blob_roles[role])
            or (role == topo.COLD_TO_ARCHIVE_MOVER and self.on_azure(Slot.L3_ARCHIVE))
        )
        if uses_blob:
            account = self.name(keys.STORAGE_ACCOUNT)
            out["DTWIN_BLOB_ACCOUNT_URL"] = f"https://{account}.blob.core.windows.net"
        return out

    def callees(self, function: FunctionSpec) -> set[Slot]:
        """The Azure layers whose app ``function`` calls over HTTP."""
        role = function.role
        targets: list[str] = []
        if role == topo.DISPATCHER:
            targets = [topo.PROCESSOR, topo.CONNECTOR]
        elif role == topo.PROCESSOR:
            targets = [topo.PERSISTER]
        elif role == topo.PERSISTER:
            targets = [topo.EVENT_CHECKER, topo.ADT_UPDATER]
        elif role == topo.EVENT_CHECKER:
            targets = [topo.EVENT_ACTION, topo.EVENT_FEEDBACK]
        return {f.slot for f in self.topology.functions_on(AZURE) if f.role in targets}

    def app_settings(self, slot: Slot, functions: list[FunctionSpec]) -> dict[str, Setting]:
        settings: dict[str, Setting] = {}

        def put(function: FunctionSpec, name: str, value: Setting) -> None:
            # One app, one environment: a setting two functions read must mean one thing.
            if settings.setdefault(name, value) != value:
                raise ValueError(
                    f"the {slot} Function App cannot give {function.name} its own {name}: "
                    "another function of the app reads a different value under that name"
                )

        for function in functions:
            values = self.values(function)
            for var in contract_for(function.role).variables:
                if var.name in {v.name for v in AZURE_BOUNDARY_SCOPED}:
                    given = self.receiver_settings(function, var)
                else:
                    given = {var.name: values[var.name]} if var.name in values else {}
                if not given and var.required:
                    raise ValueError(
                        f"{function.name} on Azure needs {var.name}, which this topology gives "
                        "no value"
                    )
                for name, value in given.items():
                    put(function, name, value)
            for name, value in self.service_settings(function.role).items():
                settings.setdefault(name, value)
            for callee in sorted(self.callees(function), key=SLOTS.index):
                tag = _layer_tag(callee)
                settings[f"DTWIN_APP_URL_{tag}"] = self.app_url(self.app_name(callee))
                settings[f"DTWIN_FUNCTIONS_KEY_{tag}"] = Deferred("functions_key", str(callee))
        return settings

    # .. resources .........................................................................
    def function_apps(self, builds) -> list[FunctionApp]:
        out = []
        for slot in SLOTS:
            functions = self.functions(slot)
            if not functions:
                continue
            name = self.app_name(slot)
            triggers = []
            for f in functions:
                trigger, schedule = trigger_of(f.role)
                triggers.append(AzureFunction(f.name, f.role, trigger, schedule))
            out.append(
                FunctionApp(
                    name=name,
                    layer=str(slot),
                    package=_package(builds, slot, name, self.topology),
                    app_settings=self.app_settings(slot, functions),
                    functions=tuple(triggers),
                    url=self.app_url(name),
                )
            )
        return out

    def receiver_urls(self, apps: list[FunctionApp]) -> dict[str, str]:
        urls = {}
        for boundary in self.topology.boundaries:
            if boundary.target_cloud is not AZURE:
                continue
            app = next(a for a in apps if a.layer == str(boundary.spec.target))
            function = app.function(boundary.spec.receiver)
            if function is not None:
                urls[boundary.name] = f"{app.url}/api/{function.name}"
        return urls

    def cosmos(self) -> CosmosIntent | None:
        if not self.on_azure(Slot.L3_HOT):
            return None
        return CosmosIntent(
            account=self.name(keys.COSMOS_ACCOUNT),
            database=self.name(keys.COSMOS_DATABASE),
            container=self.name(keys.HOT_TABLE),
            # A safety net behind the mover (which takes records older than the hot days):
            # twice the hot period, as on AWS, so the store never expires a record first.
            default_ttl_seconds=2 * self.days("hot_days") * 86400,
        )

    def containers(self) -> list[BlobContainer]:
        out = []
        if self.on_azure(Slot.L3_COLD):
            name = self.name(keys.COLD_BUCKET)
            out.append(BlobContainer(name, str(Slot.L3_COLD), "Cool", self.days("cold_days")))
        if self.on_azure(Slot.L3_ARCHIVE):
            name = self.name(keys.ARCHIVE_BUCKET)
            out.append(BlobContainer(name, str(Slot.L3_ARCHIVE), "Archive", None))
        return out

    def workflow(self) -> str | None:
        if not (
            self.on_azure(Slot.L2)
            and self.project.feature("use_event_checking")
            and self.project.feature("trigger_notification_workflow")
        ):
            return None
        from dtwin_gui.core.project import STATE_MACHINE_FILES

        path = Path(self.project.root) / STATE_MACHINE_FILES[AZURE]
        try:
            return path.read_text(encoding="utf-8-sig")
        except OSError:
            return None


def _package(builds, slot: Slot, app: str, topology: Topology) -> str | None:
    """The zip of a layer's app among ``builds`` (one per app, from the Azure packaging)."""
    placeholder = topology.name_of(ResourceKind.FUNCTION_APP.of(slot), AZURE)
    for build in builds:
        if str(getattr(build, "cloud", "")) != str(AZURE):
            continue
        if {str(getattr(build, "name", "")), str(getattr(build, "function", ""))} & {
            app,
            placeholder,
            str(slot),
        }:
            return str(Path(build.path).resolve())
    return None


def azure_intent(
    project: Project,
    topology: Topology,
    builds: Iterable[Any] = (),
    glue: Mapping[str, str] | None = None,
    *,
    suffix: str = UNIQUE_SUFFIX_PLACEHOLDER,
    location: str = DEFAULT_LOCATION,
    app_url: Callable[[str], str] = real_app_url,
) -> AzureIntent:
    """The Azure part of ``project``'s twin.

    ``builds`` are the packages (one zip per Function App); ``glue`` the URL of each
    boundary's receiver on another cloud, where known; ``suffix`` replaces the topology's
    placeholder in globally unique names; ``app_url`` gives a Function App's base URL (real
    Azure's by default, the sandbox gateway's there).
    """
    b = _Builder(project, topology, glue or {}, suffix, app_url)
    apps = b.function_apps(list(builds))
    on = b.on_azure
    dispatcher_app = b.app_name(Slot.L1) if on(Slot.L1) else None
    return AzureIntent(
        twin_name=topology.twin_name,
        resource_group=b.name(keys.RESOURCE_GROUP),
        location=location,
        storage_account=b.name(keys.STORAGE_ACCOUNT),
        function_apps=tuple(apps),
        cosmos=b.cosmos(),
        blob_containers=tuple(b.containers()),
        iothub=(
            IotHubIntent(b.name(keys.IOT_HUB), tuple(project.device_ids), dispatcher_app)
            if on(Slot.L1)
            else None
        ),
        digital_twins=NamedIntent(b.name(keys.DIGITAL_TWINS)) if on(Slot.L4) else None,
        grafana=(
            NamedIntent(b.name(keys.MANAGED_GRAFANA), major_version=11, sku="Standard")
            if on(Slot.L5)
            else None
        ),
        receiver_urls=b.receiver_urls(apps),
        workflow_definition=b.workflow(),
    )


__all__ = [
    "AzureFunction",
    "AzureIntent",
    "BlobContainer",
    "CosmosIntent",
    "Deferred",
    "FunctionApp",
    "GlueUrl",
    "IotHubIntent",
    "NamedIntent",
    "SecretRef",
    "azure_intent",
    "real_app_url",
    "trigger_of",
]
