"""What every Azure SDK step is called with (the plugin's ``sdk_context`` part).

Where the services are:

* in the sandbox, the provision record (``provisioned.json`` -> ``azure``, written by
  :mod:`dtwin_gui.clouds.azure.provision`): the IoT Hub's iothubowner connection string and
  host, the Digital Twins URL, the Grafana URL, each layer's functions key and the gateway's
  certificate (``ca``), which every client here trusts (never the process-wide CA bundle);
* on real Azure, the Terraform root outputs (names below, made by
  :mod:`dtwin_gui.clouds.azure.terraform`) and the signed-in identity's tokens.

Clients are made on first use, so a step whose layer is not on Azure never needs its service.
When a step needs what was not provisioned, :class:`AzureSdkError` says which layer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from dtwin_gui.clouds.azure.sdk.state import AzureSdkState
from dtwin_gui.core import topology as topo
from dtwin_gui.core.providers import Cloud, Slot
from dtwin_gui.core.run_events import LogEvent, ResourceEvent
from dtwin_gui.deploy.run_result import DeployFailed

# --- Terraform root outputs the SDK steps read (real Azure) ---------------------------------
OUT_IOTHUB_HOSTNAME = "iothub_hostname"
OUT_DIGITAL_TWINS_URL = "digital_twins_url"
OUT_GRAFANA_ENDPOINT = "managed_grafana_endpoint"
OUT_HOT_READER_URL = "hot_reader_url"
#: The hot reader app's functions key (a sensitive output), and the hot reader proxy's URL
#: and its app's key when L3 hot is elsewhere (clouds/azure/terraform.py writes them).
OUT_HOT_READER_KEY = "hot_reader_functions_key"
OUT_HOT_READER_PROXY_URL = "azure_hot_reader_proxy_url"
OUT_HOT_READER_PROXY_KEY = "azure_hot_reader_proxy_functions_key"
#: The Entra application of Azure Managed Grafana (its data plane's token audience).
GRAFANA_SCOPE = "ce34e7e5-485f-4d76-964f-b3d2b16d1e4f/.default"
#: The header the Functions host reads an app's key from.
FUNCTIONS_KEY_HEADER = "x-functions-key"
_LAYER_OF = {"iothub": Slot.L1, "digital_twins": Slot.L4, "grafana": Slot.L5}
_WHAT = {"iothub": "IoT Hub", "digital_twins": "Digital Twins instance", "grafana": "Grafana"}


class AzureSdkError(DeployFailed):
    """An Azure SDK step cannot run; the message says what and where, ``hint`` what to do."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__("sdk", message, hint)


@dataclass(frozen=True)
class HotReader:
    """What Grafana queries: the hot reader's URL (or its proxy's) and the app's key."""

    url: str
    key: str
    proxied: bool
    header: str = FUNCTIONS_KEY_HEADER


