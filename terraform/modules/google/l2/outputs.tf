output "ingestion_url" {
  description = "URL of the ingestion receiver (L1 on another cloud), else null."
  value       = one([for f in module.ingestion : f.url])
}

output "workflow" {
  description = "The notification workflow's id, null when off."
  value       = one(google_workflows_workflow.notification[*].id)
}

output "function_urls" {
  description = "Deployed name -> URL of the layer's functions."
  value = merge(
    { for f in module.processor : f.name => f.url },
    { (module.persister.name) = module.persister.url },
    { for f in module.event_checker : f.name => f.url },
    { for f in module.action : f.name => f.url },
    { for f in module.event_feedback : f.name => f.url },
    { for f in module.ingestion : f.name => f.url },
  )
}
