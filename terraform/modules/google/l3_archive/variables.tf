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
  description = "The archive bucket (Archive class)."
  type        = string
}

variable "archive_writer_name" {
  description = "The archive writer's deployed name (L3 cold elsewhere), else null."
  type        = string
  default     = null
}

variable "archive_writer_secret" {
  description = "HMAC secret of the l3cold-l3archive-writer boundary."
  type        = string
  default     = null
  sensitive   = true
}

variable "archive_writer_previous_secret" {
  description = "Previous secret, accepted during rotation."
  type        = string
  default     = ""
  sensitive   = true
}
