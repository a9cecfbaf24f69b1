# L3 cold · a Blob container (Cool tier) in the twin's storage account; the setup
# module's lifecycle policy brings its blobs to the Cool tier by age. The Function App
# holds the cold-to-archive mover (timer) and the cold writer when L3 hot is on
# another cloud. Data-plane access is Storage Blob Data Contributor on the container for
# the apps' identities, never the account keys.

locals {
  platform_settings = {
    FUNCTIONS_WORKER_RUNTIME              = "python"
    SCM_DO_BUILD_DURING_DEPLOYMENT        = "true"
    ENABLE_ORYX_BUILD                     = "true"
    AzureWebJobsFeatureFlags              = "EnableWorkerIndexing"
    APPLICATIONINSIGHTS_CONNECTION_STRING = var.host.application_insights_connection_string
  }

  container_scope = "${var.host.storage_account_id}/blobServices/default/containers/${azurerm_storage_container.cold.name}"
}

resource "azurerm_storage_container" "cold" {
  name                  = var.container_name
  storage_account_id    = var.host.storage_account_id
  container_access_type = "private"
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
      DTWIN_TWIN_NAME                                 = var.common.twin_name
      DTWIN_LOG_LEVEL                                 = var.common.log_level
      DTWIN_COLD_STORE                                = azurerm_storage_container.cold.name
      DTWIN_COLD_DAYS                                 = tostring(var.cold_days)
      DTWIN_BLOB_ACCOUNT_URL                          = "https://${var.host.storage_account_name}.blob.core.windows.net"
      DTWIN_GLUE_SECRET__L3HOT_L3COLD_WRITER          = var.cold_writer_secret == null ? "" : var.cold_writer_secret
      DTWIN_GLUE_PREVIOUS_SECRET__L3HOT_L3COLD_WRITER = var.cold_writer_previous_secret == null ? "" : var.cold_writer_previous_secret
    },
    var.archive_store == null ? {} : { DTWIN_ARCHIVE_STORE = var.archive_store },
    var.archive_writer_url == null ? {} : {
      DTWIN_ARCHIVE_WRITER_URL    = var.archive_writer_url
      DTWIN_ARCHIVE_WRITER_SECRET = var.archive_writer_secret
    },
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

module "app" {
  source = "../_function_app"

  app_name            = azurerm_linux_function_app.app.name
  resource_group_name = var.common.resource_group_name
  principal_id        = azurerm_linux_function_app.app.identity[0].principal_id
  storage_account_id  = var.host.storage_account_id
}

resource "azurerm_role_assignment" "data" {
  for_each = toset(concat(["l3_cold"], keys(var.data_principal_ids)))

  scope                = local.container_scope
  role_definition_name = "Storage Blob Data Contributor"
  principal_id = merge(
    { l3_cold = azurerm_linux_function_app.app.identity[0].principal_id },
    var.data_principal_ids,
  )[each.key]
}
