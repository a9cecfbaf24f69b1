# L3 archive · a Blob container (Archive tier) in the twin's storage account; the setup
# module's lifecycle policy brings its blobs to the Archive tier by age. The Function App
# holds the archive writer when L3 cold is on
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

  container_scope = "${var.host.storage_account_id}/blobServices/default/containers/${azurerm_storage_container.archive.name}"
}

resource "azurerm_storage_container" "archive" {
  name                  = var.container_name
  storage_account_id    = var.host.storage_account_id
  container_access_type = "private"
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
    DTWIN_TWIN_NAME                                     = var.common.twin_name
    DTWIN_LOG_LEVEL                                     = var.common.log_level
    DTWIN_ARCHIVE_STORE                                 = azurerm_storage_container.archive.name
    DTWIN_BLOB_ACCOUNT_URL                              = "https://${var.host.storage_account_name}.blob.core.windows.net"
    DTWIN_GLUE_SECRET__L3COLD_L3ARCHIVE_WRITER          = var.archive_writer_secret == null ? "" : var.archive_writer_secret
    DTWIN_GLUE_PREVIOUS_SECRET__L3COLD_L3ARCHIVE_WRITER = var.archive_writer_previous_secret == null ? "" : var.archive_writer_previous_secret
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

resource "azurerm_role_assignment" "data" {
  for_each = toset(concat(var.app_name == null ? [] : ["l3_archive"], keys(var.data_principal_ids)))

  scope                = local.container_scope
  role_definition_name = "Storage Blob Data Contributor"
  principal_id = merge(
    { for app in azurerm_linux_function_app.app : "l3_archive" => app.identity[0].principal_id },
    var.data_principal_ids,
  )[each.key]
}
