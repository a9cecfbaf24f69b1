# L5 · Azure Managed Grafana (major version 11, Standard SKU; the datasource on the hot
# reader and the dashboard are SDK steps) with Grafana Admin for the principals given, and
# a Function App with the hot reader proxy when L3 hot is on another cloud and L4 has none.

locals {
  platform_settings = {
    FUNCTIONS_WORKER_RUNTIME              = "python"
    SCM_DO_BUILD_DURING_DEPLOYMENT        = "true"
    ENABLE_ORYX_BUILD                     = "true"
    AzureWebJobsFeatureFlags              = "EnableWorkerIndexing"
    APPLICATIONINSIGHTS_CONNECTION_STRING = var.host.application_insights_connection_string
  }
}

resource "azurerm_dashboard_grafana" "twin" {
  name                  = var.grafana_name
  resource_group_name   = var.common.resource_group_name
  location              = var.common.location
  grafana_major_version = 11
  sku                   = "Standard"
  tags                  = var.common.tags

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_role_assignment" "admin" {
  for_each = var.admin_principal_ids

  scope                = azurerm_dashboard_grafana.twin.id
  role_definition_name = "Grafana Admin"
  principal_id         = each.value
}

resource "azurerm_linux_function_app" "app" {
  count = var.app_name == null ? 0 : 1

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
    DTWIN_TWIN_NAME     = var.common.twin_name
    DTWIN_LOG_LEVEL     = var.common.log_level
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
  count  = var.app_name == null ? 0 : 1

  app_name            = azurerm_linux_function_app.app[0].name
  resource_group_name = var.common.resource_group_name
  principal_id        = azurerm_linux_function_app.app[0].identity[0].principal_id
  storage_account_id  = var.host.storage_account_id
}
