# L1 · ingestion on Azure: the IoT Hub devices send telemetry to (device identities are SDK
# steps), an Event Grid system topic on the hub and a subscription delivering each
# DeviceTelemetry event to the dispatcher of the layer's Function App, and the connector to
# L2 when L2 is on another cloud.
#
# The app's code is zip-deployed in the same apply (zip_deploy_file) and the subscription
# depends on it, so the dispatcher function exists when Event Grid validates its endpoint.
# Its app settings are the contracts of dispatcher and connector
# (dtwin_gui/runtime/core/contracts.py) — tests/iac/test_env_parity.py proves it.

resource "azurerm_iothub" "hub" {
  name                = var.iothub_name
  resource_group_name = var.common.resource_group_name
  location            = var.common.location
  tags                = var.common.tags

  sku {
    name     = var.iothub_sku
    capacity = 1
  }
}

module "app" {
  source = "../_function_app"

  common   = var.common
  host     = var.host
  app_name = var.app_name
  package  = var.package

  app_settings = {
    DTWIN_CONNECTOR_FUNCTION = var.remote_url == null ? "" : "connector"
    DTWIN_REMOTE_URL         = var.remote_url == null ? "" : var.remote_url
    DTWIN_REMOTE_SECRET      = var.remote_secret == null ? "" : var.remote_secret
    # The dispatcher calls the processors of L2's app when L2 is on Azure too.
    DTWIN_APP_URL_L2       = var.l2_app_url == null ? "" : var.l2_app_url
    DTWIN_FUNCTIONS_KEY_L2 = var.l2_functions_key == null ? "" : var.l2_functions_key
  }
}

# Event feedback (L2) sends cloud-to-device messages through the hub with its identity.
resource "azurerm_role_assignment" "feedback" {
  for_each = var.feedback_principal_ids

  scope                = azurerm_iothub.hub.id
  role_definition_name = "IoT Hub Data Contributor"
  principal_id         = each.value
}

# The identity Terraform runs as is the one the deploy's SDK step registers the devices
# with (the hub's data plane through Entra ID, no connection string).
data "azurerm_client_config" "current" {}

resource "azurerm_role_assignment" "deployer" {
  scope                = azurerm_iothub.hub.id
  role_definition_name = "IoT Hub Data Contributor"
  principal_id         = data.azurerm_client_config.current.object_id
}

resource "azurerm_eventgrid_system_topic" "hub" {
  name                   = "${var.iothub_name}-events"
  resource_group_name    = var.common.resource_group_name
  location               = var.common.location
  source_arm_resource_id = azurerm_iothub.hub.id
  topic_type             = "Microsoft.Devices.IoTHubs"
  tags                   = var.common.tags
}

resource "azurerm_eventgrid_system_topic_event_subscription" "telemetry" {
  name                 = "${var.common.twin_name}-telemetry"
  system_topic         = azurerm_eventgrid_system_topic.hub.name
  resource_group_name  = var.common.resource_group_name
  included_event_types = ["Microsoft.Devices.DeviceTelemetry"]

  azure_function_endpoint {
    function_id          = "${module.app.id}/functions/dispatcher"
    max_events_per_batch = 1
  }

  retry_policy {
    max_delivery_attempts = 30
    event_time_to_live    = 1440
  }

  # The dispatcher exists once the package is deployed and its host keys can be read.
  depends_on = [module.app]
}
