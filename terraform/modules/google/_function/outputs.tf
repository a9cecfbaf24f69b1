output "name" {
  description = "The deployed function name."
  value       = google_cloudfunctions2_function.this.name
}

output "url" {
  description = "The function's HTTPS URL."
  value       = google_cloudfunctions2_function.this.url
}
