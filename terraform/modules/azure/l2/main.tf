# L2 · processing on Azure: one Function App holding a processor per device, the persister,
# the event checker, one function per event action, event feedback to devices, and the
# ingestion receiver when L1 is on another cloud; the optional notification workflow as a
# Logic App built from state_machines/azure_logic_app.json.
#
# The app settings are the union of the contracts of those roles
# (dtwin_gui/runtime/core/contracts.py) — tests/iac/test_env_parity.py proves it. A value a
# topology does not use is set empty, never left out where the contract requires it.

locals {
  workflow  = var.workflow_definition == null ? null : jsondecode(var.workflow_definition)
  workflows = local.workflow == null || !var.event_checking ? {} : { notification = local.workflow }
}

module "app" {
  source = "../_function_app"

  common   = var.common
  host     = var.host
  app_name = var.app_name
  package  = var.package

  app_settings = merge(
    {
      DTWIN_PERSISTER_FUNCTION = "persister"
      # The ingestion receiver's secret (empty when L1 is on Azure too).
      DTWIN_GLUE_SECRET__L1_L2_INGESTION          = var.ingestion_secret == null ? "" : var.ingestion_secret
      DTWIN_GLUE_PREVIOUS_SECRET__L1_L2_INGESTION = var.ingestion_previous_secret == null ? "" : var.ingestion_previous_secret
    },
    var.hot_store == null ? {} : {
      DTWIN_HOT_STORE       = var.hot_store
      DTWIN_HOT_TTL_DAYS    = tostring(var.hot_ttl_days)
      DTWIN_COSMOS_ENDPOINT = var.cosmos_endpoint
      DTWIN_COSMOS_DATABASE = var.cosmos_database
    },
    # The persister updates the twins through L4's app when L4 is Azure Digital Twins.
    var.l4_app_url == null ? {} : {
      DTWIN_APP_URL_L4       = var.l4_app_url
      DTWIN_FUNCTIONS_KEY_L4 = var.l4_functions_key
    },
    var.hot_writer_url == null ? {} : {
      DTWIN_HOT_WRITER_URL    = var.hot_writer_url
      DTWIN_HOT_WRITER_SECRET = var.hot_writer_secret
    },
    var.twin_update_url == null ? {} : {
      DTWIN_TWIN_UPDATE_URL    = var.twin_update_url
      DTWIN_TWIN_UPDATE_SECRET = var.twin_update_secret
    },
    var.event_checking ? { DTWIN_EVENT_CHECKER_FUNCTION = "event-checker" } : {},
    var.event_feedback ? { DTWIN_FEEDBACK_FUNCTION = "event-feedback" } : {},
    var.iot_endpoint == null ? {} : { DTWIN_IOT_ENDPOINT = var.iot_endpoint },
    length(local.workflows) == 0 ? {} : {
      DTWIN_WORKFLOW = azurerm_logic_app_workflow.notification["notification"].id
    },
  )
}

resource "azurerm_logic_app_workflow" "notification" {
  for_each = local.workflows

  name                = var.workflow_name
  resource_group_name = var.common.resource_group_name
  location            = var.common.location
  tags                = var.common.tags

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_logic_app_trigger_custom" "notification" {
  for_each = { for name, body in try(local.workflow.definition.triggers, {}) : name => body if length(local.workflows) > 0 }

  name         = each.key
  logic_app_id = azurerm_logic_app_workflow.notification["notification"].id
  body         = jsonencode(each.value)
}

resource "azurerm_logic_app_action_custom" "notification" {
  for_each = { for name, body in try(local.workflow.definition.actions, {}) : name => body if length(local.workflows) > 0 }

  name         = each.key
  logic_app_id = azurerm_logic_app_workflow.notification["notification"].id
  body         = jsonencode(each.value)
}

# The event checker starts the workflow.
resource "azurerm_role_assignment" "workflow" {
  for_each = local.workflows

  scope                = azurerm_logic_app_workflow.notification[each.key].id
  role_definition_name = "Logic App Operator"
  principal_id         = module.app.principal_id
}
