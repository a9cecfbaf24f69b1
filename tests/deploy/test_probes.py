"""Live probes of a Terraform state: what the cloud no longer has is named, per resource."""

from __future__ import annotations

import json

from helpers_sandbox import create_function

from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.clouds.aws.probes import probe_resources
from dtwin_gui.deploy.teardown import point_root_at
from dtwin_gui.iac.state import parse_state


def block(module: str, type_: str, name: str, attributes: dict) -> dict:
    return {
        "module": module,
        "mode": "managed",
        "type": type_,
        "name": name,
        "instances": [{"attributes": attributes}],
    }


STATE = {
    "version": 4,
    "resources": [
        block("module.aws_l2", "aws_lambda_function", "processor", {"function_name": "t-proc"}),
        block("module.aws_l2", "aws_lambda_function_url", "url", {"function_name": "t-proc"}),
        block("module.aws_l2", "aws_iam_role_policy", "logs", {"id": "fn-role:logs"}),
        block("module.aws_l3_hot", "aws_dynamodb_table", "hot", {"name": "t-hot"}),
        block("module.aws_l3_cold", "aws_s3_bucket", "cold", {"bucket": "t-cold"}),
        block("module.aws_l3_cold", "aws_s3_bucket_policy", "cold", {"bucket": "t-cold"}),
        block("module.aws_l3_cold", "aws_made_up_thing", "x", {"id": "x"}),
        block("module.aws_l2", "aws_cloudwatch_log_group", "a", {"name": "/aws/lambda/t-a"}),
        block("module.aws_l2", "aws_cloudwatch_log_group", "b", {"name": "/aws/lambda/t-b"}),
    ],
}


def test_probes_say_which_resources_are_gone(aws):
    target = sandbox_target(aws.endpoint, aws.region)
    create_function(aws, "t-proc", "def handler(e, c):\n    return e\n")
    aws.client("dynamodb").create_table(
        TableName="t-hot",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    aws.client("s3").create_bucket(Bucket="t-cold")
    for group in ("/aws/lambda/t-a", "/aws/lambda/t-b"):
        aws.client("logs").create_log_group(logGroupName=group)
    snapshot = parse_state(STATE)

    def states():
        return {
            a.split(".", 2)[2]: p.state
            for a, p in probe_resources(target, snapshot.resources).items()
        }

    assert set(states().values()) == {"present"}

    aws.client("dynamodb").delete_table(TableName="t-hot")
    aws.client("s3").delete_bucket(Bucket="t-cold")
    aws.client("lambda").delete_function(FunctionName="t-proc")
    aws.client("logs").delete_log_group(logGroupName="/aws/lambda/t-b")
    assert states() == {
        "aws_lambda_function.processor": "missing",
        "aws_lambda_function_url.url": "missing",  # hangs off the function
        "aws_iam_role_policy.logs": "present",  # its role is still there
        "aws_dynamodb_table.hot": "missing",
        "aws_s3_bucket.cold": "missing",
        "aws_s3_bucket_policy.cold": "missing",
        "aws_made_up_thing.x": "present",  # not checked, said so
        "aws_cloudwatch_log_group.a": "present",
        "aws_cloudwatch_log_group.b": "missing",
    }
    probes = probe_resources(target, snapshot.resources)
    assert probes["module.aws_l3_cold.aws_made_up_thing.x"].detail == "not checked"


def test_an_unreachable_cloud_is_not_reported_as_missing():
    target = sandbox_target("http://127.0.0.1:9")  # nothing listens there
    probes = probe_resources(target, parse_state(STATE).resources)
    table = probes["module.aws_l3_hot.aws_dynamodb_table.hot"]
    assert table.state == "error" and "could not list dynamodb" in table.detail


def test_a_saved_root_follows_the_sandbox_to_its_new_port(tmp_path):
    root = tmp_path / "main.tf.json"
    old = "http://127.0.0.1:40001"
    root.write_text(
        json.dumps(
            {"provider": {"aws": {"region": "us-east-1", "endpoints": {"s3": old, "iam": old}}}}
        )
    )
    target = sandbox_target("http://127.0.0.1:40002")
    assert point_root_at(root, target) == old
    doc = json.loads(root.read_text())
    assert doc["provider"]["aws"]["endpoints"] == {"s3": target.endpoint, "iam": target.endpoint}
    assert doc["provider"]["aws"]["region"] == "us-east-1"
    assert point_root_at(root, target) == ""  # already there: unchanged


def test_through_the_registry_a_resource_of_a_cloud_without_probes_is_not_checked():
    """cloud_parts asks each resource's cloud; an unconnected cloud's resource is unknown."""
    from dtwin_gui.deploy.cloud_parts import probe_resources as probe_any

    state = {
        "version": 4,
        "resources": [
            block("module.azure_l2", "azurerm_linux_function_app", "app", {"name": "t-app"})
        ],
    }
    probes = probe_any(sandbox_target("http://127.0.0.1:9"), parse_state(state).resources)
    found = probes["module.azure_l2.azurerm_linux_function_app.app"]
    assert found.state == "error" and "no connected cloud owns" in found.detail


def test_a_layer_on_a_cloud_the_deployment_has_no_connection_to_shows_as_elsewhere(project):
    from helpers import edit_json

    from dtwin_gui.deploy.orchestrator import Deployment
    from dtwin_gui.deploy.status import ELSEWHERE, NOT_DEPLOYED

    edit_json(project / "config_providers.json", lambda d: d.update(layer_2_provider="azure"))
    report = Deployment(project, sandbox_target("http://127.0.0.1:9")).status(probe=False)
    assert report.layers["L2"].state == ELSEWHERE and report.layers["L2"].cloud == "azure"
    assert report.layers["L1"].state == NOT_DEPLOYED
