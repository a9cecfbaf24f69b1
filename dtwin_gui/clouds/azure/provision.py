"""The sandbox provisioner: the Azure intent created on the emulators (parts ``provision``
and ``deprovision``, called by :mod:`dtwin_gui.deploy.provision_phase`).

No azurerm provider can be installed here, so in the sandbox Azure is not applied by
Terraform: the same :func:`~dtwin_gui.clouds.azure.intent.azure_intent` the Terraform
fragment renders is created here — the Cosmos database and hot container with its default TTL
(cosmosdb-server), the cold and archive Blob containers (Azurite), and the Function Apps, IoT
Hub route, Digital Twins instance and Grafana behind the sandbox gateway. Every call converges:
what exists is left as it is, so provisioning again changes nothing.

The Function Apps, the IoT Hub (with its Event Grid route to the dispatcher), Digital Twins
and Grafana are made through the sandbox's control API (``sandbox/client.py``): the apps run
in the sandbox's Functions host with their settings as environment, never in a file.
"""

from __future__ import annotations

import secrets as _secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from dtwin_gui.clouds.azure.sandbox import endpoints as sandbox_endpoints

#: Azurite's well-known development account (documented by Microsoft, not a secret).
AZURITE_ACCOUNT = sandbox_endpoints.AZURITE_ACCOUNT
AZURITE_KEY = sandbox_endpoints.AZURITE_KEY
#: cosmosdb-server takes any base64 key: the one the sandbox's clients use too.
COSMOS_KEY = sandbox_endpoints.COSMOS_KEY
#: The unique-name suffix of sandbox names (the emulators are per user, names need no salt).
SANDBOX_SUFFIX = "sbx"


# --- clients --------------------------------------------------------------------------------
def blob_connection_string(connection) -> str:
    url = connection.blob_url.rstrip("/")
    if not url.endswith("/" + AZURITE_ACCOUNT):
        url = f"{url}/{AZURITE_ACCOUNT}"
    return (
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};"
        f"AccountKey={AZURITE_KEY};BlobEndpoint={url};"
    )


def _blob_service(connection):
    from azure.storage.blob import BlobServiceClient

    return BlobServiceClient.from_connection_string(blob_connection_string(connection))


def _cosmos(connection):
    from dtwin_gui.clouds.azure.sandbox.endpoints import cosmos_client

    return cosmos_client(connection)


# --- the intent -----------------------------------------------------------------------------
def sandbox_intent(ctx):
    """The deployment's Azure intent with the sandbox gateway's app URLs."""
    from dtwin_gui.clouds.azure.intent import azure_intent

    gateway = ctx.connection.gateway_url.rstrip("/")
    return azure_intent(
        ctx.project,
        ctx.topology,
        ctx.builds,
        _glue_urls(ctx),
        suffix=SANDBOX_SUFFIX,
        location=ctx.connection.location,
        app_url=lambda app: f"{gateway}/{app}",
    )


def _glue_urls(ctx) -> dict[str, str]:
    """Receiver URLs on the Terraform clouds, from the root's outputs
    (``<boundary>_receiver_url``, e.g. ``l2_l3hot_writer_receiver_url``)."""
    outputs = ctx.outputs or {}
    urls = {}
    for boundary in ctx.topology.boundaries:
        value = outputs.get(boundary.name.replace("-", "_") + "_receiver_url")
        if isinstance(value, str) and value:
            urls[boundary.name] = value
    return urls


def receiver_urls(ctx) -> dict[str, str]:
    """``{boundary: url}`` of the glue receivers Azure hosts in the sandbox; known before
    any apply (the gateway's URLs are deterministic), so a Terraform cloud's senders get them
    as ``TF_VAR_glue_<boundary>_url``."""
    return dict(sandbox_intent(ctx).receiver_urls)


