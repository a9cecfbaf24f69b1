variable "name" {
  description = "The schedule's name (the mover's deployed name, from the topology)."
  type        = string
}

variable "role_name" {
  description = "Name of the IAM role the scheduler assumes."
  type        = string
}

variable "description" {
  description = "What the schedule does, shown in the console."
  type        = string
}

variable "schedule_expression" {
  description = "When the mover runs, e.g. rate(1 day)."
  type        = string
}

variable "function_arn" {
  description = "ARN of the mover function the schedule invokes."
  type        = string
}
