output "function_names" {
  description = "Deployed Lambda name of every function of this layer, keyed by topology name."
  value       = { for key, fn in local.functions : key => fn.name }
}

output "table" {
  description = "The hot table (name and ARN), for the persister and the movers."
  value = {
    name = aws_dynamodb_table.hot.name
    arn  = aws_dynamodb_table.hot.arn
  }
}

output "hot_reader_arn" {
  description = "ARN of the hot reader (what TwinMaker and Grafana invoke)."
  value       = aws_lambda_function.hot_reader.arn
}

output "hot_reader_url" {
  description = "Function URL of the hot reader."
  value       = module.urls.urls["hot-reader"]
}

output "hot_writer_url" {
  description = "Function URL of the hot writer receiver (for the L2 cloud); null when L2 is on AWS."
  value       = lookup(module.urls.urls, "hot-writer", null)
}

output "mover_schedule_name" {
  description = "Name of the hot -> cold mover's schedule."
  value       = module.mover_schedule.schedule_name
}
