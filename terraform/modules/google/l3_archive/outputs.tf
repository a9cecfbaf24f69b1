output "bucket" {
  description = "The archive bucket."
  value       = google_storage_bucket.archive.name
}

output "archive_writer_url" {
  description = "URL of the archive writer (L3 cold on another cloud), else null."
  value       = one([for f in module.archive_writer : f.url])
}

output "function_urls" {
  description = "Deployed name -> URL of the layer's functions."
  value       = { for f in module.archive_writer : f.name => f.url }
}
