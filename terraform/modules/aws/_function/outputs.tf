output "role_arns" {
  description = "ARN of each function's IAM role, keyed like var.functions (the Lambda's role)."
  value       = { for key, role in aws_iam_role.function : key => role.arn }
}

output "role_ids" {
  description = "Id (name) of each function's IAM role, keyed like var.functions (for inline policies)."
  value       = { for key, role in aws_iam_role.function : key => role.id }
}

output "log_group_names" {
  description = "Name of each function's log group, keyed like var.functions."
  value       = { for key, group in aws_cloudwatch_log_group.function : key => group.name }
}
