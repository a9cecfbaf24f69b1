output "iothub_name" {
  value = azurerm_iothub.hub.name
}

output "iothub_hostname" {
  value = azurerm_iothub.hub.hostname
}

output "iothub_id" {
  value = azurerm_iothub.hub.id
}

output "app_name" {
  value = azurerm_linux_function_app.app.name
}

output "app_url" {
  value = "https://${azurerm_linux_function_app.app.default_hostname}"
}

output "functions_key" {
  value     = module.app.functions_key
  sensitive = true
}

output "principal_id" {
  value = azurerm_linux_function_app.app.identity[0].principal_id
}
