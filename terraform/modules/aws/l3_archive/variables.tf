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

variable "bucket_name" {
  description = "Name of the archive S3 bucket (globally unique)."
  type        = string
}

variable "enforce_tls" {
  description = "Deny every request to the bucket that does not use TLS. False against the sandbox emulator, which serves plain HTTP on loopback."
  type        = bool
  default     = true
}

variable "force_destroy" {
  description = "Delete the bucket's objects on destroy (destroying the twin deletes its data)."
  type        = bool
  default     = false
}

variable "enable_lifecycle" {
  description = "Create the bucket's lifecycle configuration. False against the sandbox emulator, whose lifecycle waiter takes about a minute per bucket."
  type        = bool
  default     = true
}

variable "abort_incomplete_upload_days" {
  description = "Days after which incomplete multipart uploads are aborted."
  type        = number
  default     = 7
}

variable "expiration_days" {
  description = "Days after which archived objects are deleted; null keeps them forever."
  type        = number
  default     = null
}

variable "archive_writer" {
  description = "The archive writer receiver; null unless L3 cold is on another cloud."
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

variable "archive_writer_secret" {
  description = "HMAC secret of the L3 cold -> L3 archive boundary (the archive-writer receiver's DTWIN_GLUE_SECRET), when the sender is on another cloud."
  type        = string
  default     = null
  sensitive   = true
}

variable "archive_writer_previous_secret" {
  description = "Previous HMAC secret of the L3 cold -> L3 archive boundary, accepted during rotation."
  type        = string
  default     = null
  sensitive   = true
}
