output "functions_bucket" {
  description = "The sources bucket."
  value       = google_storage_bucket.functions.name
}

output "service_account_emails" {
  description = "Layer -> its service account's email."
  value       = { for layer, account in google_service_account.layer : layer => account.email }
}
