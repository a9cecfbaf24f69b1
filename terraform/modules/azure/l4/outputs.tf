output "instance_name" {
  value = azurerm_digital_twins_instance.twin.name
}

output "adt_url" {
  value = "https://${azurerm_digital_twins_instance.twin.host_name}"
}

output "app_url" {
  value = "https://${azurerm_linux_function_app.app.default_hostname}"
}

output "app_name" {
  value = azurerm_linux_function_app.app.name
}

output "twin_update_url" {
  description = "The ADT updater's URL (the L2 -> L4 boundary's receiver)."
  value       = "https://${azurerm_linux_function_app.app.default_hostname}/api/adt-updater"
}

output "hot_reader_proxy_url" {
  value = "https://${azurerm_linux_function_app.app.default_hostname}/api/hot-reader-proxy"
}

output "functions_key" {
  value     = module.app.functions_key
  sensitive = true
}

output "principal_id" {
  value = azurerm_linux_function_app.app.identity[0].principal_id
}
