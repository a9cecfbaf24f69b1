output "function_names" {
  description = "Deployed Lambda name of every function of this layer, keyed by topology name."
  value       = { for key, fn in local.functions : key => fn.name }
}

output "bucket" {
  description = "The archive bucket (name and ARN), for the cold -> archive mover."
  value = {
    name = module.bucket.id
    arn  = module.bucket.arn
  }
}

output "archive_writer_url" {
  description = "Function URL of the archive writer receiver (for the L3 cold cloud); null when L3 cold is on AWS."
  value       = lookup(module.urls.urls, "archive-writer", null)
}
