variable "common" {
  description = "Twin-wide settings: twin name, project, region, labels."
  type = object({
    twin_name = string
    project   = string
    region    = string
    labels    = map(string)
  })
}

variable "name" {
  description = "The Cloud Scheduler job name."
  type        = string
}

variable "uri" {
  description = "The URL of the function the job calls."
  type        = string
}

variable "service_account_email" {
  description = "Account whose OIDC token the job sends (has run.invoker)."
  type        = string
}

variable "schedule" {
  description = "Cron schedule (UTC)."
  type        = string
  default     = "0 * * * *"
}
