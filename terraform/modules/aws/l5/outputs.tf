output "function_names" {
  description = "Deployed Lambda name of every function of this layer, keyed by topology name."
  value       = { for key, fn in local.functions : key => fn.name }
}

output "workspace_id" {
  description = "Id of the Managed Grafana workspace (for the dashboards SDK step)."
  value       = aws_grafana_workspace.dashboards.id
}

output "workspace_endpoint" {
  description = "URL host of the Managed Grafana workspace."
  value       = aws_grafana_workspace.dashboards.endpoint
}

output "role_arn" {
  description = "ARN of the IAM role the Grafana workspace assumes."
  value       = aws_iam_role.grafana.arn
}

output "hot_reader_proxy_arn" {
  description = "ARN of the hot reader proxy in this layer; null when there is none."
  value       = one(aws_lambda_function.hot_reader_proxy[*].arn)
}

output "hot_reader_proxy_url" {
  description = "Function URL of the hot reader proxy in this layer; null when there is none."
  value       = one(aws_lambda_function_url.hot_reader_proxy[*].function_url)
}
