# Setup · what every Azure layer shares: the twin's resource group, its storage account
# (function packages, the functions' state, the cold and archive containers), the Linux
# consumption plan the Function Apps run on, and Application Insights.

resource "azurerm_resource_group" "twin" {
  name     = var.common.resource_group_name
  location = var.common.location
  tags     = var.common.tags
}

resource "azurerm_storage_account" "twin" {
  name                            = var.storage_account_name
  resource_group_name             = azurerm_resource_group.twin.name
  location                        = azurerm_resource_group.twin.location
  account_tier                    = "Standard"
  account_replication_type        = "LRS"
  account_kind                    = "StorageV2"
  min_tls_version                 = "TLS1_2"
  https_traffic_only_enabled      = true
  allow_nested_items_to_be_public = false
  # Functions and dtwin reach the data plane with managed identities and Entra ID.
  default_to_oauth_authentication = true
  tags                            = var.common.tags
}

resource "azurerm_service_plan" "functions" {
  name                = "${var.common.twin_name}-plan"
  resource_group_name = azurerm_resource_group.twin.name
  location            = azurerm_resource_group.twin.location
  os_type             = "Linux"
  sku_name            = var.plan_sku
  tags                = var.common.tags
}

resource "azurerm_application_insights" "functions" {
  name                = "${var.common.twin_name}-insights"
  resource_group_name = azurerm_resource_group.twin.name
  location            = azurerm_resource_group.twin.location
  application_type    = "other"
  retention_in_days   = var.log_retention_days
  tags                = var.common.tags
}

# One lifecycle policy per storage account: the backstop that brings each tier's container
# to its tier by age (the writers upload with the tier already set).
resource "azurerm_storage_management_policy" "tiers" {
  count = length(var.lifecycle_rules) > 0 ? 1 : 0

  storage_account_id = azurerm_storage_account.twin.id

  dynamic "rule" {
    for_each = var.lifecycle_rules

    content {
      name    = rule.value.container
      enabled = true

      filters {
        prefix_match = ["${rule.value.container}/"]
        blob_types   = ["blockBlob"]
      }

      actions {
        base_blob {
          tier_to_cool_after_days_since_creation_greater_than    = rule.value.tier == "Cool" ? rule.value.after_days : null
          tier_to_archive_after_days_since_creation_greater_than = rule.value.tier == "Archive" ? rule.value.after_days : null
        }
      }
    }
  }
}
