# L3 hot · Cosmos DB (SQL API, serverless): the twin's database and the hot container,
# partitioned on /device_id (item id = timestamp), whose default TTL is the safety net behind
# the mover; one Function App with the hot reader, the hot-to-cold mover (timer) and the hot
# writer when L2 is on another cloud. Data-plane access is the Cosmos built-in data
# contributor role for the apps' identities, never the account keys.

locals {
  # The Cosmos DB Built-in Data Contributor role.
  data_contributor = "00000000-0000-0000-0000-000000000002"
  # Who writes or reads the container: this layer's app and the writers given (L2's app).
  principals = merge(
    { l3_hot = module.app.principal_id },
    var.data_principal_ids,
  )
}

resource "azurerm_cosmosdb_account" "hot" {
  name                          = var.cosmos_account_name
  resource_group_name           = var.common.resource_group_name
  location                      = var.common.location
  offer_type                    = "Standard"
  kind                          = "GlobalDocumentDB"
  local_authentication_disabled = true
  minimal_tls_version           = "Tls12"
  tags                          = var.common.tags

  capabilities {
    name = "EnableServerless"
  }

  consistency_policy {
    consistency_level = "Session"
  }

  geo_location {
    location          = var.common.location
    failover_priority = 0
  }
}

resource "azurerm_cosmosdb_sql_database" "twin" {
  name                = var.database_name
  resource_group_name = var.common.resource_group_name
  account_name        = azurerm_cosmosdb_account.hot.name
}

resource "azurerm_cosmosdb_sql_container" "hot" {
  name                = var.container_name
  resource_group_name = var.common.resource_group_name
  account_name        = azurerm_cosmosdb_account.hot.name
  database_name       = azurerm_cosmosdb_sql_database.twin.name
  partition_key_paths = ["/device_id"]
  default_ttl         = var.hot_ttl_days * 86400
}

module "app" {
  source = "../_function_app"

  common   = var.common
  host     = var.host
  app_name = var.app_name
  package  = var.package

  app_settings = merge(
    {
      DTWIN_HOT_STORE       = azurerm_cosmosdb_sql_container.hot.name
      DTWIN_COSMOS_ENDPOINT = azurerm_cosmosdb_account.hot.endpoint
      DTWIN_COSMOS_DATABASE = azurerm_cosmosdb_sql_database.twin.name
      DTWIN_HOT_DAYS        = tostring(var.hot_days)
      DTWIN_HOT_TTL_DAYS    = tostring(var.hot_ttl_days)
      DTWIN_MAX_PAGE_SIZE   = tostring(var.max_page_size)
      # Per boundary: the hot writer and the hot reader each check their own secret.
      DTWIN_GLUE_SECRET__L2_L3HOT_WRITER          = var.hot_writer_secret == null ? "" : var.hot_writer_secret
      DTWIN_GLUE_PREVIOUS_SECRET__L2_L3HOT_WRITER = var.hot_writer_previous_secret == null ? "" : var.hot_writer_previous_secret
      DTWIN_GLUE_SECRET__L3HOT_READER             = var.reader_secret == null ? "" : var.reader_secret
      DTWIN_GLUE_PREVIOUS_SECRET__L3HOT_READER    = var.reader_previous_secret == null ? "" : var.reader_previous_secret
    },
    var.cold_store == null ? {} : {
      DTWIN_COLD_STORE       = var.cold_store
      DTWIN_BLOB_ACCOUNT_URL = "https://${var.host.storage_account_name}.blob.core.windows.net"
    },
    var.cold_writer_url == null ? {} : {
      DTWIN_COLD_WRITER_URL    = var.cold_writer_url
      DTWIN_COLD_WRITER_SECRET = var.cold_writer_secret
    },
  )
}

resource "azurerm_cosmosdb_sql_role_assignment" "data" {
  for_each = toset(concat(["l3_hot"], keys(var.data_principal_ids)))

  resource_group_name = var.common.resource_group_name
  account_name        = azurerm_cosmosdb_account.hot.name
  role_definition_id  = "${azurerm_cosmosdb_account.hot.id}/sqlRoleDefinitions/${local.data_contributor}"
  principal_id        = local.principals[each.key]
  scope               = azurerm_cosmosdb_account.hot.id
}
