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
    group = layer_link(AZURE, "L2", {"resource_group_name": "rg-other"}, "demo").url
    assert group.endswith(f"/subscriptions/{SUB}/resourceGroups/rg-other/overview")


def test_resource_link_needs_what_the_portal_url_needs():
    assert resource_link(AzureConnection(name="azure"), "azurerm_iothub", "h").url is None
    assert resource_link(AZURE, "aws_s3_bucket", "b").url is None
    assert resource_link(AZURE, "azurerm_iothub", "h").reason == "the resource group is not known"
    url = resource_link(AZURE, "azurerm_iothub", "h", resource_group="rg-demo").url
    assert url.endswith("/resourceGroups/rg-demo/providers/Microsoft.Devices/IotHubs/h/overview")
    arm = f"/subscriptions/{SUB}/resourceGroups/rg-demo/providers/Microsoft.Web/sites/app"
    assert resource_link(AZURE, "whatever", "app", arn=arm).url.endswith(arm + "/overview")
