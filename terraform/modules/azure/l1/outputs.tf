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
  value = module.app.name
}

output "app_url" {
  value = module.app.url
}

output "functions_key" {
  value     = module.app.functions_key
  sensitive = true
}

output "principal_id" {
  value = module.app.principal_id
}
