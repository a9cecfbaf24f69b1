output "container_name" {
  value = azurerm_storage_container.cold.name
}

output "app_name" {
  value = module.app.name
}

output "cold_writer_url" {
  value = "${module.app.url}/api/cold-writer"
}

output "functions_key" {
  value     = module.app.functions_key
  sensitive = true
}

output "principal_id" {
  value = module.app.principal_id
}
