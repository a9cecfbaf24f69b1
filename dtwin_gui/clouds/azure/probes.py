"""The ``probe_provisioned`` part: the live state of what the sandbox provisioned for Azure.

A provisioned cloud has no Terraform state, so the Status page asks this part instead
(:mod:`dtwin_gui.deploy.status`). From the provision record (``provisioned.json``, see
:mod:`dtwin_gui.clouds.azure.provision`) and the topology it names every object the twin's
Azure layers should have and looks each up on the emulators:

- ``function-app``: the app's state as the sandbox's Azure control API reports it,
- ``cosmos-container``: the hot container exists, with its item count and default TTL,
- ``blob-container``: the cold and archive containers, with their blobs per access tier,
- ``iothub``: the hub and its device count, ``digital-twins``: its twins, models and
  relationships, ``grafana``: the instance's ``/api/health`` and its data sources.

One :class:`~dtwin_gui.clouds.base.StepProbe` per object, in its layer. Only the sandbox has a
provision record; on real Azure the layers come from Terraform's state, whose resources the
plugin's ``probes`` part (not in this version) will look up.
"""

from __future__ import annotations

import json
import ssl
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from dtwin_gui.clouds.base import MISSING, PRESENT, UNKNOWN, StepProbe
from dtwin_gui.core import resource_names as keys
from dtwin_gui.core.naming import UNIQUE_SUFFIX_PLACEHOLDER
from dtwin_gui.core.providers import SLOTS, Cloud, Slot
from dtwin_gui.core.resource_names import ResourceKind

STEP_ID = "azure.provisioned"
DRIFTED = "drifted"
APP, COSMOS, BLOB, IOTHUB, ADT, GRAFANA = (
    "function-app",
    "cosmos-container",
    "blob-container",
    "iothub",
    "digital-twins",
    "grafana",
)
#: App states of the control API that mean "serving".
RUNNING = frozenset({"running", "ready", "started"})


class _NotAsked(Exception):
    """The sandbox's control API could not be asked (its reason is the message)."""


def _name(topology, key, suffix: str) -> str | None:
    try:
        return topology.name_of(key, Cloud.AZURE).replace(UNIQUE_SUFFIX_PLACEHOLDER, suffix)
    except KeyError:
        return None


def _recorded_name(value: Any) -> str | None:
    """A record entry's name: ``{"name": ...}`` (or a bare name, as older records had)."""
    if isinstance(value, Mapping):
        value = value.get("name")
    return value if isinstance(value, str) and value else None


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, list | dict | tuple):
        return len(value)
    return None


def _plural(n: int | None, word: str) -> str:
    if n is None:
        return f"? {word}s"
    return f"{n} {word}" + ("" if n == 1 else "s")


def expected(record: Mapping, topology) -> list[tuple[str, str, str]]:
    """``(layer, kind, name)`` of every object the twin's Azure layers should have."""
    from dtwin_gui.clouds.azure.provision import SANDBOX_SUFFIX

    slots = set(topology.slots_on(Cloud.AZURE))
    with_functions = {f.slot for f in topology.functions_on(Cloud.AZURE)}
    out: list[tuple[str, str, str]] = []
    for slot in SLOTS:
        if slot not in slots:
            continue
        layer = str(slot)
        if slot in with_functions:
            app = _name(topology, ResourceKind.FUNCTION_APP.of(slot), SANDBOX_SUFFIX)
            if app:
                out.append((layer, APP, app))
        if slot is Slot.L3_HOT:
            cosmos = record.get("cosmos") or {}
            container = cosmos.get("container") or _name(topology, keys.HOT_TABLE, "")
            database = cosmos.get("database") or _name(topology, keys.COSMOS_DATABASE, "")
            if container and database:
                out.append((layer, COSMOS, f"{database}/{container}"))
        own = {
            Slot.L3_COLD: (BLOB, keys.COLD_BUCKET, None),
            Slot.L3_ARCHIVE: (BLOB, keys.ARCHIVE_BUCKET, None),
            Slot.L1: (IOTHUB, keys.IOT_HUB, "iothub"),
            Slot.L4: (ADT, keys.DIGITAL_TWINS, "digital_twins"),
            Slot.L5: (GRAFANA, keys.MANAGED_GRAFANA, "grafana"),
        }.get(slot)
        if own:
            kind, key, field = own
            name = (_recorded_name(record.get(field)) if field else None) or _name(
                topology, key, SANDBOX_SUFFIX
            )
            if name:
                out.append((layer, kind, name))
    return out


