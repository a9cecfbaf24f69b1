output "functions_key" {
  description = "The app's default function key (header x-functions-key of calls between functions)."
  value       = data.azurerm_function_app_host_keys.app.default_function_key
  sensitive   = true
}
