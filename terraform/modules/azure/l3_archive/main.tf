# L3 archive · a Blob container (Archive tier) in the twin's storage account; the setup
# module's lifecycle policy brings its blobs to the Archive tier by age. The Function App
# holds the archive writer when L3 cold is on
# another cloud. Data-plane access is Storage Blob Data Contributor on the container for
# the apps' identities, never the account keys.

locals {
  container_scope = "${var.host.storage_account_id}/blobServices/default/containers/${azurerm_storage_container.archive.name}"
}

resource "azurerm_storage_container" "archive" {
  name                  = var.container_name
  storage_account_id    = var.host.storage_account_id
  container_access_type = "private"
}

module "app" {
  source = "../_function_app"
  count  = var.app_name == null ? 0 : 1

  common   = var.common
  host     = var.host
  app_name = var.app_name
  package  = var.package

  app_settings = {
    DTWIN_ARCHIVE_STORE                                 = azurerm_storage_container.archive.name
    DTWIN_BLOB_ACCOUNT_URL                              = "https://${var.host.storage_account_name}.blob.core.windows.net"
    DTWIN_GLUE_SECRET__L3COLD_L3ARCHIVE_WRITER          = var.archive_writer_secret == null ? "" : var.archive_writer_secret
    DTWIN_GLUE_PREVIOUS_SECRET__L3COLD_L3ARCHIVE_WRITER = var.archive_writer_previous_secret == null ? "" : var.archive_writer_previous_secret
  }
}

resource "azurerm_role_assignment" "data" {
  for_each = toset(concat(var.app_name == null ? [] : ["l3_archive"], keys(var.data_principal_ids)))

  scope                = local.container_scope
  role_definition_name = "Storage Blob Data Contributor"
  principal_id = merge(
    { for app in module.app : "l3_archive" => app.principal_id },
    var.data_principal_ids,
  )[each.key]
}
