output "resource_group_name" {
  value = azurerm_resource_group.twin.name
}

output "location" {
  value = azurerm_resource_group.twin.location
}

output "storage_account_id" {
  value = azurerm_storage_account.twin.id
}

output "storage_account_name" {
  value = azurerm_storage_account.twin.name
}

output "host" {
  description = "The host input of every layer module."
  value = {
    service_plan_id                        = azurerm_service_plan.functions.id
    storage_account_name                   = azurerm_storage_account.twin.name
    storage_account_id                     = azurerm_storage_account.twin.id
    application_insights_connection_string = azurerm_application_insights.functions.connection_string
  }
  sensitive = true
}
