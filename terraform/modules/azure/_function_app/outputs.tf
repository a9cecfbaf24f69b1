output "id" {
  description = "Resource id of the Function App (its functions are <id>/functions/<name>)."
  value       = azurerm_linux_function_app.app.id
}

output "name" {
  value = azurerm_linux_function_app.app.name
}

output "url" {
  description = "The app's base URL; a function's route is <url>/api/<name>."
  value       = "https://${azurerm_linux_function_app.app.default_hostname}"
}

output "principal_id" {
  description = "Object id of the app's system-assigned identity."
  value       = azurerm_linux_function_app.app.identity[0].principal_id
}

output "functions_key" {
  description = "The app's default function key (header x-functions-key of calls between functions)."
  value       = data.azurerm_function_app_host_keys.app.default_function_key
  sensitive   = true
}
