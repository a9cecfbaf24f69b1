output "app_name" {
  value = module.app.name
}

output "app_url" {
  value = module.app.url
}

output "ingestion_url" {
  description = "The ingestion receiver's URL (the L1 -> L2 boundary's receiver)."
  value       = "${module.app.url}/api/ingestion"
}

output "functions_key" {
  value     = module.app.functions_key
  sensitive = true
}

output "principal_id" {
  value = module.app.principal_id
}
