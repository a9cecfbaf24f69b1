variable "common" {
  description = "Inputs every layer takes alike: twin_name (DTWIN_TWIN_NAME of every function), log_level (DTWIN_LOG_LEVEL: DEBUG or INFO), log_retention_days of the functions' CloudWatch log groups, and the timeout and memory of every function in this layer."
  type = object({
    twin_name                = string
    log_level                = optional(string, "INFO")
    log_retention_days       = optional(number, 14)
    function_timeout_seconds = optional(number, 30)
    function_memory_mb       = optional(number, 256)
  })

  validation {
    condition     = contains(["DEBUG", "INFO"], var.common.log_level)
    error_message = "common.log_level is DEBUG or INFO."
  }
}

# Every function input is a package from the build: the deployed Lambda name and IAM role
# name (both from the topology), the handler, where the zip was uploaded (the setup module's
# bucket and key) and the base64 SHA-256 of the zip.

variable "processors" {
  description = "One processor per device, keyed by device id."
  type = map(object({
    name         = string
    role_name    = string
    handler      = string
    s3_bucket    = string
    s3_key       = string
    package_hash = string
  }))
}

variable "persister" {
  description = "The persister (hot storage, then event checking)."
  type = object({
    name         = string
    role_name    = string
    handler      = string
    s3_bucket    = string
    s3_key       = string
    package_hash = string
  })
}

variable "event_checker" {
  description = "The event checker; null when event checking is off."
  type = object({
    name         = string
    role_name    = string
    handler      = string
    s3_bucket    = string
    s3_key       = string
    package_hash = string
  })
  default = null
}

variable "actions" {
  description = "One function per event action, keyed by action name."
  type = map(object({
    name         = string
    role_name    = string
    handler      = string
    s3_bucket    = string
    s3_key       = string
    package_hash = string
  }))
  default = {}
}

variable "event_feedback" {
  description = "The event feedback function; null when feedback to devices is off."
  type = object({
    name         = string
    role_name    = string
    handler      = string
    s3_bucket    = string
    s3_key       = string
    package_hash = string
  })
  default = null
}

variable "feedback_topic_pattern" {
  description = "IAM topic pattern the event feedback function may publish to, e.g. dtwin/<twin>/*/feedback."
  type        = string
  default     = null
}

variable "iot_endpoint" {
  description = "IoT data endpoint for feedback (DTWIN_IOT_ENDPOINT); null uses the SDK's default."
  type        = string
  default     = null
}

variable "workflow" {
  description = "Step Functions state machine started by the event checker (name, role name, definition JSON); null when the workflow feature is off."
  type = object({
    name       = string
    role_name  = string
    definition = string
  })
  default = null
}

variable "hot_table" {
  description = "The hot DynamoDB table when L3 hot is on AWS; null when it is on another cloud."
  type = object({
    name = string
    arn  = string
  })
  default = null
}

variable "hot_ttl_days" {
  description = "DTWIN_HOT_TTL_DAYS of the persister (the hot store's TTL safety net); null for none."
  type        = number
  default     = null
}

variable "hot_writer_url" {
  description = "URL of the hot writer on the L3 hot cloud, when L3 hot is on another cloud."
  type        = string
  default     = null
  sensitive   = true
}

variable "hot_writer_secret" {
  description = "HMAC secret of the L2 -> L3 hot boundary, when L3 hot is on another cloud."
  type        = string
  default     = null
  sensitive   = true
}

variable "twin_update_url" {
  description = "URL of the Azure Digital Twins updater, when L4 is Azure."
  type        = string
  default     = null
  sensitive   = true
}

variable "twin_update_secret" {
  description = "HMAC secret of the L2 -> L4 twin-update boundary, when L4 is Azure."
  type        = string
  default     = null
  sensitive   = true
}

variable "ingestion" {
  description = "The ingestion receiver; null unless L1 is on another cloud."
  type = object({
    name         = string
    role_name    = string
    handler      = string
    s3_bucket    = string
    s3_key       = string
    package_hash = string
  })
  default = null
}

variable "ingestion_secret" {
  description = "HMAC secret of the L1 -> L2 boundary (the ingestion receiver's DTWIN_GLUE_SECRET)."
  type        = string
  default     = null
  sensitive   = true
}

variable "ingestion_previous_secret" {
  description = "Previous HMAC secret of the L1 -> L2 boundary, accepted during rotation."
  type        = string
  default     = null
  sensitive   = true
}
