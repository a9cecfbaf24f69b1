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
  value = module.app.name
}

output "hot_reader_url" {
  value = "${module.app.url}/api/hot-reader"
}

output "hot_writer_url" {
  value = "${module.app.url}/api/hot-writer"
}

output "functions_key" {
  value     = module.app.functions_key
  sensitive = true
}

output "principal_id" {
  value = module.app.principal_id
}
