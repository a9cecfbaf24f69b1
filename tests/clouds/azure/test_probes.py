"""The Azure ``probe_provisioned`` part: what the sandbox provisioned, looked up live.

Cosmos and Blob are the real azure_emulator (cosmosdb-server, Azurite); the Function Apps, IoT
Hub, Digital Twins and Grafana are asked of the control API through a stand-in with the
documented ``resources()`` shape, and Grafana's health over the real gateway.
"""

from __future__ import annotations

import warnings

import pytest
from azure.cosmos import CosmosClient, PartitionKey
from azure.storage.blob import BlobServiceClient, StandardBlobTier
from helpers import edit_json

from dtwin_gui.clouds.azure.connection import sandbox_connection
from dtwin_gui.clouds.azure.probes import probe_provisioned
from dtwin_gui.clouds.azure.provision import COSMOS_KEY, blob_connection_string
from dtwin_gui.clouds.azure.sandbox.grafana import GrafanaEmulation
from dtwin_gui.core.project import load_project
from dtwin_gui.core.topology import topology_for_project

ALL_AZURE = {
    f"layer_{n}_provider": "azure" for n in ("1", "2", "3_hot", "3_cold", "3_archive", "4", "5")
}
APPS = ("l1", "l2", "l3hot", "l3cold", "l4")


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():  # cosmosdb-server's self-signed certificate
        warnings.simplefilter("ignore")
        yield


class Control:
    """The sandbox's control API as the probes ask it (``resources()`` only)."""

    def __init__(self, resources: dict | Exception) -> None:
        self.answer = resources

    def resources(self) -> dict:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def all_azure(project):
    edit_json(project / "config_providers.json", lambda d: d.update(ALL_AZURE))
    return topology_for_project(load_project(project))


def provision_stores(connection, items: int = 2) -> dict:
    """The record the provisioner writes, with the stores really made on the azure_emulator."""
    cosmos = CosmosClient(connection.cosmos_url, credential=COSMOS_KEY, connection_verify=False)
    database = cosmos.create_database_if_not_exists("factory-twin")
    hot = database.create_container_if_not_exists(
        "hot", partition_key=PartitionKey(path="/device_id"), default_ttl=5184000
    )
    for i in range(items):
        hot.upsert_item({"id": f"r{i}", "device_id": "temperature-sensor-1"})
    blob = BlobServiceClient.from_connection_string(blob_connection_string(connection))
    for name in ("factory-twin-cold", "factory-twin-archive"):
        if not blob.get_container_client(name).exists():
            blob.create_container(name)
    return {
        "resource_group": "rg-factory-twin",
        "cosmos": {"database": "factory-twin", "container": "hot", "default_ttl": 5184000},
        "blob_containers": ["factory-twin-cold", "factory-twin-archive"],
        "function_apps": [f"factory-twin-{a}-fn-sbx" for a in APPS],
        "iothub": {"name": "factory-twin-iothub-sbx"},
        "digital_twins": {"name": "factory-twin-adt"},
        "grafana": {"name": "factory-twin-grafana"},
    }


def resources(**changes) -> dict:
    apps = {
        f"factory-twin-{a}-fn-sbx": {
            "layer": a,
            "state": "running",
            "functions": [{}],
            "detail": "",
        }
        for a in APPS
    }
    found = {
        "apps": apps,
        "iothubs": {"factory-twin-iothub-sbx": {"devices": 3, "routed": True}},
        "digital_twins": {"factory-twin-adt": {"models": 2, "twins": 3, "relationships": 2}},
        "grafana": {"factory-twin-grafana": {"datasources": 1, "dashboards": 1}},
    }
    found.update(changes)
    return found


def by_kind(probes):
    return {(p.layer, p.kind, p.name): (p.state, p.detail) for p in probes}