def _recorded(record: Mapping, kind: str, name: str) -> bool:
    """Whether the provision record says ``name`` was made."""
    if kind == APP:
        return name in (record.get("function_apps") or [])
    if kind == COSMOS:
        cosmos = record.get("cosmos") or {}
        return f"{cosmos.get('database')}/{cosmos.get('container')}" == name
    if kind == BLOB:
        return name in (record.get("blob_containers") or [])
    field = {IOTHUB: "iothub", ADT: "digital_twins", GRAFANA: "grafana"}[kind]
    return _recorded_name(record.get(field)) == name


# --- the lookups ----------------------------------------------------------------------------
class _Lookups:
    def __init__(self, connection, record: Mapping, control) -> None:
        self.connection = connection
        self.record = record
        self._control = control
        self._resources: dict | None = None
        self._resources_error = ""

    def resources(self) -> dict:
        """The control API's ``resources()`` (asked once); raises with the reason."""
        if self._resources is None and not self._resources_error:
            try:
                control = self._control
                if control is None:
                    from dtwin_gui.clouds.azure.sandbox.client import SandboxAzure

                    control = SandboxAzure(self.connection, timeout_s=15)
                self._resources = dict(control.resources() or {})
            except Exception as exc:  # unreachable control API: every such probe says why
                self._resources_error = str(exc) or type(exc).__name__
        if self._resources is None:
            raise _NotAsked(self._resources_error)
        return self._resources

    def entry(self, section: str, name: str) -> dict | None:
        found = (self.resources().get(section) or {}).get(name)
        return found if isinstance(found, dict) else None

    def app(self, name: str) -> tuple[str, str]:
        app = self.entry("apps", name)
        if app is None:
            return MISSING, "not on the sandbox's Functions host"
        state = str(app.get("state") or "unknown")
        functions = _plural(_count(app.get("functions")), "function")
        detail = f"{state}, {functions}" + (f": {app['detail']}" if app.get("detail") else "")
        return (PRESENT if state.lower() in RUNNING else UNKNOWN), detail

    def cosmos(self, name: str) -> tuple[str, str]:
        from azure.core.exceptions import ResourceNotFoundError

        from dtwin_gui.clouds.azure.sandbox.endpoints import cosmos_client

        database, _, container = name.partition("/")
        client = cosmos_client(self.connection)
        handle = client.get_database_client(database).get_container_client(container)
        try:
            props = handle.read()
        except ResourceNotFoundError:
            return MISSING, "no such database or container on the Cosmos emulator"
        counted = list(
            handle.query_items("SELECT VALUE COUNT(1) FROM c", enable_cross_partition_query=True)
        )
        items = sum(n for n in counted if isinstance(n, int)) if counted else 0
        ttl = props.get("defaultTtl")
        detail = f"{_plural(items, 'item')}, default TTL {ttl if ttl else 'off'}"
        wanted = (self.record.get("cosmos") or {}).get("default_ttl")
        if wanted and ttl != wanted:
            return DRIFTED, f"{detail} (should be {wanted} s)"
        return PRESENT, detail + (" s" if ttl else "")

    def blob(self, name: str) -> tuple[str, str]:
        from azure.storage.blob import BlobServiceClient

        from dtwin_gui.clouds.azure.provision import blob_connection_string

        service = BlobServiceClient.from_connection_string(blob_connection_string(self.connection))
        container = service.get_container_client(name)
        if not container.exists():
            return MISSING, "no such container on Azurite"
        tiers: dict[str, int] = {}
        for blob in container.list_blobs():
            tier = getattr(blob.blob_tier, "value", blob.blob_tier) or "Hot"
            tiers[str(tier)] = tiers.get(str(tier), 0) + 1
        total = sum(tiers.values())
        if not total:
            return PRESENT, "empty"
        split = ", ".join(f"{tiers[t]} {t}" for t in sorted(tiers))
        return PRESENT, f"{_plural(total, 'blob')} ({split})"

    def iothub(self, name: str) -> tuple[str, str]:
        hub = self.entry("iothubs", name)
        if hub is None:
            return MISSING, "not on the sandbox's IoT Hub emulation"
        detail = _plural(_count(hub.get("devices")), "device")
        routed = hub.get("routed")
        if routed is False:
            return DRIFTED, f"{detail}, telemetry not routed to a function"
        return PRESENT, detail + (", routed" if routed else "")

    def digital_twins(self, name: str) -> tuple[str, str]:
        adt = self.entry("digital_twins", name)
        if adt is None:
            return MISSING, "not on the sandbox's Digital Twins emulation"
        parts = [
            _plural(_count(adt.get("twins")), "twin"),
            _plural(_count(adt.get("models")), "model"),
            _plural(_count(adt.get("relationships")), "relationship"),
        ]
        return PRESENT, ", ".join(parts)

    def grafana(self, name: str) -> tuple[str, str]:
        instance = self.entry("grafana", name)
        if instance is None:
            return MISSING, "not on the sandbox's Managed Grafana emulation"
        recorded = self.record.get("grafana")
        url = recorded.get("url") if isinstance(recorded, Mapping) else None
        url = url or f"{self.connection.gateway_url.rstrip('/')}/grafana/{name}"
        counts = (
            f"{_plural(_count(instance.get('datasources')), 'data source')}, "
            f"{_plural(_count(instance.get('dashboards')), 'dashboard')}"
        )
        try:
            health = _get_json(url.rstrip("/") + "/api/health", self.connection.ca_path)
        except Exception as exc:  # reachable control API, unhealthy instance
            return UNKNOWN, f"/api/health did not answer: {exc}; {counts}"
        if health.get("database") != "ok":
            return UNKNOWN, f"unhealthy (database {health.get('database')!r}); {counts}"
        return PRESENT, f"healthy (Grafana {health.get('version', '?')}), {counts}"


