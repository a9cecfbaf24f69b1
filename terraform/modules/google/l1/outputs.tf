output "telemetry_topic" {
  description = "The telemetry topic's name."
  value       = google_pubsub_topic.telemetry.name
}

output "feedback_topic" {
  description = "The feedback topic's name."
  value       = google_pubsub_topic.feedback.name
}

output "feedback_subscriptions" {
  description = "Device id -> its feedback subscription."
  value       = { for device, sub in google_pubsub_subscription.feedback : device => sub.name }
}

output "function_urls" {
  description = "Deployed name -> URL of the layer's functions."
  value = merge(
    { (module.dispatcher.name) = module.dispatcher.url },
    { for c in module.connector : c.name => c.url },
  )
}
