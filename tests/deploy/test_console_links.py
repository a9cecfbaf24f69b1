"""Console links: real AWS pages for the aws target; none, with the reason, for the sandbox;
each asked of the cloud hosting the layer or resource (the neutral :mod:`cloud_parts`)."""

from __future__ import annotations

from dtwin_gui.clouds.aws.connection import aws_target, sandbox_target
from dtwin_gui.clouds.aws.console_links import NO_CONSOLE, layer_link, resource_link
from dtwin_gui.clouds.base import CLOUD, Connections
from dtwin_gui.core.providers import Cloud
from dtwin_gui.deploy import cloud_parts

AWS = aws_target("eu-west-1", {})
SANDBOX = sandbox_target("http://127.0.0.1:4566")


def test_resources_link_to_their_console_page_in_the_region():
    lam = resource_link(AWS, "aws_lambda_function", "factory-twin-dispatcher")
    assert lam.url == (
        "https://eu-west-1.console.aws.amazon.com/lambda/home?region=eu-west-1"
        "#/functions/factory-twin-dispatcher"
    )
    table = resource_link(AWS, "aws_dynamodb_table", "factory-twin-hot")
    assert "dynamodbv2" in table.url and "name=factory-twin-hot" in table.url
    bucket = resource_link(AWS, "aws_s3_bucket", "factory-twin-cold-abc")
    assert (
        bucket.url
        == "https://s3.console.aws.amazon.com/s3/buckets/factory-twin-cold-abc?region=eu-west-1"
    )
    thing = resource_link(
        AWS, "iot-certificate", "sensor-1", thing_names={"sensor-1": "factory-twin-sensor-1"}
    )
    assert thing.url.endswith("#/thing/factory-twin-sensor-1")
    assert "iottwinmaker" in resource_link(AWS, "twinmaker-entity", "factory-twin-twin").url
    schedule = resource_link(AWS, "aws_scheduler_schedule", "factory-twin-mover")
    assert "scheduler/home?region=eu-west-1" in schedule.url


def test_state_machines_need_their_arn():
    arn = "arn:aws:states:eu-west-1:123:stateMachine:flow"
    assert resource_link(AWS, "aws_sfn_state_machine", "flow", arn=arn).url.endswith(
        "statemachines/view/arn%3Aaws%3Astates%3Aeu-west-1%3A123%3AstateMachine%3Aflow"
    )
    assert resource_link(AWS, "aws_sfn_state_machine", "flow").url is None


def test_unknown_components_have_no_link_and_say_so():
    link = resource_link(AWS, "aws_lambda_permission", "x")
    assert link.url is None and "aws_lambda_permission" in link.reason


def test_layers_link_to_their_main_resource():
    outputs = {
        "grafana_workspace_id": "g-123",
        "cold_bucket_name": "cold-1",
        "hot_table_name": "factory-twin-hot",
        "twinmaker_workspace_name": "factory-twin-twin",
    }
    assert "iot/home?region=eu-west-1" in layer_link(AWS, "L1", outputs, "factory-twin").url
    assert "name=factory-twin-hot" in layer_link(AWS, "L3_hot", outputs, "factory-twin").url
    assert "buckets/cold-1" in layer_link(AWS, "L3_cold", outputs, "factory-twin").url
    assert layer_link(AWS, "L3_archive", outputs, "factory-twin").url is None
    assert "workspaces/factory-twin-twin" in layer_link(AWS, "L4", outputs, "factory-twin").url
    assert layer_link(AWS, "L5", outputs, "factory-twin").url.endswith("g-123")


def test_before_a_deploy_a_layer_link_says_its_name_is_not_known_yet():
    for layer in ("L3_hot", "L4", "L5", "L3_cold"):
        link = layer_link(AWS, layer, {}, "factory-twin")
        assert link.url is None and "known after a deploy" in link.reason


def test_the_sandbox_has_no_console():
    for link in (
        resource_link(SANDBOX, "aws_lambda_function", "f"),
        layer_link(SANDBOX, "L1", {}, "factory-twin"),
    ):
        assert link.url is None and link.reason == NO_CONSOLE


class _Azure:
    """An Azure connection before sign-in: no subscription, so no portal URL yet."""

    cloud, is_sandbox = Cloud.AZURE, False

    def process_env(self) -> dict:
        return {}

    def describe(self) -> str:
        return "Azure"


def test_the_cloud_hosting_a_layer_answers_its_link():
    outputs = {"grafana_workspace_id": "g-123"}
    both = Connections(CLOUD, {Cloud.AWS: AWS, Cloud.AZURE: _Azure()})
    aws_l5 = cloud_parts.layer_link(both, "L5", "aws", outputs, "factory-twin")
    assert aws_l5 == layer_link(AWS, "L5", outputs, "factory-twin") and aws_l5.url
    azure_l4 = cloud_parts.layer_link(both, "L4", "azure", outputs, "factory-twin")
    assert azure_l4.url is None and azure_l4.reason == "the subscription is known after sign-in"
    google = cloud_parts.layer_link(both, "L3_cold", "google", outputs, "factory-twin")
    assert google.url is None and google.reason == "not connected to Google Cloud"
    lam = cloud_parts.resource_link(AWS, "aws", "aws_lambda_function", "factory-twin-x")
    assert lam.url == resource_link(AWS, "aws_lambda_function", "factory-twin-x").url
    assert cloud_parts.resource_link(both, "azure", "azurerm_linux_function_app", "f").url is None
    assert cloud_parts.resource_cloud("aws_s3_bucket", both) is Cloud.AWS
    assert cloud_parts.resource_cloud("azurerm_storage_account", both) is Cloud.AZURE
