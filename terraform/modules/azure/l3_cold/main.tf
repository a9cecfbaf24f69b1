# L3 cold · a Blob container (Cool tier) in the twin's storage account; the setup
# module's lifecycle policy brings its blobs to the Cool tier by age. The Function App
# holds the cold-to-archive mover (timer) and the cold writer when L3 hot is on
# another cloud. Data-plane access is Storage Blob Data Contributor on the container for
# the apps' identities, never the account keys.

locals {
  container_scope = "${var.host.storage_account_id}/blobServices/default/containers/${azurerm_storage_container.cold.name}"
}

resource "azurerm_storage_container" "cold" {
  name                  = var.container_name
  storage_account_id    = var.host.storage_account_id
  container_access_type = "private"
}

module "app" {
  source = "../_function_app"

  common   = var.common
  host     = var.host
  app_name = var.app_name
  package  = var.package

  app_settings = merge(
    {
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
}

resource "azurerm_role_assignment" "data" {
  for_each = toset(concat(["l3_cold"], keys(var.data_principal_ids)))

  scope                = local.container_scope
  role_definition_name = "Storage Blob Data Contributor"
  principal_id = merge(
    { l3_cold = module.app.principal_id },
    var.data_principal_ids,
  )[each.key]
}