# --- app settings ---------------------------------------------------------------------------
def app_settings(ctx, app, intent, functions_keys: Mapping[str, str]) -> dict[str, str]:
    """An app's settings as the sandbox's Functions host gets them (its process environment,
    never a file): the intent's placeholders resolved — glue secrets from the deployment's
    secret store, receiver URLs from the Terraform outputs, each layer's functions key, the
    ADT URL behind the gateway — plus the emulators' endpoints (Cosmos key, Azurite)."""
    from dtwin_gui.clouds.azure.intent import Deferred, GlueUrl, SecretRef

    gateway = ctx.connection.gateway_url.rstrip("/")
    glue = _glue_urls(ctx)
    store = None
    out: dict[str, str] = {}
    for name, value in app.app_settings.items():
        if isinstance(value, SecretRef):
            store = store or ctx.glue_secrets()
            secret = store.get(value.boundary) or (store.ensure() and store.get(value.boundary))
            chosen = secret.current if value.kind == "secret" else secret.previous
            if chosen:
                out[name] = chosen
        elif isinstance(value, GlueUrl):
            if value.boundary not in glue:
                raise ValueError(f"{app.name}: no receiver URL for {value.boundary} yet")
            out[name] = glue[value.boundary]
        elif isinstance(value, Deferred) and value.what == "functions_key":
            out[name] = functions_keys[str(value.subject)]
        elif isinstance(value, Deferred) and value.what == "adt_url":
            adt = intent.digital_twins.name if intent.digital_twins else ""
            out[name] = f"{gateway}/adt/{adt}"
        else:
            out[name] = str(value)
    if intent.cosmos is not None and any(k.startswith("DTWIN_COSMOS") for k in out):
        out.update(
            DTWIN_COSMOS_ENDPOINT=ctx.connection.cosmos_url,
            DTWIN_COSMOS_KEY=COSMOS_KEY,
            DTWIN_COSMOS_VERIFY="false",
        )
    if "DTWIN_BLOB_ACCOUNT_URL" in out:
        out.pop("DTWIN_BLOB_ACCOUNT_URL")
        out["DTWIN_BLOB_CONNECTION"] = blob_connection_string(ctx.connection)
    out[f"DTWIN_FUNCTIONS_KEY_{app.layer.upper()}"] = functions_keys[app.layer]
    return out


# --- the record, now -------------------------------------------------------------------------
def current_record(record: Mapping[str, Any], connection) -> dict:
    """``record`` with the gateway URLs it holds on the sandbox's gateway as it is now (a
    restarted sandbox listens on new ports) and the connection's certificate: what a status,
    a query or the SDK steps reach, instead of a port nobody listens on any more."""
    old = urlsplit(str(record.get("gateway") or _first_gateway_url(record))).netloc
    new = urlsplit(connection.gateway_url or "").netloc
    if not old or not new or old == new:
        return {**record, "ca": connection.ca_path or record.get("ca", "")}

    def rebase(value):
        if isinstance(value, str):
            return value.replace(old, new)
        if isinstance(value, Mapping):
            return {k: rebase(v) for k, v in value.items()}
        if isinstance(value, list):
            return [rebase(v) for v in value]
        return value

    return {**rebase(dict(record)), "ca": connection.ca_path or record.get("ca", "")}


def _first_gateway_url(record: Mapping[str, Any]) -> str:
    for what in ("iothub", "digital_twins", "grafana"):
        entry = record.get(what)
        if isinstance(entry, Mapping) and isinstance(entry.get("url"), str):
            return entry["url"]
    return ""


