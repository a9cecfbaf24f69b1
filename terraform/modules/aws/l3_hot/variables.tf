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

variable "table_name" {
  description = "Name of the hot DynamoDB table."
  type        = string
}

variable "hot_days" {
  description = "Records older than this many days move to cold storage (DTWIN_HOT_DAYS)."
  type        = number
}

variable "hot_ttl_days" {
  description = "DTWIN_HOT_TTL_DAYS of the hot writer (the TTL safety net); null for none."
  type        = number
  default     = null
}

variable "max_page_size" {
  description = "DTWIN_MAX_PAGE_SIZE of the hot reader; null keeps the function's default."
  type        = number
  default     = null
}

variable "hot_reader" {
  description = "The hot reader (Function URL, TwinMaker data connector, remote readers)."
  type = object({
    name         = string
    role_name    = string
    handler      = string
    s3_bucket    = string
    s3_key       = string
    package_hash = string
  })
}

variable "remote_readers" {
  description = "Whether L4 or L5 is on another cloud and reads through the hot reader's URL (HMAC-signed, so the URL takes no AWS auth)."
  type        = bool
  default     = false
}

variable "reader_secret" {
  description = "HMAC secret of the reader boundaries (L4/L5 -> L3 hot), when remote_readers."
  type        = string
  default     = null
  sensitive   = true
}

variable "reader_previous_secret" {
  description = "Previous HMAC secret of the reader boundaries, accepted during rotation."
  type        = string
  default     = null
  sensitive   = true
}

variable "hot_to_cold_mover" {
  description = "The scheduled hot -> cold mover."
  type = object({
    name         = string
    role_name    = string
    handler      = string
    s3_bucket    = string
    s3_key       = string
    package_hash = string
  })
}

variable "mover_timeout_seconds" {
  description = "Timeout of the scheduled mover (it may move many records)."
  type        = number
  default     = 300
}

variable "mover_schedule" {
  description = "EventBridge Scheduler schedule of the mover: schedule name and the name of the role it assumes to invoke the mover."
  type = object({
    name      = string
    role_name = string
  })
}

variable "schedule_expression" {
  description = "When the mover runs (EventBridge Scheduler expression)."
  type        = string
  default     = "rate(1 day)"
}

variable "cold_bucket" {
  description = "The cold S3 bucket when L3 cold is on AWS; null when it is on another cloud."
  type = object({
    name = string
    arn  = string
  })
  default = null
}

variable "cold_writer_url" {
  description = "URL of the cold writer on the L3 cold cloud, when L3 cold is on another cloud."
  type        = string
  default     = null
  sensitive   = true
}

variable "cold_writer_secret" {
  description = "HMAC secret of the L3 hot -> L3 cold boundary, when L3 cold is on another cloud."
  type        = string
  default     = null
  sensitive   = true
}

variable "hot_writer" {
  description = "The hot writer receiver; null unless L2 is on another cloud."
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

variable "hot_writer_secret" {
  description = "HMAC secret of the L2 -> L3 hot boundary (the hot-writer receiver's DTWIN_GLUE_SECRET), when the sender is on another cloud."
  type        = string
  default     = null
  sensitive   = true
}

variable "hot_writer_previous_secret" {
  description = "Previous HMAC secret of the L2 -> L3 hot boundary, accepted during rotation."
  type        = string
  default     = null
  sensitive   = true
}
