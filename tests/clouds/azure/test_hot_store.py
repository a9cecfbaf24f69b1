"""``dtwin query`` on Azure: the records come back through the deployed hot reader Function
App, run by the sandbox's Functions host behind the HTTPS gateway, from the real Cosmos
emulator; a twin with a reader on another cloud is queried with signed hot-query envelopes."""

from __future__ import annotations

import json

import pytest
from azure.cosmos import CosmosClient

from dtwin_gui.clouds.azure.connection import sandbox_connection
from dtwin_gui.clouds.azure.provision import COSMOS_KEY
from dtwin_gui.deploy.build_phase import build_connected
from dtwin_gui.deploy.orchestrator import Deployment
from dtwin_gui.deploy.provision_phase import load_state, run_provision, save_state
from dtwin_gui.deploy.query import QueryError, query_hot
from dtwin_gui.runtime.azure.stores import CosmosHotStore

DEVICES = ("temperature-sensor-1", "temperature-sensor-2")


def _deploy(project, azure_emulator, providers: dict, outputs=None) -> Deployment:
    path = project / "config_providers.json"
    config = json.loads(path.read_text())
    config.update(providers)
    path.write_text(json.dumps(config))
    deployment = Deployment(project, sandbox_connection(azure_emulator.endpoints))
    run_provision(deployment, list(build_connected(deployment)), outputs or {})
    return deployment


def _all_azure():
    return {
        f"layer_{n}_provider": "azure" for n in ("1", "2", "3_hot", "3_cold", "3_archive", "4", "5")
    }


def _hot(azure_emulator):
    connection = sandbox_connection(azure_emulator.endpoints)
    cosmos = CosmosClient(connection.cosmos_url, credential=COSMOS_KEY, connection_verify=False)
    container = cosmos.get_database_client("factory-twin").get_container_client("hot")
    for item in list(container.query_items("SELECT * FROM c", enable_cross_partition_query=True)):
        container.delete_item(item["id"], partition_key=item["device_id"])
    return CosmosHotStore(container)


def _fill(store, count: int) -> None:
    for i in range(count):
        for n, device in enumerate(DEVICES):
            store.put(
                {
                    "device_id": device,
                    "timestamp": f"2026-12-01T10:{i // 60:02d}:{i % 60:02d}.{n:03d}Z",
                    "temperature": 20 + i,
                }
            )


def test_query_reads_the_hot_store_through_the_deployed_reader(project, azure_emulator):
    deployment = _deploy(project, azure_emulator, _all_azure())
    _fill(_hot(azure_emulator), 6)
    connection = deployment.connections["azure"]

    result = query_hot(project, connection, limit=3)
    assert [(r["device_id"], r["temperature"]) for r in result.records] == [
        ("temperature-sensor-2", 25),
        ("temperature-sensor-1", 25),
        ("temperature-sensor-2", 24),
    ]
    assert result.source.via == "functions-key"
    assert result.source.url.endswith("/factory-twin-l3hot-fn-sbx/api/hot-reader")

    since = query_hot(
        project, connection, device="temperature-sensor-1", since="2026-12-01T10:00:04Z"
    )
    assert [r["temperature"] for r in since.records] == [25, 24]


def test_a_wrong_functions_key_or_a_twin_never_deployed_says_what_to_do(project, azure_emulator):
    deployment = _deploy(project, azure_emulator, _all_azure())
    record = load_state(deployment.workspace)
    record["azure"]["functions_keys"]["L3_hot"] = "not-the-key"
    save_state(deployment.workspace, record)
    with pytest.raises(QueryError, match="refused the functions key") as refused:
        query_hot(project, deployment.connections["azure"])
    assert "deploy the twin again" in refused.value.hint
    save_state(deployment.workspace, {})
    with pytest.raises(QueryError, match="nothing deployed") as never:
        query_hot(project, deployment.connections["azure"])
    assert "dtwin deploy" in never.value.hint


def test_with_a_reader_on_another_cloud_every_query_is_signed(project, azure_emulator):
    # L4 and L5 on AWS read L3 hot on Azure: the reader's route is open, queries are signed.
    providers = {**_all_azure(), "layer_4_provider": "aws", "layer_5_provider": "aws"}
    twin_update = {"l2_l4_twin_update_receiver_url": "https://127.0.0.1:9/twin-update"}
    deployment = _deploy(project, azure_emulator, providers, twin_update)
    _fill(_hot(azure_emulator), 2)
    connection = deployment.connections["azure"]
    result = query_hot(project, connection, device="temperature-sensor-2")
    assert [r["temperature"] for r in result.records] == [21, 20]
    assert result.source.via == "signed-url"
    with pytest.raises(QueryError, match=r"refused the query \(401\)"):
        query_hot(project, connection, secret="a-secret-that-is-not-the-one")
