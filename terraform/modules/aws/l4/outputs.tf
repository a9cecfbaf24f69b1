output "function_names" {
  description = "Deployed Lambda name of every function of this layer, keyed by topology name."
  value       = { for key, fn in local.functions : key => fn.name }
}

output "role_arn" {
  description = "ARN of the IAM role the TwinMaker workspace assumes (for the SDK step)."
  value       = aws_iam_role.twinmaker.arn
}

output "bucket_name" {
  description = "Name of the TwinMaker workspace bucket (for the SDK step)."
  value       = module.bucket.id
}

output "data_connector_arn" {
  description = "ARN of the function TwinMaker invokes for time series (hot reader or proxy)."
  value       = local.reader_arn
}

output "hot_reader_proxy_arn" {
  description = "ARN of the hot reader proxy in this layer; null when there is none."
  value       = one(aws_lambda_function.hot_reader_proxy[*].arn)
}

output "hot_reader_proxy_url" {
  description = "Function URL of the hot reader proxy in this layer; null when there is none."
  value       = one(aws_lambda_function_url.hot_reader_proxy[*].function_url)
}
