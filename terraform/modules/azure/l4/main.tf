# L4 · Azure Digital Twins: the instance (models, twins and relationships are SDK steps) and
# one Function App with the ADT updater — the persister's hop into the twin graph — and the
# hot reader proxy when L3 hot is on another cloud. The updater's identity holds Azure
# Digital Twins Data Owner on the instance, so no key is involved.

locals {
  platform_settings = {
    FUNCTIONS_WORKER_RUNTIME              = "python"
    SCM_DO_BUILD_DURING_DEPLOYMENT        = "true"
    ENABLE_ORYX_BUILD                     = "true"
    AzureWebJobsFeatureFlags              = "EnableWorkerIndexing"
    APPLICATIONINSIGHTS_CONNECTION_STRING = var.host.application_insights_connection_string
  }
}

resource "azurerm_digital_twins_instance" "twin" {
  name                = var.instance_name
  resource_group_name = var.common.resource_group_name
  location            = var.common.location
  tags                = var.common.tags
}

resource "azurerm_linux_function_app" "app" {
  name                          = var.app_name
  resource_group_name           = var.common.resource_group_name
  location                      = var.common.location
  service_plan_id               = var.host.service_plan_id
  storage_account_name          = var.host.storage_account_name
  storage_uses_managed_identity = true
  https_only                    = true
  zip_deploy_file               = var.package
  tags                          = var.common.tags

  app_settings = merge(local.platform_settings, {
    DTWIN_TWIN_NAME                               = var.common.twin_name
    DTWIN_LOG_LEVEL                               = var.common.log_level
    DTWIN_ADT_URL                                 = "https://${azurerm_digital_twins_instance.twin.host_name}"
    DTWIN_GLUE_SECRET__L2_L4_TWIN_UPDATE          = var.twin_update_secret == null ? "" : var.twin_update_secret
    DTWIN_GLUE_PREVIOUS_SECRET__L2_L4_TWIN_UPDATE = var.twin_update_previous_secret == null ? "" : var.twin_update_previous_secret
    # The hot reader proxy's remote (empty when L3 hot is on Azure too).
    DTWIN_REMOTE_URL    = var.remote_url == null ? "" : var.remote_url
    DTWIN_REMOTE_SECRET = var.remote_secret == null ? "" : var.remote_secret
  })

  identity {
    type = "SystemAssigned"
  }

  site_config {
    application_insights_connection_string = var.host.application_insights_connection_string

    application_stack {
      python_version = "3.11"
    }
  }
}

module "app" {
  source = "../_function_app"

  app_name            = azurerm_linux_function_app.app.name
  resource_group_name = var.common.resource_group_name
  principal_id        = azurerm_linux_function_app.app.identity[0].principal_id
  storage_account_id  = var.host.storage_account_id
}

resource "azurerm_role_assignment" "data_owner" {
  for_each = toset(concat(["l4"], keys(var.data_principal_ids)))

  scope                = azurerm_digital_twins_instance.twin.id
  role_definition_name = "Azure Digital Twins Data Owner"
  principal_id = merge(
    { l4 = azurerm_linux_function_app.app.identity[0].principal_id },
    var.data_principal_ids,
  )[each.key]
}
