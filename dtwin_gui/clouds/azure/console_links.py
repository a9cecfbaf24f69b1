"""Links to the Azure portal for the twin's resources, per layer and per resource.

Every Azure resource of a twin lives in its resource group, so a layer links to its main
resource when the deploy's outputs name it (the root outputs of
:mod:`dtwin_gui.clouds.azure.terraform`: ``iothub_name``, ``cosmos_endpoint``, the Function
Apps ...), else to the resource group, ``azure_resource_group``. Before a deploy there are no
outputs, and the link says the group is known after a deploy. The sandbox is emulated on
this computer: it has no portal, and every link says so.
"""

from __future__ import annotations

from urllib.parse import quote

from dtwin_gui.clouds.base import ConsoleLink
from dtwin_gui.core.providers import Slot

NO_CONSOLE = "emulated: no portal"
PORTAL = "https://portal.azure.com/#@"

#: Terraform resource type (or SDK probe kind) -> ARM provider/type path.
_ARM_TYPES = {
    "azurerm_resource_group": "",
    "azurerm_linux_function_app": "Microsoft.Web/sites",
    "azurerm_function_app_flex_consumption": "Microsoft.Web/sites",
    "function_app": "Microsoft.Web/sites",
    "azurerm_iothub": "Microsoft.Devices/IotHubs",
    "iothub": "Microsoft.Devices/IotHubs",
    "iothub-device": "Microsoft.Devices/IotHubs",
    "azurerm_cosmosdb_account": "Microsoft.DocumentDB/databaseAccounts",
    "azurerm_storage_account": "Microsoft.Storage/storageAccounts",
    "azurerm_digital_twins_instance": "Microsoft.DigitalTwins/digitalTwinsInstances",
    "digital_twins": "Microsoft.DigitalTwins/digitalTwinsInstances",
    "azurerm_dashboard_grafana": "Microsoft.Dashboard/grafana",
    "grafana": "Microsoft.Dashboard/grafana",
}

#: Layer -> (root output naming its main resource, ARM type of that resource); the names
#: are the outputs of :mod:`dtwin_gui.clouds.azure.terraform`.
_LAYER_RESOURCES = {
    str(Slot.L1): ("iothub_name", "Microsoft.Devices/IotHubs"),
    str(Slot.L3_COLD): ("azure_storage_account", "Microsoft.Storage/storageAccounts"),
    str(Slot.L3_ARCHIVE): ("azure_storage_account", "Microsoft.Storage/storageAccounts"),
    str(Slot.L4): ("digital_twins_name", "Microsoft.DigitalTwins/digitalTwinsInstances"),
    str(Slot.L5): ("managed_grafana_name", "Microsoft.Dashboard/grafana"),
    "setup": ("azure_storage_account", "Microsoft.Storage/storageAccounts"),
}
#: The root output with the twin's resource group (the sandbox's record says "resource_group").
GROUP_OUTPUTS = ("azure_resource_group", "resource_group")
AFTER_A_DEPLOY = "the resource group is known after a deploy"


def _value(outputs: dict, name: str) -> str:
    value = (outputs or {}).get(name)
    if isinstance(value, dict) and "value" in value:  # `terraform output -json` shape
        value = value["value"]
    return value if isinstance(value, str) else ""


def _resource_group(outputs: dict, twin_name: str) -> str:
    """The deploy's resource group: its outputs name it; without them (no deploy yet) it is
    not known. Older outputs without the name get the topology's (one naming rule)."""
    for name in GROUP_OUTPUTS:
        if _value(outputs, name):
            return _value(outputs, name)
    if not outputs or not twin_name:
        return ""
    from dtwin_gui.clouds.azure.leftovers import resource_group

    return resource_group(twin_name)


def _layer_resource(layer: str, outputs: dict) -> tuple[str, str]:
    """(ARM type, name) of the layer's main resource, as far as the outputs tell."""
    key, arm_type = _LAYER_RESOURCES.get(str(layer), ("", ""))
    if key and _value(outputs, key):
        return arm_type, _value(outputs, key)
    if str(layer) == str(Slot.L3_HOT):  # https://<account>.documents.azure.com:443/
        host = _value(outputs, "cosmos_endpoint").split("//", 1)[-1]
        if ".documents.azure.com" in host:
            return "Microsoft.DocumentDB/databaseAccounts", host.split(".", 1)[0]
    apps = (outputs or {}).get("azure_function_apps")
    apps = apps.get("value", apps) if isinstance(apps, dict) else {}
    if isinstance(apps, dict) and isinstance(apps.get(str(layer)), str):
        return "Microsoft.Web/sites", apps[str(layer)]
    return "", ""


def _group_url(subscription: str, group: str) -> str:
    return (
        f"{PORTAL}/resource/subscriptions/{quote(subscription, safe='')}"
        f"/resourceGroups/{quote(group, safe='')}/overview"
    )


def _resource_url(subscription: str, group: str, arm_type: str, name: str) -> str:
    return (
        f"{PORTAL}/resource/subscriptions/{quote(subscription, safe='')}"
        f"/resourceGroups/{quote(group, safe='')}/providers/{arm_type}/{quote(name, safe='')}"
        "/overview"
    )


def resource_link(
    connection,
    component: str,
    name: str,
    *,
    arn: str = "",
    thing_names: dict | None = None,
    resource_group: str = "",
) -> ConsoleLink:
    """The portal page of one resource (``component``: Terraform type or SDK probe kind).

    ``arn`` may carry the resource's full ARM id (``/subscriptions/...``), which wins.
    """
    if connection.is_sandbox:
        return ConsoleLink(None, NO_CONSOLE)
    if arn.startswith("/subscriptions/"):
        return ConsoleLink(f"{PORTAL}/resource{arn}/overview")
    if component not in _ARM_TYPES:
        return ConsoleLink(None, f"no portal page for {component}")
    subscription = getattr(connection, "subscription_id", "")
    if not subscription:
        return ConsoleLink(None, "the subscription is known after sign-in")
    if not name:
        return ConsoleLink(None, "the resource has no name yet")
    arm_type = _ARM_TYPES[component]
    if not arm_type:
        return ConsoleLink(_group_url(subscription, name))
    if not resource_group:
        return ConsoleLink(None, "the resource group is not known")
    return ConsoleLink(_resource_url(subscription, resource_group, arm_type, name))


def layer_link(connection, layer: str, outputs: dict, twin_name: str) -> ConsoleLink:
    """The portal page that best shows a whole layer: its main resource, or the twin's
    resource group; both are known after a deploy (the deploy's outputs name them)."""
    if connection.is_sandbox:
        return ConsoleLink(None, NO_CONSOLE)
    subscription = getattr(connection, "subscription_id", "")
    if not subscription:
        return ConsoleLink(None, "the subscription is known after sign-in")
    group = _resource_group(outputs, twin_name)
    if not group:
        return ConsoleLink(None, AFTER_A_DEPLOY)
    arm_type, name = _layer_resource(layer, outputs)
    if name:
        return ConsoleLink(_resource_url(subscription, group, arm_type, name))
    return ConsoleLink(_group_url(subscription, group))
