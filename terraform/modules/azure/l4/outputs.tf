output "instance_name" {
  value = azurerm_digital_twins_instance.twin.name
}

output "adt_url" {
  value = "https://${azurerm_digital_twins_instance.twin.host_name}"
}

output "app_url" {
  value = module.app.url
}

output "app_name" {
  value = module.app.name
}

output "twin_update_url" {
  description = "The ADT updater's URL (the L2 -> L4 boundary's receiver)."
  value       = "${module.app.url}/api/adt-updater"
}

output "hot_reader_proxy_url" {
  value = "${module.app.url}/api/hot-reader-proxy"
}

output "functions_key" {
  value     = module.app.functions_key
  sensitive = true
}

output "principal_id" {
  value = module.app.principal_id
}
