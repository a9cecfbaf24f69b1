output "function_names" {
  description = "Deployed Lambda name of every function of this layer, keyed by topology name."
  value       = { for key, fn in local.functions : key => fn.name }
}

output "bucket" {
  description = "The cold bucket (name and ARN), for the hot -> cold mover."
  value = {
    name = module.bucket.id
    arn  = module.bucket.arn
  }
}

output "cold_writer_url" {
  description = "Function URL of the cold writer receiver (for the L3 hot cloud); null when L3 hot is on AWS."
  value       = lookup(module.urls.urls, "cold-writer", null)
}

output "mover_schedule_name" {
  description = "Name of the cold -> archive mover's schedule."
  value       = module.mover_schedule.schedule_name
}
