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

variable "dispatcher" {
  description = "The dispatcher, invoked by the telemetry topic rule."
  type = object({
    name         = string
    role_name    = string
    handler      = string
    s3_bucket    = string
    s3_key       = string
    package_hash = string
  })
}

variable "connector" {
  description = "The connector forwarding to the ingestion receiver; null unless L2 is on another cloud."
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
  description = "URL of the ingestion receiver on the L2 cloud, when L2 is on another cloud."
  type        = string
  default     = null
  sensitive   = true
}

variable "remote_secret" {
  description = "HMAC secret of the L1 -> L2 boundary, when L2 is on another cloud."
  type        = string
  default     = null
  sensitive   = true
}

variable "processor_arns" {
  description = "ARNs of the L2 processors the dispatcher may invoke (empty when L2 is on another cloud)."
  type        = list(string)
  default     = []
}

variable "rule_name" {
  description = "Name of the IoT topic rule (letters, digits, underscores)."
  type        = string
}

variable "telemetry_topic_filter" {
  description = "MQTT topic filter of all devices' telemetry, e.g. dtwin/<twin>/+/telemetry."
  type        = string
}

variable "devices" {
  description = "Per device id: its IoT thing and policy names and its telemetry and feedback topics."
  type = map(object({
    thing_name      = string
    policy_name     = string
    telemetry_topic = string
    feedback_topic  = string
  }))
}