def test_every_azure_layer_is_probed_in_its_layer(azure_emulator, project):
    connection = sandbox_connection(azure_emulator.endpoints)
    record = provision_stores(connection, items=2)
    grafana = GrafanaEmulation("factory-twin-grafana")
    azure_emulator.details["gateway"].add_route(grafana)
    blob = BlobServiceClient.from_connection_string(blob_connection_string(connection))
    cold = blob.get_container_client("factory-twin-cold")
    cold.upload_blob("a.jsonl", b"{}", overwrite=True, standard_blob_tier=StandardBlobTier.COOL)
    cold.upload_blob("b.jsonl", b"{}", overwrite=True, standard_blob_tier=StandardBlobTier.COOL)
    cold.upload_blob("c.jsonl", b"{}", overwrite=True, standard_blob_tier=StandardBlobTier.ARCHIVE)
    try:
        found = by_kind(
            probe_provisioned(connection, record, all_azure(project), control=Control(resources()))
        )
    finally:
        azure_emulator.details["gateway"].remove_route(grafana)
    assert found[("L3_hot", "cosmos-container", "factory-twin/hot")] == (
        "present",
        "2 items, default TTL 5184000 s",
    )
    assert found[("L3_cold", "blob-container", "factory-twin-cold")] == (
        "present",
        "3 blobs (1 Archive, 2 Cool)",
    )
    assert found[("L3_archive", "blob-container", "factory-twin-archive")] == ("present", "empty")
    assert found[("L1", "iothub", "factory-twin-iothub-sbx")] == ("present", "3 devices, routed")
    assert found[("L4", "digital-twins", "factory-twin-adt")][1] == (
        "3 twins, 2 models, 2 relationships"
    )
    state, detail = found[("L5", "grafana", "factory-twin-grafana")]
    assert state == "present" and detail.startswith("healthy (Grafana 11")
    apps = {k: v for k, v in found.items() if k[1] == "function-app"}
    assert [k[0] for k in apps] == ["L1", "L2", "L3_hot", "L3_cold", "L4"]
    assert all(v == ("present", "running, 1 function") for v in apps.values())


def test_what_is_gone_or_broken_says_so(azure_emulator, project):
    connection = sandbox_connection(azure_emulator.endpoints)
    record = provision_stores(connection)
    CosmosClient(
        connection.cosmos_url, credential=COSMOS_KEY, connection_verify=False
    ).delete_database("factory-twin")
    BlobServiceClient.from_connection_string(blob_connection_string(connection)).delete_container(
        "factory-twin-archive"
    )
    broken = resources(iothubs={}, grafana={})
    broken["apps"]["factory-twin-l2-fn-sbx"].update(state="failed", detail="import error")
    del broken["apps"]["factory-twin-l4-fn-sbx"]
    found = by_kind(
        probe_provisioned(connection, record, all_azure(project), control=Control(broken))
    )
    assert found[("L3_hot", "cosmos-container", "factory-twin/hot")][0] == "missing"
    assert found[("L3_archive", "blob-container", "factory-twin-archive")][0] == "missing"
    assert found[("L3_cold", "blob-container", "factory-twin-cold")][0] == "present"
    assert found[("L1", "iothub", "factory-twin-iothub-sbx")][0] == "missing"
    assert found[("L5", "grafana", "factory-twin-grafana")][0] == "missing"
    assert found[("L2", "function-app", "factory-twin-l2-fn-sbx")] == (
        "error",
        "failed, 1 function: import error",
    )
    assert found[("L4", "function-app", "factory-twin-l4-fn-sbx")][0] == "missing"


def test_an_unreachable_control_api_is_not_checked_and_the_stores_still_are(
    azure_emulator, project
):
    connection = sandbox_connection(azure_emulator.endpoints)
    record = provision_stores(connection, items=1)
    down = Control(RuntimeError("the sandbox's Azure emulator did not answer"))
    found = by_kind(probe_provisioned(connection, record, all_azure(project), control=down))
    assert found[("L3_hot", "cosmos-container", "factory-twin/hot")][0] == "present"
    app = found[("L1", "function-app", "factory-twin-l1-fn-sbx")]
    assert app == ("error", "not checked: the sandbox's Azure emulator did not answer")


def test_without_live_lookups_the_record_is_listed(project):
    connection = sandbox_connection({"azure": "https://127.0.0.1:9"})
    record = {"cosmos": {"database": "factory-twin", "container": "hot"}, "function_apps": []}
    probes = probe_provisioned(connection, record, all_azure(project), live=False)
    assert [(p.layer, p.kind, p.state) for p in probes] == [
        ("L3_hot", "cosmos-container", "present")
    ]


def test_real_azure_is_not_probed_from_a_record(project):
    from dtwin_gui.clouds.azure.connection import AzureConnection

    assert (
        probe_provisioned(AzureConnection("azure", "sub"), {"cosmos": {}}, all_azure(project)) == []
    )