@dataclass
class AzureSdkContext:
    project: Any
    topology: Any
    connection: Any
    workspace: Any  # DeploymentWorkspace
    outputs: dict = field(default_factory=dict)
    sink: Any = None
    _cache: dict = field(default_factory=dict, init=False, repr=False)
    _state: AzureSdkState | None = field(default=None, init=False, repr=False)

    # --- the SDK record -------------------------------------------------------------------
    def sdk_state(self, *, reload: bool = False) -> AzureSdkState:
        if self._state is None or reload:
            self._state = AzureSdkState.load(self.workspace)
        return self._state

    # --- events ---------------------------------------------------------------------------
    def emit(self, event) -> None:
        if self.sink is not None:
            self.sink(event)

    def log(self, level: str, message: str, source: str = "sdk") -> None:
        self.emit(LogEvent(source, level, message))

    def resource(
        self, layer: Slot, kind: str, name: str, action: str, state: str, error: str = ""
    ) -> None:
        """One SDK object's event (address ``sdk:<kind>:<name>``)."""
        self.emit(
            ResourceEvent(
                f"sdk:{kind}:{name}", str(layer), kind, action, state, error=error, source="sdk"
            )
        )

    # --- facts ----------------------------------------------------------------------------
    @property
    def twin(self) -> str:
        return self.topology.twin_name

    @property
    def is_sandbox(self) -> bool:
        return bool(getattr(self.connection, "is_sandbox", False))

    def on_azure(self, slot: Slot) -> bool:
        return self.topology is not None and self.topology.providers.get(slot) is Cloud.AZURE

    def summary(self) -> str:
        layers = [str(s) for s in (Slot.L1, Slot.L4, Slot.L5) if self.on_azure(s)]
        where = "the sandbox" if self.is_sandbox else "Azure"
        return f"Azure SDK steps for {', '.join(layers)} on {where}" if layers else ""

    @property
    def verify(self) -> str | bool:
        """What TLS clients trust: the sandbox gateway's certificate, else the system's."""
        if not self.is_sandbox:
            return True
        return self.record.get("ca") or getattr(self.connection, "ca_path", "") or True

    # --- where things are -------------------------------------------------------------------
    @property
    def record(self) -> dict:
        """The sandbox's provision record for Azure (``{}`` on real Azure)."""
        if "record" not in self._cache:
            record: dict = {}
            if self.is_sandbox:
                from dtwin_gui.clouds.azure.provision import current_record
                from dtwin_gui.deploy.provision_phase import load_state

                record = current_record(
                    load_state(self.workspace).get("azure", {}), self.connection
                )
            self._cache["record"] = record
        return self._cache["record"]

    def provisioned(self, what: str) -> dict:
        """The record's entry for ``what`` (iothub, digital_twins, grafana), or an error that
        names the layer that is not provisioned."""
        entry = self.record.get(what)
        if isinstance(entry, dict) and entry:
            return entry
        layer = _LAYER_OF[what]
        pending = what in str(self.record.get("pending", "")) or isinstance(entry, str)
        raise AzureSdkError(
            f"{layer} is not provisioned on the sandbox: no {_WHAT[what]} in the provision "
            f"record{' (it is still pending)' if pending else ''}",
            "start the sandbox's Azure emulator ('dtwin sandbox up') and deploy again",
        )

    def output(self, name: str, layer: Slot) -> str:
        """A Terraform root output (real Azure); missing is an error naming the layer."""
        value = (self.outputs or {}).get(name)
        if isinstance(value, dict) and "value" in value:  # `terraform output -json` shape
            value = value["value"]
        if value in (None, ""):
            raise AzureSdkError(
                f"{layer} on Azure: the Terraform output {name!r} is missing",
                "deploy again so Terraform creates the layer; if it persists, the root "
                "generator and the SDK steps disagree (report a bug)",
            )
        return str(value)

    # --- L1: IoT Hub ------------------------------------------------------------------------
    @property
    def hub_host(self) -> str:
        """HostName of the device connection strings (the sandbox's has a path prefix)."""
        if self.is_sandbox:
            return str(self.provisioned("iothub")["host"])
        return self.output(OUT_IOTHUB_HOSTNAME, Slot.L1)

    @property
    def registry(self):
        """An ``IoTHubRegistryManager`` on the hub (iothubowner in the sandbox, the signed-in
        identity's token on Azure)."""
        if "registry" not in self._cache:
            from azure.iot.hub import IoTHubRegistryManager

            if self.is_sandbox:
                conn = self.provisioned("iothub").get("connection_string")
                if not conn:
                    raise AzureSdkError(
                        "L1 is not provisioned on the sandbox: the IoT Hub's record has no "
                        "connection string",
                        "deploy again (the provision phase records it)",
                    )
                registry = IoTHubRegistryManager.from_connection_string(conn)
            else:
                registry = IoTHubRegistryManager.from_token_credential(
                    self.hub_host, self.connection.credential()
                )
            registry.protocol.config.connection.verify = self.verify
            self._cache["registry"] = registry
        return self._cache["registry"]

    # --- L4: Digital Twins --------------------------------------------------------------------
    @property
    def hierarchy(self) -> dict:
        """The project's ``twin_hierarchy/azure_hierarchy.json`` (``{}`` when there is none)."""
        if "hierarchy" not in self._cache:
            from dtwin_gui.clouds.azure.sdk.digital_twins import HIERARCHY, load_hierarchy

            try:
                self._cache["hierarchy"] = load_hierarchy(self.project.root)
            except (OSError, ValueError) as exc:
                raise AzureSdkError(
                    f"L4 on Azure: {HIERARCHY} cannot be read: {exc}",
                    "fix the file (it must be the JSON of models, twins and relationships), "
                    "then deploy again",
                ) from None
        return self._cache["hierarchy"]

    @property
    def adt_url(self) -> str:
        if self.is_sandbox:
            return str(self.provisioned("digital_twins")["url"])
        return self.output(OUT_DIGITAL_TWINS_URL, Slot.L4)

    @property
    def adt(self):
        if "adt" not in self._cache:
            from azure.digitaltwins.core import DigitalTwinsClient

            self._cache["adt"] = DigitalTwinsClient(
                self.adt_url, self.connection.credential(), connection_verify=self.verify
            )
        return self._cache["adt"]

    # --- L5: Grafana ----------------------------------------------------------------------------
    @property
    def grafana_url(self) -> str:
        if self.is_sandbox:
            url = str(self.provisioned("grafana")["url"])
        else:
            url = self.output(OUT_GRAFANA_ENDPOINT, Slot.L5)
        return url.rstrip("/")

    def grafana_token(self) -> str:
        """A bearer token for the Grafana data plane (refreshed a minute before it expires)."""
        cached = self._cache.get("grafana_token")
        if cached is None or cached.expires_on - 60 < time.time():
            cached = self.connection.credential().get_token(GRAFANA_SCOPE)
            self._cache["grafana_token"] = cached
        return cached.token

    def hot_reader(self) -> HotReader:
        """The URL Grafana's data source queries, with the functions key it sends."""
        proxied = self.topology.providers.get(Slot.L3_HOT) is not Cloud.AZURE
        if not self.is_sandbox:
            if proxied:
                return HotReader(
                    self.output(OUT_HOT_READER_PROXY_URL, Slot.L5),
                    self.output(OUT_HOT_READER_PROXY_KEY, Slot.L5),
                    True,
                )
            return HotReader(
                self.output(OUT_HOT_READER_URL, Slot.L3_HOT),
                self.output(OUT_HOT_READER_KEY, Slot.L3_HOT),
                False,
            )
        return self._sandbox_hot_reader(proxied)

    def _sandbox_hot_reader(self, proxied: bool) -> HotReader:
        from dtwin_gui.clouds.azure.intent import azure_intent
        from dtwin_gui.clouds.azure.provision import SANDBOX_SUFFIX

        gateway = str(getattr(self.connection, "gateway_url", "")).rstrip("/")
        intent = azure_intent(
            self.project,
            self.topology,
            suffix=SANDBOX_SUFFIX,
            app_url=lambda app: f"{gateway}/{app}",
        )
        role = topo.HOT_READER_PROXY if proxied else topo.HOT_READER
        for app in intent.function_apps:
            function = app.function(role)
            if function is None:
                continue
            if app.name not in (self.record.get("function_apps") or []):
                break
            key = (self.record.get("functions_keys") or {}).get(app.layer)
            if not key:
                break
            return HotReader(f"{app.url}/api/{function.name}", key, proxied)
        layer = Slot.L5 if proxied else Slot.L3_HOT
        what = "hot reader proxy" if proxied else "hot reader"
        raise AzureSdkError(
            f"{layer} is not provisioned on the sandbox: the {what}'s Function App (and its "
            "functions key) is not in the provision record",
            "start the sandbox's Azure emulator ('dtwin sandbox up') and deploy again",
        )


def make_context(project, topology, connection, workspace, outputs, sink=None) -> AzureSdkContext:
    """The plugin's ``sdk_context`` part: the context every Azure SDK step is called with."""
    return AzureSdkContext(project, topology, connection, workspace, dict(outputs or {}), sink)
