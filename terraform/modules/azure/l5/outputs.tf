output "grafana_name" {
  value = azurerm_dashboard_grafana.twin.name
}

output "grafana_endpoint" {
  value = azurerm_dashboard_grafana.twin.endpoint
}

output "hot_reader_proxy_url" {
  value = one([for app in azurerm_linux_function_app.app : "https://${app.default_hostname}/api/hot-reader-proxy"])
}

output "functions_key" {
  value     = one([for app in module.app : app.functions_key])
  sensitive = true
}
