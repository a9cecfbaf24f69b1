variable "functions" {
  description = "The layer's Lambdas keyed by topology name: deployed name and IAM role name (other attributes are ignored)."
  type = map(object({
    name      = string
    role_name = string
  }))
}

variable "log_retention_days" {
  description = "Days the functions' CloudWatch log groups keep events."
  type        = number
}
