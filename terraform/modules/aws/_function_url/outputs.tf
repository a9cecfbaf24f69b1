output "urls" {
  description = "The Function URL of each function, keyed like var.urls."
  value       = { for key, url in aws_lambda_function_url.url : key => url.function_url }
}
