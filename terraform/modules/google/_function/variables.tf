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
  description = "The deployed function name (topology deployed name)."
  type        = string
}

variable "function" {
  description = "The topology name of the function (env DTWIN_FUNCTION)."
  type        = string
}

variable "entry_point" {
  description = "The entry point in the layer package's main.py (runtime/google/entry_points.py)."
  type        = string
}

variable "source_bucket" {
  description = "Bucket holding the layer's source zip."
  type        = string
}

variable "source_object" {
  description = "Object name of the layer's source zip."
  type        = string
}

variable "service_account_email" {
  description = "The layer's service account the function runs as."
  type        = string
}

variable "env" {
  description = "The function's environment (its role contract, runtime/core/contracts.py)."
  type        = map(string)
}

variable "trigger_topic" {
  description = "Pub/Sub topic id that triggers the function (Eventarc); null for HTTP."
  type        = string
  default     = null
}

variable "public" {
  description = "Whether anyone may call it (glue receivers: HMAC-verified, not IAM)."
  type        = bool
  default     = false
}

variable "memory" {
  description = "Memory of one instance."
  type        = string
  default     = "256M"
}

variable "timeout_seconds" {
  description = "Request timeout."
  type        = number
  default     = 60
}
