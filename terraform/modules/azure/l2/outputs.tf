output "app_name" {
  value = azurerm_linux_function_app.app.name
}

output "app_url" {
  value = "https://${azurerm_linux_function_app.app.default_hostname}"
}

output "ingestion_url" {
  description = "The ingestion receiver's URL (the L1 -> L2 boundary's receiver)."
  value       = "https://${azurerm_linux_function_app.app.default_hostname}/api/ingestion"
}

output "functions_key" {
  value     = module.app.functions_key
  sensitive = true
}

output "principal_id" {
  value = azurerm_linux_function_app.app.identity[0].principal_id
}
