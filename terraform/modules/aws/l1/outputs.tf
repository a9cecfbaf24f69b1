output "function_names" {
  description = "Deployed Lambda name of every function of this layer, keyed by topology name."
  value       = { for key, fn in local.functions : key => fn.name }
}

output "dispatcher_arn" {
  description = "ARN of the dispatcher."
  value       = aws_lambda_function.dispatcher.arn
}

output "things" {
  description = "IoT thing name per device id (the SDK step attaches each device's certificate)."
  value       = { for device, thing in aws_iot_thing.device : device => thing.name }
}

output "policies" {
  description = "IoT policy name per device id (attached to the device's certificate by the SDK step)."
  value       = { for device, policy in aws_iot_policy.device : device => policy.name }
}

output "topic_rule_name" {
  description = "Name of the telemetry topic rule."
  value       = aws_iot_topic_rule.telemetry.name
}

output "topic_rule_arn" {
  description = "ARN of the telemetry topic rule."
  value       = aws_iot_topic_rule.telemetry.arn
}