def _get_json(url: str, ca_path: str, timeout_s: float = 10) -> dict:
    context = ssl.create_default_context(cafile=ca_path) if ca_path else None
    with urllib.request.urlopen(url, timeout=timeout_s, context=context) as reply:
        answer = json.loads(reply.read() or b"{}")
    return answer if isinstance(answer, dict) else {}


def probe_provisioned(
    connection, record: Mapping, topology, *, live: bool = True, control=None
) -> list[StepProbe]:
    """The part ``probe_provisioned``: one probe per object of the twin's Azure layers that
    ``record`` (what :func:`~dtwin_gui.clouds.azure.provision.provision` returned) says was
    made, in the layer the topology puts it. With ``live`` False nothing is asked: each is
    reported present ("recorded"). ``control``: the sandbox's control API client (default
    :class:`~dtwin_gui.clouds.azure.sandbox.client.SandboxAzure` of ``connection``).
    """
    if not live:  # what the record says, with no connection needed (the destroy preview)
        return [
            StepProbe(STEP_ID, layer, name, PRESENT, "recorded", kind)
            for layer, kind, name in expected(record, topology)
            if _recorded(record, kind, name)
        ]
    if not getattr(connection, "is_sandbox", False):
        return []  # real Azure: Terraform's state, probed by the ``probes`` part
    from dtwin_gui.clouds.azure.provision import current_record

    lookups = _Lookups(connection, current_record(record, connection), control)
    by_kind: dict[str, Callable[[str], tuple[str, str]]] = {
        APP: lookups.app,
        COSMOS: lookups.cosmos,
        BLOB: lookups.blob,
        IOTHUB: lookups.iothub,
        ADT: lookups.digital_twins,
        GRAFANA: lookups.grafana,
    }
    out = []
    for layer, kind, name in expected(record, topology):
        if not _recorded(record, kind, name):
            continue  # not made by the last provision (another topology, or never deployed)
        try:
            state, detail = by_kind[kind](name)
        except _NotAsked as exc:
            state, detail = UNKNOWN, f"not checked: {exc}"
        except Exception as exc:  # an emulator down is a status, never a crash
            state, detail = UNKNOWN, f"not checked: {type(exc).__name__}: {exc}"
        out.append(StepProbe(STEP_ID, layer, name, state, detail, kind))
    return out
