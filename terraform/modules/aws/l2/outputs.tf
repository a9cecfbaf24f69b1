output "function_names" {
  description = "Deployed Lambda name of every function of this layer, keyed by topology name."
  value       = { for key, fn in local.functions : key => fn.name }
}

output "processor_arns" {
  description = "ARNs of the processors (what the L1 dispatcher may invoke)."
  value       = [for fn in aws_lambda_function.processor : fn.arn]
}

output "persister_arn" {
  description = "ARN of the persister."
  value       = aws_lambda_function.persister.arn
}

output "ingestion_url" {
  description = "Function URL of the ingestion receiver (for the L1 cloud); null when L1 is on AWS."
  value       = lookup(module.urls.urls, "ingestion", null)
}

output "workflow_arn" {
  description = "ARN of the Step Functions workflow; null when there is none."
  value       = one(aws_sfn_state_machine.workflow[*].arn)
}
