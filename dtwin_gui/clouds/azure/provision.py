"""The sandbox provisioner: the Azure intent created on the emulators (parts ``provision``
and ``deprovision``, called by :mod:`dtwin_gui.deploy.provision_phase`).

No azurerm provider can be installed here, so in the sandbox Azure is not applied by
Terraform: the same :func:`~dtwin_gui.clouds.azure.intent.azure_intent` the Terraform
fragment renders is created here — the Cosmos database and hot container with its default TTL
(cosmosdb-server), the cold and archive Blob containers (Azurite), and the Function Apps, IoT
Hub route, Digital Twins instance and Grafana behind the sandbox gateway. Every call converges:
what exists is left as it is, so provisioning again changes nothing.

The Function Apps, IoT Hub, ADT and Grafana need the sandbox gateway and Functions host
(``clouds/azure/sandbox``); until it is there they are recorded as ``pending`` with a warning
and the plugin stays not deployable.
"""

from __future__ import annotations

import secrets as _secrets
from collections.abc import Mapping
from typing import Any

#: Azurite's well-known development account (documented by Microsoft, not a secret).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
#: cosmosdb-server takes any base64 key.
COSMOS_KEY = "ZHR3aW4tc2FuZGJveA=="
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
    from azure.cosmos import CosmosClient

    return CosmosClient(connection.cosmos_url, credential=COSMOS_KEY, connection_verify=False)


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


# --- provision ------------------------------------------------------------------------------
def provision(ctx, saved: Mapping[str, Any]) -> dict:
    """Create the intent on the emulators; returns the record ``deprovision`` undoes."""
    intent = sandbox_intent(ctx)
    record: dict[str, Any] = {"resource_group": intent.resource_group}
    if intent.cosmos is not None:
        record["cosmos"] = ensure_cosmos(ctx, intent.cosmos)
    record["blob_containers"] = [ensure_container(ctx, c.name) for c in intent.blob_containers]
    # the sandbox's functions keys (the record is 0600 in the workspace, as Azure keeps them)
    keys = {a.layer: (saved.get("functions_keys") or {}).get(a.layer) for a in intent.function_apps}
    keys = {layer: key or _secrets.token_urlsafe(24) for layer, key in keys.items()}
    record["functions_keys"] = keys
    for app in intent.function_apps:
        app_settings(ctx, app, intent, keys)  # every placeholder resolves (the host gets these)
    record["function_apps"] = [app.name for app in intent.function_apps]
    pending = [app.name for app in intent.function_apps]
    for what in ("iothub", "digital_twins", "grafana"):
        item = getattr(intent, what)
        if item is not None:
            record[what] = item.name
            pending.append(f"{what} {item.name}")
    if pending:
        record["pending"] = pending
        ctx.log(
            "warning",
            "not provisioned yet (the sandbox's Azure gateway and Functions host are not in "
            f"this version): {', '.join(pending)}",
        )
    return record


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
    """Remove what :func:`provision` made; returns what is still there."""
    from azure.core.exceptions import ResourceNotFoundError

    left: list[str] = []
    cosmos = saved.get("cosmos")
    if cosmos:
        try:
            _cosmos(ctx.connection).delete_database(cosmos["database"])
        except ResourceNotFoundError:
            pass
        except Exception as exc:
            left.append(f"Cosmos database {cosmos['database']}: {type(exc).__name__}: {exc}")
    service = _blob_service(ctx.connection) if saved.get("blob_containers") else None
    for name in saved.get("blob_containers") or []:
        try:
            service.delete_container(name)
        except ResourceNotFoundError:
            pass
        except Exception as exc:
            left.append(f"Blob container {name}: {type(exc).__name__}: {exc}")
    return left


def leftovers(connection, twin_name: str) -> dict[str, list[str]]:
    """What of the twin is still on the emulators (databases and containers by its name)."""
    out: dict[str, list[str]] = {}
    try:
        dbs = [d["id"] for d in _cosmos(connection).list_databases()]
        mine = [d for d in dbs if d == twin_name or d.startswith(twin_name + "-")]
        if mine:
            out["cosmos"] = mine
    except Exception:
        pass
    try:
        names = [c.name for c in _blob_service(connection).list_containers()]
        mine = [n for n in names if n.startswith(twin_name + "-")]
        if mine:
            out["blob"] = mine
    except Exception:
        pass
    return out
