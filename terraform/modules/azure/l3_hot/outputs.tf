output "cosmos_endpoint" {
  value = azurerm_cosmosdb_account.hot.endpoint
}

output "container_name" {
  value = azurerm_cosmosdb_sql_container.hot.name
}

output "database_name" {
  value = azurerm_cosmosdb_sql_database.twin.name
}

output "app_name" {
  value = azurerm_linux_function_app.app.name
}

output "hot_reader_url" {
  value = "https://${azurerm_linux_function_app.app.default_hostname}/api/hot-reader"
}

output "hot_writer_url" {
  value = "https://${azurerm_linux_function_app.app.default_hostname}/api/hot-writer"
}

output "functions_key" {
  value     = module.app.functions_key
  sensitive = true
}

output "principal_id" {
  value = azurerm_linux_function_app.app.identity[0].principal_id
}
