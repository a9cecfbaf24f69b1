output "grafana_name" {
  value = azurerm_dashboard_grafana.twin.name
}

output "grafana_endpoint" {
  value = azurerm_dashboard_grafana.twin.endpoint
}

output "hot_reader_proxy_url" {
  value = one([for app in module.app : "${app.url}/api/hot-reader-proxy"])
}

output "functions_key" {
  value     = one([for app in module.app : app.functions_key])
  sensitive = true
}
