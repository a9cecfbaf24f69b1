"""Status of a cloud the sandbox provisions (Azure): its layers from the live azure_emulator.

A provisioned cloud has no Terraform state; the Status page shows what the provision record
names, looked up on the real Azure azure_emulator (Azurite, cosmosdb-server, the gateway).
"""

from __future__ import annotations

import warnings

import pytest
from azure.cosmos import CosmosClient, PartitionKey
from azure.storage.blob import BlobServiceClient
from helpers import edit_json

from dtwin_gui.clouds.azure.connection import sandbox_connection
from dtwin_gui.clouds.azure.provision import COSMOS_KEY, blob_connection_string
from dtwin_gui.deploy.orchestrator import Deployment
from dtwin_gui.deploy.provision_phase import save_state

#: The stores only: no Function App, IoT Hub, Digital Twins or Grafana in this twin.
STORES_ON_AZURE = {
    "layer_3_hot_provider": "azure",
    "layer_3_cold_provider": "azure",
    "layer_3_archive_provider": "azure",
}


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():  # cosmosdb-server's self-signed certificate
        warnings.simplefilter("ignore")
        yield


def _deployment(project, azure_emulator):
    edit_json(project / "config_providers.json", lambda d: d.update(STORES_ON_AZURE))
    return Deployment(project, sandbox_connection(azure_emulator.endpoints))


def _provision(connection) -> dict:
    cosmos = CosmosClient(connection.cosmos_url, credential=COSMOS_KEY, connection_verify=False)
    cosmos.create_database_if_not_exists("factory-twin").create_container_if_not_exists(
        "hot", partition_key=PartitionKey(path="/device_id"), default_ttl=5184000
    )
    blob = BlobServiceClient.from_connection_string(blob_connection_string(connection))
    for name in ("factory-twin-cold", "factory-twin-archive"):
        if not blob.get_container_client(name).exists():
            blob.create_container(name)
    return {
        "resource_group": "rg-factory-twin",
        "cosmos": {"database": "factory-twin", "container": "hot", "default_ttl": 5184000},
        "blob_containers": ["factory-twin-cold", "factory-twin-archive"],
        "function_apps": ["factory-twin-l3hot-fn-sbx", "factory-twin-l3cold-fn-sbx"],
    }


def test_azure_layers_are_not_deployed_without_a_provision_record(project, azure_emulator):
    report = _deployment(project, azure_emulator).status(probe=True)
    for layer in ("L3_hot", "L3_cold", "L3_archive"):
        assert (report.layers[layer].cloud, report.layers[layer].state) == ("azure", "not deployed")
    assert report.layers["L1"].state == "elsewhere"  # AWS, not connected here


def test_provisioned_stores_show_live_and_a_lost_one_makes_the_layer_partial(
    project, azure_emulator
):
    deployment = _deployment(project, azure_emulator)
    connection = deployment.connections["azure"]
    save_state(deployment.workspace, {"azure": _provision(connection)})

    report = deployment.status(probe=True)
    archive = report.layers["L3_archive"]
    assert archive.state == "deployed"
    assert [(r.kind, r.name, r.state, r.source) for r in archive.resources] == [
        ("Blob container", "factory-twin-archive", "present", "provisioned")
    ]
    hot = {r.kind: r for r in report.layers["L3_hot"].resources}
    assert hot["Cosmos container"].state == "present"
    assert hot["Cosmos container"].detail == "0 items, default TTL 5184000 s"

    BlobServiceClient.from_connection_string(blob_connection_string(connection)).delete_container(
        "factory-twin-archive"
    )
    report = deployment.status(probe=True)
    archive = report.layers["L3_archive"]
    assert (archive.state, archive.summary) == ("partial", "1 of 1 missing")
    assert archive.missing == [
        "Blob container factory-twin-archive (missing: no such container on Azurite)"
    ]
    assert report.incomplete

    # Without live lookups (the status saved after a deploy) the record is listed as it is.
    quick = deployment.status(probe=False)
    assert quick.layers["L3_archive"].state == "deployed"


def test_an_all_azure_twin_provisioned_for_real_shows_every_layer_live(project, azure_emulator):
    from dtwin_gui.clouds.azure.sandbox.client import SandboxAzure
    from dtwin_gui.deploy.build_phase import build_connected
    from dtwin_gui.deploy.provision_phase import run_provision

    edit_json(
        project / "config_providers.json",
        lambda d: d.update({k: "azure" for k in d if k.endswith("_provider")}),
    )
    deployment = Deployment(project, sandbox_connection(azure_emulator.endpoints))
    run_provision(deployment, list(build_connected(deployment)), {})

    report = deployment.status(probe=True)
    assert {layer: s.state for layer, s in report.layers.items()} == dict.fromkeys(
        ("L1", "L2", "L3_hot", "L3_cold", "L3_archive", "L4", "L5"), "deployed"
    )
    l2 = {r.kind: r.detail for r in report.layers["L2"].resources}
    assert l2 == {"Function App": "running, 7 functions"}
    grafana = report.layers["L5"].resources[0]
    assert (grafana.kind, grafana.detail[:17]) == ("Managed Grafana", "healthy (Grafana ")

    SandboxAzure(deployment.connections["azure"]).delete_app("factory-twin-l4-fn-sbx")
    l4 = deployment.status(probe=True).layers["L4"]
    assert (l4.state, l4.summary) == ("partial", "1 of 2 missing")
    assert l4.missing == [
        "Function App factory-twin-l4-fn-sbx (missing: not on the sandbox's Functions host)"
    ]
