output "bucket" {
  description = "The cold bucket."
  value       = google_storage_bucket.cold.name
}

output "cold_writer_url" {
  description = "URL of the cold writer (L3 hot on another cloud), else null."
  value       = one([for f in module.cold_writer : f.url])
}

output "function_urls" {
  description = "Deployed name -> URL of the layer's functions."
  value = merge(
    { (module.cold_to_archive_mover.name) = module.cold_to_archive_mover.url },
    { for f in module.cold_writer : f.name => f.url },
  )
}