# --- provision ------------------------------------------------------------------------------
def provision(ctx, saved: Mapping[str, Any]) -> dict:
    """Create the intent on the emulators; returns the record ``deprovision`` undoes."""
    from dtwin_gui.clouds.azure.sandbox.client import SandboxAzure

    intent = sandbox_intent(ctx)
    control = SandboxAzure(ctx.connection)
    made = _Made(ctx, saved)
    record: dict[str, Any] = {
        "resource_group": intent.resource_group,
        "ca": ctx.connection.ca_path,
        "gateway": ctx.connection.gateway_url,
    }
    if intent.cosmos is not None:
        name = intent.cosmos.container
        record["cosmos"] = made(
            "L3_hot", "cosmos-container", name, "cosmos", lambda: ensure_cosmos(ctx, intent.cosmos)
        )
    record["blob_containers"] = [
        made(
            c.layer,
            "blob-container",
            c.name,
            "blob_containers",
            lambda c=c: ensure_container(ctx, c.name),
        )
        for c in intent.blob_containers
    ]
    # the sandbox's functions keys (the record is 0600 in the workspace, as Azure keeps them)
    keys = {a.layer: (saved.get("functions_keys") or {}).get(a.layer) for a in intent.function_apps}
    keys = {layer: key or _secrets.token_urlsafe(24) for layer, key in keys.items()}
    record["functions_keys"] = keys
    hub = None
    if intent.iothub is not None:
        route = _dispatcher_route(intent)
        hub = made(
            "L1",
            "iothub",
            intent.iothub.name,
            "iothub",
            lambda: control.put_iothub(intent.iothub.name, route),
        )
        record["iothub"] = {k: hub[k] for k in ("name", "host", "url", "connection_string")}
        ctx.log("info", f"IoT Hub {intent.iothub.name} ready, routing telemetry to {route}")
    for what, layer, put in (
        ("digital_twins", "L4", control.put_digital_twins),
        ("grafana", "L5", control.put_grafana),
    ):
        item = getattr(intent, what)
        if item is not None:
            answer = made(
                layer,
                what.replace("_", "-"),
                item.name,
                what,
                lambda put=put, item=item: put(item.name),
            )
            record[what] = {"name": item.name, "url": answer["url"]}
            ctx.log(
                "info", f"{what.replace('_', ' ').title()} {item.name} ready at {answer['url']}"
            )
    for app in intent.function_apps:
        if not app.package:
            raise ValueError(f"Function App {app.name} has no package: build the project first")
        settings = app_settings(ctx, app, intent, keys)
        settings.update(_sandbox_settings(ctx, settings, hub))
        hosted = made(
            app.layer,
            "function-app",
            app.name,
            "function_apps",
            lambda app=app, settings=settings: control.put_app(
                app.name, app.layer, app.package, settings
            ),
        )
        names = ", ".join(f["name"] for f in hosted.get("functions") or [])
        ctx.log("info", f"Function App {app.name} runs in the sandbox: {names}")
    record["function_apps"] = [app.name for app in intent.function_apps]
    return record


class _Made:
    """Makes one object with its events: creating → created, or updating → updated when the
    last provision recorded it (the call converges either way)."""

    def __init__(self, ctx, saved: Mapping[str, Any]) -> None:
        self.ctx, self.saved = ctx, saved

    def _recorded(self, field: str, name: str) -> bool:
        value = self.saved.get(field)
        if isinstance(value, list):
            return name in value
        if isinstance(value, Mapping):
            return name in (value.get("name"), value.get("container"))
        return False

    def __call__(self, layer: str, kind: str, name: str, field: str, make):
        action = "update" if self._recorded(field, name) else "create"
        emit = getattr(self.ctx, "resource", None) or (lambda *a: None)
        emit(layer, kind, name, action, f"{action[:-1]}ing")
        try:
            result = make()
        except Exception:
            emit(layer, kind, name, action, "failed")
            raise
        emit(layer, kind, name, action, f"{action}d")
        return result


def _dispatcher_route(intent) -> tuple[str, str] | None:
    """``(app, function)`` IoT Hub's Event Grid subscription delivers telemetry to."""
    app = next((a for a in intent.function_apps if a.name == intent.iothub.route_to_app), None)
    function = app.function(intent.iothub.route_to_function) if app else None
    return (app.name, function.name) if function else None


def _sandbox_settings(ctx, settings: Mapping[str, str], hub: Mapping | None) -> dict[str, str]:
    """What an app reaches differently in the sandbox: the gateway's certificate, the hub's
    service API behind the gateway (a SAS key instead of the app's identity), a static bearer
    for Digital Twins (the sandbox has no Entra ID)."""
    out = {"DTWIN_CA_BUNDLE": ctx.connection.ca_path} if ctx.connection.ca_path else {}
    if "DTWIN_IOT_ENDPOINT" in settings and hub is not None:
        out.update(
            DTWIN_IOT_ENDPOINT=hub["url"],
            DTWIN_IOT_SAS_KEY=hub["service_key"],
            DTWIN_IOT_SAS_POLICY=hub["service_policy"],
        )
    if "DTWIN_ADT_URL" in settings:
        out["DTWIN_AZURE_STATIC_TOKEN"] = "dtwin-sandbox"
    return out


