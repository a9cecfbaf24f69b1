output "container_name" {
  value = azurerm_storage_container.archive.name
}

output "archive_writer_url" {
  value = one([for app in module.app : "${app.url}/api/archive-writer"])
}

output "functions_key" {
  value     = one([for app in module.app : app.functions_key])
  sensitive = true
}
