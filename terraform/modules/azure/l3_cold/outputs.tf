output "container_name" {
  value = azurerm_storage_container.cold.name
}

output "app_name" {
  value = azurerm_linux_function_app.app.name
}

output "cold_writer_url" {
  value = "https://${azurerm_linux_function_app.app.default_hostname}/api/cold-writer"
}

output "functions_key" {
  value     = module.app.functions_key
  sensitive = true
}

output "principal_id" {
  value = azurerm_linux_function_app.app.identity[0].principal_id
}