def ensure_cosmos(ctx, cosmos) -> dict:
    """The database and the hot container (partition key, default TTL), made or corrected."""
    from azure.cosmos import PartitionKey

    client = _cosmos(ctx.connection)
    database = client.create_database_if_not_exists(cosmos.database)
    ttl = cosmos.default_ttl_seconds or None
    container = database.create_container_if_not_exists(
        cosmos.container, partition_key=PartitionKey(path=cosmos.partition_key), default_ttl=ttl
    )
    props = container.read()
    if ttl is not None and props.get("defaultTtl") != ttl:
        database.replace_container(
            cosmos.container, partition_key=PartitionKey(path=cosmos.partition_key), default_ttl=ttl
        )
        ctx.log("info", f"Cosmos container {cosmos.container}: default TTL set to {ttl} s")
    return {"database": cosmos.database, "container": cosmos.container, "default_ttl": ttl}


def ensure_container(ctx, name: str) -> str:
    from azure.core.exceptions import ResourceExistsError

    try:
        _blob_service(ctx.connection).create_container(name)
        ctx.log("info", f"Blob container {name} created")
    except ResourceExistsError:
        pass
    return name


# --- deprovision ----------------------------------------------------------------------------
def deprovision(ctx, saved: Mapping[str, Any]) -> list[str]:
    """Remove what :func:`provision` made, by the record and by the names the intent gives
    (a provision cut short made some without recording them); returns what is still there."""
    from azure.core.exceptions import ResourceNotFoundError

    named = _named(ctx)
    left: list[str] = _deprovision_control(ctx, saved, named)
    databases = {
        (entry or {}).get("database") for entry in (saved.get("cosmos"), named.get("cosmos"))
    } - {None}
    for database in sorted(databases):
        try:
            _cosmos(ctx.connection).delete_database(database)
        except ResourceNotFoundError:
            pass
        except Exception as exc:
            left.append(f"Cosmos database {database}: {type(exc).__name__}: {exc}")
    containers = sorted({*(saved.get("blob_containers") or []), *named.get("blob_containers", [])})
    service = _blob_service(ctx.connection) if containers else None
    for name in containers:
        try:
            service.delete_container(name)
        except ResourceNotFoundError:
            pass
        except Exception as exc:
            left.append(f"Blob container {name}: {type(exc).__name__}: {exc}")
    return left


def _named(ctx) -> dict:
    """The names the deployment's Azure intent gives (empty when it cannot be computed)."""
    try:
        intent = sandbox_intent(ctx)
    except Exception:  # an unreadable project: the record alone says what was made
        return {}
    out: dict = {
        "function_apps": [a.name for a in intent.function_apps],
        "blob_containers": [c.name for c in intent.blob_containers],
    }
    for what in ("iothub", "digital_twins", "grafana"):
        item = getattr(intent, what)
        if item is not None:
            out[what] = item.name
    if intent.cosmos is not None:
        out["cosmos"] = {"database": intent.cosmos.database}
    return out


def _deprovision_control(ctx, saved: Mapping[str, Any], named: Mapping[str, Any]) -> list[str]:
    """Stop the Function Apps, then remove the hub, Digital Twins and Grafana instances."""
    from dtwin_gui.clouds.azure.sandbox.client import SandboxAzure, SandboxAzureError

    control = SandboxAzure(ctx.connection)
    left: list[str] = []
    apps = sorted({*(saved.get("function_apps") or []), *named.get("function_apps", [])})
    removals = [(f"Function App {n}", control.delete_app, n) for n in apps]
    for what, remove in (
        ("iothub", control.delete_iothub),
        ("digital_twins", control.delete_digital_twins),
        ("grafana", control.delete_grafana),
    ):
        item = saved.get(what)
        recorded = item.get("name") if isinstance(item, Mapping) else item
        for name in sorted({n for n in (recorded, named.get(what)) if n}):
            removals.append((f"{what.replace('_', ' ')} {name}", remove, name))
    for label, remove, name in removals:
        try:
            remove(name)
        except SandboxAzureError as exc:
            if "HTTP 404" not in str(exc):
                left.append(f"{label}: {exc}")
    return left
