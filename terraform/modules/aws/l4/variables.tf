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
  description = "Name of the TwinMaker workspace S3 bucket (globally unique)."
  type        = string
}

variable "enforce_tls" {
  description = "Deny every request to the bucket that does not use TLS. False against the sandbox emulator, which serves plain HTTP on loopback."
  type        = bool
  default     = true
}

variable "force_destroy" {
  description = "Delete the bucket's objects on destroy."
  type        = bool
  default     = false
}

variable "role_name" {
  description = "Name of the IAM role IoT TwinMaker assumes for the workspace."
  type        = string
}

variable "hot_reader_arn" {
  description = "ARN of the function TwinMaker's data connector invokes: the hot reader, or a hot reader proxy in another layer. Null when the proxy lives in this layer."
  type        = string
  default     = null
}

variable "hot_reader_proxy" {
  description = "The hot reader proxy, when L3 hot is on another cloud and the proxy lives in this layer; null otherwise."
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

variable "remote_url" {
  description = "URL of the hot reader on the L3 hot cloud (for the proxy)."
  type        = string
  default     = null
  sensitive   = true
}

variable "remote_secret" {
  description = "HMAC secret of the reader boundary (for the proxy)."
  type        = string
  default     = null
  sensitive   = true
}
