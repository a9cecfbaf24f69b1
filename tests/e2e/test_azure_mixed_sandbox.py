"""AWS and Azure in one twin on the sandbox: the signed glue carries the data both ways.

- L1 on AWS, L2–L5 on Azure: IoT Core → the dispatcher Lambda → its connector → the Azure
  ingestion receiver (HTTPS through the Azure gateway, whose certificate the AWS functions
  trust) → processors → Cosmos; `dtwin query` through the Azure hot reader; the twins on
  Azure Digital Twins.
- L1–L2 on Azure, L3–L5 on AWS: IoT Hub → the dispatcher → processors → the persister's
  glue sender → the AWS hot writer → DynamoDB; `dtwin query` through the AWS hot reader.

Terraform applies the AWS part against moto while Azure is provisioned on its emulators, in
one deploy; each destroy leaves nothing on either cloud.
"""

from __future__ import annotations

import shutil

import pytest

from dtwin_gui.clouds import plugin
from dtwin_gui.clouds.base import SANDBOX, Connections
from dtwin_gui.core.providers import Cloud
from tests.e2e.test_azure_sandbox import TWIN, all_on
from tests.helpers import wait_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.e2e,
    pytest.mark.filterwarnings(
        "ignore:Unverified HTTPS request:urllib3.exceptions.InsecureRequestWarning"
    ),
]


@pytest.fixture(scope="module")
def clouds(tmp_path_factory):
    """Emulated Azure and AWS in this process, as the sandbox daemon runs them."""
    from dtwin_gui.clouds.aws.connection import sandbox_target
    from dtwin_gui.clouds.aws.sandbox.emulator import AwsEmulator
    from dtwin_gui.clouds.azure.sandbox.spec import start

    azure = start(tmp_path_factory.mktemp("azure-emulators"))
    try:
        with AwsEmulator(workdir=tmp_path_factory.mktemp("aws-functions")) as aws:
            connections = Connections(
                SANDBOX,
                {
                    Cloud.AWS: sandbox_target(aws.endpoint, aws.region),
                    Cloud.AZURE: plugin(Cloud.AZURE).sandbox_connection(azure.endpoints, ""),
                },
            )
            yield aws, connections
    finally:
        azure.stop()


def _project(tmp_path, **layers):
    from tests.conftest import TEMPLATE

    project = tmp_path / "project"
    shutil.copytree(TEMPLATE, project)
    all_on(project, "azure", **layers)
    return project


def _deploy(project, connections):
    from dtwin_gui.deploy.orchestrator import Deployment

    result = Deployment(project, connections).deploy()
    assert result.status == "succeeded", (result.message, result.log_path.read_text()[-4000:])
    return Deployment(project, connections)


def _destroy_leaves_nothing(deployment, connections):
    from dtwin_gui.clouds.aws.leftovers import find_leftovers as aws_leftovers
    from dtwin_gui.clouds.azure.leftovers import find_leftovers as azure_leftovers

    gone = deployment.destroy()
    assert gone.status == "succeeded", (gone.message, gone.log_path.read_text()[-3000:])
    assert azure_leftovers(connections[Cloud.AZURE], TWIN) == {}
    assert aws_leftovers(connections[Cloud.AWS], TWIN) == {}


def _sent_keys(sent):
    return {(s.device_id, s.timestamp) for s in sent.sent}


def test_l1_on_aws_sends_across_the_glue_to_l2_to_l5_on_azure(clouds, tmp_path):
    from dtwin_gui.clouds.azure.provision import _cosmos
    from dtwin_gui.deploy.query import query_hot
    from dtwin_gui.deploy.simulate import simulate

    _, connections = clouds
    project = _project(tmp_path, layer_1="aws")
    deployment = _deploy(project, connections)
    report = deployment.status()
    assert {k: v.state for k, v in report.layers.items()} == dict.fromkeys(
        report.layers, "deployed"
    ), {k: v.missing for k, v in report.layers.items()}

    sent = simulate(project, connections)
    hot = _cosmos(connections[Cloud.AZURE]).get_database_client(TWIN).get_container_client("hot")

    def stored():
        items = list(hot.query_items("SELECT * FROM c", enable_cross_partition_query=True))
        return items if len(items) >= len(sent.sent) else None

    items = wait_for(stored)
    assert {(i["device_id"], i["timestamp"]) for i in items} == _sent_keys(sent)
    queried = query_hot(project, connections)
    assert {(r["device_id"], r["timestamp"]) for r in queried.records} == _sent_keys(sent)
    _traced_through_every_layer(project, connections)
    _destroy_leaves_nothing(deployment, connections)


def _traced_through_every_layer(project, connections):
    """The Status page's test message across the clouds: sent on L1's, read back on L3's."""
    from dtwin_gui.core.project import load_project
    from dtwin_gui.deploy.cloud_parts import trace_telemetry

    result = trace_telemetry(load_project(project), connections, {}, timeout_s=60)
    states = [h.state for h in result.hops if h.layer in ("L1", "L2", "L3_hot", "L4")]
    assert states == ["ok"] * 4, [(h.layer, h.detail) for h in result.hops]


def test_l1_l2_on_azure_persist_across_the_glue_to_l3_to_l5_on_aws(clouds, tmp_path):
    from dtwin_gui.deploy.query import query_hot
    from dtwin_gui.deploy.simulate import simulate

    aws, connections = clouds
    layers = dict.fromkeys(("layer_3_hot", "layer_3_cold", "layer_3_archive"), "aws")
    project = _project(tmp_path, **layers, layer_4="aws", layer_5="aws")
    deployment = _deploy(project, connections)
    report = deployment.status()
    assert {k: v.state for k, v in report.layers.items()} == dict.fromkeys(
        report.layers, "deployed"
    ), {k: v.missing for k, v in report.layers.items()}

    sent = simulate(project, connections)
    dynamodb = aws.client("dynamodb")
    table = report.outputs["hot_table_name"]

    def stored():
        items = dynamodb.scan(TableName=table)["Items"]
        return items if len(items) >= len(sent.sent) else None

    items = wait_for(stored)
    assert {(i["device_id"]["S"], i["timestamp"]["S"]) for i in items} == _sent_keys(sent)
    queried = query_hot(project, connections)
    assert {(r["device_id"], r["timestamp"]) for r in queried.records} == _sent_keys(sent)
    _traced_through_every_layer(project, connections)
    _destroy_leaves_nothing(deployment, connections)
