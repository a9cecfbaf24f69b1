"""Links to the Azure portal for the twin's resources, per layer and per resource.

Every Azure resource of a twin lives in its resource group, so a layer links to the resource
group (filtered by the layer's main resource type) unless the deploy's outputs name the
resource itself. The sandbox is emulated on this computer: it has no portal, and every link
says so.
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

#: Layer -> (output naming its main resource, ARM type of that resource).
_LAYER_RESOURCES = {
    str(Slot.L1): ("iothub_name", "Microsoft.Devices/IotHubs"),
    str(Slot.L3_HOT): ("cosmos_account_name", "Microsoft.DocumentDB/databaseAccounts"),
    str(Slot.L3_COLD): ("storage_account_name", "Microsoft.Storage/storageAccounts"),
    str(Slot.L3_ARCHIVE): ("storage_account_name", "Microsoft.Storage/storageAccounts"),
    str(Slot.L4): ("digital_twins_name", "Microsoft.DigitalTwins/digitalTwinsInstances"),
    str(Slot.L5): ("grafana_name", "Microsoft.Dashboard/grafana"),
}


def _resource_group(outputs: dict, twin_name: str) -> str:
    # the topology names it rg-<twin> (core/resource_names.py); outputs win when present
    return (outputs or {}).get("resource_group_name") or f"rg-{twin_name}"


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
    """The portal page that best shows a whole layer (its main resource, or the group)."""
    if connection.is_sandbox:
        return ConsoleLink(None, NO_CONSOLE)
    subscription = getattr(connection, "subscription_id", "")
    if not subscription:
        return ConsoleLink(None, "the subscription is known after sign-in")
    out = outputs or {}
    group = _resource_group(out, twin_name)
    key, arm_type = _LAYER_RESOURCES.get(str(layer), ("", ""))
    if key and out.get(key):
        return ConsoleLink(_resource_url(subscription, group, arm_type, out[key]))
    return ConsoleLink(_group_url(subscription, group))
