"""Azure portal links: what the user opens from a layer or a resource row."""

from __future__ import annotations

from dtwin_gui.clouds.azure.connection import AzureConnection
from dtwin_gui.clouds.azure.console_links import NO_CONSOLE, layer_link, resource_link

SUB = "00000000-0000-0000-0000-000000000001"
AZURE = AzureConnection(name="azure", subscription_id=SUB)
SANDBOX = AzureConnection(name="sandbox", method="sandbox")


def test_sandbox_has_no_portal():
    assert layer_link(SANDBOX, "L1", {}, "demo").url is None
    assert layer_link(SANDBOX, "L1", {}, "demo").reason == NO_CONSOLE
    assert resource_link(SANDBOX, "azurerm_iothub", "hub").url is None


def test_layer_opens_its_main_resource_or_the_resource_group():
    hub = layer_link(AZURE, "L1", {"iothub_name": "demo-iothub-x"}, "demo").url
    assert hub == (
        f"https://portal.azure.com/#@/resource/subscriptions/{SUB}/resourceGroups/rg-demo"
        "/providers/Microsoft.Devices/IotHubs/demo-iothub-x/overview"
    )
    group = layer_link(AZURE, "L2", {"azure_resource_group": "rg-other"}, "demo").url
    assert group.endswith(f"/subscriptions/{SUB}/resourceGroups/rg-other/overview")


def test_resource_link_needs_what_the_portal_url_needs():
    assert resource_link(AzureConnection(name="azure"), "azurerm_iothub", "h").url is None
    assert resource_link(AZURE, "aws_s3_bucket", "b").url is None
    assert resource_link(AZURE, "azurerm_iothub", "h").reason == "the resource group is not known"
    url = resource_link(AZURE, "azurerm_iothub", "h", resource_group="rg-demo").url
    assert url.endswith("/resourceGroups/rg-demo/providers/Microsoft.Devices/IotHubs/h/overview")
    arm = f"/subscriptions/{SUB}/resourceGroups/rg-demo/providers/Microsoft.Web/sites/app"
    assert resource_link(AZURE, "whatever", "app", arn=arm).url.endswith(arm + "/overview")


def test_before_a_deploy_the_resource_group_is_not_guessed():
    for layer in ("L1", "L2", "L3_hot", "setup"):
        link = layer_link(AZURE, layer, {}, "demo")
        assert link.url is None and link.reason == "the resource group is known after a deploy"


def test_links_follow_the_resource_group_and_names_the_deploy_outputs_give():
    """The root's own outputs (``terraform output -json`` shape): the group the topology named
    once, with its unique names, not one rebuilt from the twin's name."""
    outputs = {
        name: {"value": value, "type": "string", "sensitive": False}
        for name, value in {
            "azure_resource_group": "rg-factory-twin",
            "azure_storage_account": "factorytwine330b7",
            "cosmos_endpoint": "https://factory-twin-cosmos-e330b7.documents.azure.com:443/",
            "managed_grafana_name": "factory-twin-grafana",
            "azure_function_apps": {"L2": "factory-twin-l2-fn-e330b7"},
        }.items()
    }
    base = (
        f"https://portal.azure.com/#@/resource/subscriptions/{SUB}/resourceGroups/rg-factory-twin"
    )
    assert layer_link(AZURE, "L3_hot", outputs, "ignored").url == (
        f"{base}/providers/Microsoft.DocumentDB/databaseAccounts/factory-twin-cosmos-e330b7"
        "/overview"
    )
    assert layer_link(AZURE, "L3_cold", outputs, "ignored").url == (
        f"{base}/providers/Microsoft.Storage/storageAccounts/factorytwine330b7/overview"
    )
    assert layer_link(AZURE, "L5", outputs, "ignored").url == (
        f"{base}/providers/Microsoft.Dashboard/grafana/factory-twin-grafana/overview"
    )
    assert layer_link(AZURE, "L2", outputs, "ignored").url == (
        f"{base}/providers/Microsoft.Web/sites/factory-twin-l2-fn-e330b7/overview"
    )
    # A layer whose resource the outputs do not name opens the group.
    assert layer_link(AZURE, "L4", outputs, "ignored").url == f"{base}/overview"


def test_outputs_without_the_group_get_the_topologys_name():
    from dtwin_gui.clouds.azure.leftovers import resource_group

    link = layer_link(AZURE, "L4", {"digital_twins_name": "t-adt"}, "factory-twin")
    assert f"/resourceGroups/{resource_group('factory-twin')}/providers/" in link.url
