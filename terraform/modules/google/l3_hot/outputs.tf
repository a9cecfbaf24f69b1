output "database" {
  description = "The Firestore database."
  value       = google_firestore_database.hot.name
}

output "collection" {
  description = "The hot collection."
  value       = var.collection
}

output "hot_reader_url" {
  description = "URL of the hot reader."
  value       = module.hot_reader.url
}

output "hot_writer_url" {
  description = "URL of the hot writer (L2 on another cloud), else null."
  value       = one([for f in module.hot_writer : f.url])
}

output "function_urls" {
  description = "Deployed name -> URL of the layer's functions."
  value = merge(
    { (module.hot_reader.name) = module.hot_reader.url },
    { (module.hot_to_cold_mover.name) = module.hot_to_cold_mover.url },
    { for f in module.hot_writer : f.name => f.url },
  )
}
