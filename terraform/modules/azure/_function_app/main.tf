# One layer's Function App, shared by every layer module: the Linux app on the setup
# module's plan (Python 3.11, code zip-deployed in the same apply, AzureWebJobsStorage
# through its system-assigned identity), its app settings — the platform's, the twin name
# and log level every function reads, and the layer's own (var.app_settings) — what that
# identity may do on the twin's storage account (blobs for the package and timer leases,
# queues and tables for the host) and the key other functions call it with.

locals {
  platform_settings = {
    FUNCTIONS_WORKER_RUNTIME              = "python"
    SCM_DO_BUILD_DURING_DEPLOYMENT        = "true"
    ENABLE_ORYX_BUILD                     = "true"
    AzureWebJobsFeatureFlags              = "EnableWorkerIndexing"
    APPLICATIONINSIGHTS_CONNECTION_STRING = var.host.application_insights_connection_string
  }
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

  app_settings = merge(
    local.platform_settings,
    {
      DTWIN_TWIN_NAME = var.common.twin_name
      DTWIN_LOG_LEVEL = var.common.log_level
    },
    var.app_settings,
  )

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

resource "azurerm_role_assignment" "storage" {
  for_each = toset([
    "Storage Blob Data Owner",
    "Storage Queue Data Contributor",
    "Storage Table Data Contributor",
  ])

  scope                = var.host.storage_account_id
  role_definition_name = each.value
  principal_id         = azurerm_linux_function_app.app.identity[0].principal_id
}

data "azurerm_function_app_host_keys" "app" {
  name                = azurerm_linux_function_app.app.name
  resource_group_name = var.common.resource_group_name

  depends_on = [azurerm_role_assignment.storage]
}
