"""The ``leftovers`` part: what of a twin is still on Azure, listed per service (after a destroy).

In the sandbox: the Cosmos databases (cosmosdb-server) and Blob containers (Azurite) named for
the twin, and the Function Apps, IoT Hubs, Digital Twins instances and Grafana instances the
sandbox's control API lists (``SandboxAzure.resources()``) whose names hold the twin's name.

On real Azure: everything in the twin's resource group (``rg-<twin>``, as
:mod:`dtwin_gui.core.resource_names` names it) and everything anywhere in the subscription
tagged ``dtwin-twin = <twin>`` (the tag the Terraform modules put on every resource), through
azure-mgmt-resource. A service that cannot be listed (the package missing, no permission) is
reported under ``"unlisted"`` with the reason, as on AWS, rather than silently skipped; the
sandbox, like AWS's, leaves out what its emulators cannot list.
"""

from __future__ import annotations

from collections.abc import Callable

#: The tag every Azure resource of a twin carries (clouds/azure/terraform.py).
TWIN_TAG = "dtwin-twin"
#: Resource types read as the services people know.
SERVICES = {
    "microsoft.web/sites": "function apps",
    "microsoft.web/serverfarms": "app service plans",
    "microsoft.documentdb/databaseaccounts": "cosmos",
    "microsoft.storage/storageaccounts": "storage",
    "microsoft.devices/iothubs": "iothub",
    "microsoft.digitaltwins/digitaltwinsinstances": "digital twins",
    "microsoft.dashboard/grafana": "grafana",
    "microsoft.eventgrid/systemtopics": "event grid",
    "microsoft.logic/workflows": "logic apps",
    "microsoft.insights/components": "application insights",
    "microsoft.operationalinsights/workspaces": "log analytics",
}
#: The sections of ``SandboxAzure.resources()`` and the service each is listed under.
SANDBOX_SECTIONS = {
    "apps": "function apps",
    "iothubs": "iothub",
    "digital_twins": "digital twins",
    "grafana": "grafana",
}


def resource_group(twin_name: str) -> str:
    """The twin's resource group, named once by the topology's naming rules."""
    from dtwin_gui.core.providers import SLOTS, Cloud
    from dtwin_gui.core.resource_names import RESOURCE_GROUP, derive_names

    names = derive_names(twin_name, dict.fromkeys(SLOTS, Cloud.AZURE), [])
    return next(n.name for n in names if n.key == RESOURCE_GROUP)


# --- the sandbox ----------------------------------------------------------------------------
def _cosmos_databases(connection, twin: str) -> list[str]:
    from dtwin_gui.clouds.azure.sandbox.endpoints import cosmos_client

    client = cosmos_client(connection)
    return [
        d["id"]
        for d in client.list_databases()
        if d["id"] == twin or d["id"].startswith(twin + "-")
    ]


def _blob_containers(connection, twin: str) -> list[str]:
    from azure.storage.blob import BlobServiceClient

    from dtwin_gui.clouds.azure.provision import blob_connection_string

    service = BlobServiceClient.from_connection_string(blob_connection_string(connection))
    return [c.name for c in service.list_containers() if c.name.startswith(twin + "-")]


def _sandbox(connection, twin: str, control) -> tuple[dict[str, list[str]], list[str]]:
    listers: dict[str, Callable[[], list[str]]] = {
        "cosmos": lambda: _cosmos_databases(connection, twin),
        "blob": lambda: _blob_containers(connection, twin),
    }
    found: dict[str, list[str]] = {}
    unlisted: list[str] = []
    for service, lister in listers.items():
        try:
            names = sorted(lister())
        except Exception as exc:  # an emulator that is not running is reported, never hidden
            unlisted.append(f"{service} ({type(exc).__name__})")
            continue
        if names:
            found[service] = names
    try:
        if control is None:
            from dtwin_gui.clouds.azure.sandbox.client import SandboxAzure

            control = SandboxAzure(connection, timeout_s=15)
        resources = control.resources() or {}
    except Exception as exc:
        unlisted.append(f"{', '.join(SANDBOX_SECTIONS.values())} ({type(exc).__name__})")
        return found, unlisted
    for section, service in SANDBOX_SECTIONS.items():
        names = sorted(n for n in (resources.get(section) or {}) if twin in n)
        if names:
            found.setdefault(service, []).extend(names)
    return found, unlisted


# --- real Azure -----------------------------------------------------------------------------
def _service(resource_type: str) -> str:
    return SERVICES.get(resource_type.lower(), resource_type)


def _real(connection, twin: str, client) -> tuple[dict[str, list[str]], list[str]]:
    if client is None:
        try:
            from azure.mgmt.resource import ResourceManagementClient
        except ImportError:
            return {}, ["azure resources (azure-mgmt-resource is not installed)"]
        client = ResourceManagementClient(connection.credential(), connection.subscription_id)
    found: dict[str, set[str]] = {}
    unlisted: list[str] = []
    group = resource_group(twin)
    try:
        if client.resource_groups.check_existence(group):
            found.setdefault("resource group", set()).add(group)
            for item in client.resources.list_by_resource_group(group):
                found.setdefault(_service(item.type), set()).add(item.name)
    except Exception as exc:  # azure-core raises many types; we report, never hide
        unlisted.append(f"resource group {group} ({type(exc).__name__})")
    try:
        tagged = client.resources.list(filter=f"tagName eq '{TWIN_TAG}' and tagValue eq '{twin}'")
        for item in tagged:
            found.setdefault(_service(item.type), set()).add(item.name)
    except Exception as exc:
        unlisted.append(f"resources tagged {TWIN_TAG}={twin} ({type(exc).__name__})")
    return {k: sorted(v) for k, v in found.items()}, unlisted


def find_leftovers(
    connection, twin_name: str, *, control=None, client=None
) -> dict[str, list[str]]:
    """``{service: [names]}`` of everything of ``twin_name`` that still exists on Azure.

    ``control``: the sandbox's control API client (default ``SandboxAzure(connection)``);
    ``client``: a ``ResourceManagementClient`` for real Azure (default: made from the
    connection's credential). What cannot be listed on real Azure is under ``"unlisted"``.
    """
    if connection.is_sandbox:
        found, unlisted = _sandbox(connection, twin_name, control)
    else:
        found, unlisted = _real(connection, twin_name, client)
    if unlisted and not connection.is_sandbox:
        found["unlisted"] = unlisted
    return found
