variable "common" {
  description = "Twin-wide settings and the layer's account and sources bucket."
  type = object({
    twin_name             = string
    project               = string
    region                = string
    labels                = map(string)
    log_level             = string
    functions_url         = string
    functions_bucket      = string
    service_account_email = string
  })
}

variable "package" {
  description = "The layer's source zip (dtwin build); null when the layer has no function."
  type        = string
  default     = null
}

variable "bucket_name" {
  description = "The cold bucket (Nearline)."
  type        = string
}

variable "cold_days" {
  description = "Objects older than this many days move to archive."
  type        = number
}

variable "mover_name" {
  description = "The cold-to-archive mover's deployed name."
  type        = string
}

variable "mover_job" {
  description = "The mover's Cloud Scheduler job name."
  type        = string
}

variable "mover_schedule" {
  description = "The mover's cron schedule."
  type        = string
  default     = "0 * * * *"
}

variable "archive_store" {
  description = "The archive bucket (L3 archive on Google), else null."
  type        = string
  default     = null
}

variable "archive_writer_url" {
  description = "URL of the archive writer on the L3 archive cloud."
  type        = string
  default     = null
}

variable "archive_writer_secret" {
  description = "HMAC secret of the l3cold-l3archive-writer boundary."
  type        = string
  default     = null
  sensitive   = true
}

variable "cold_writer_name" {
  description = "The cold writer's deployed name (L3 hot elsewhere), else null."
  type        = string
  default     = null
}

variable "cold_writer_secret" {
  description = "HMAC secret of the l3hot-l3cold-writer boundary."
  type        = string
  default     = null
  sensitive   = true
}

variable "cold_writer_previous_secret" {
  description = "Previous secret, accepted during rotation."
  type        = string
  default     = ""
  sensitive   = true
}
