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

variable "telemetry_topic" {
  description = "The Pub/Sub topic devices publish telemetry to."
  type        = string
}

variable "feedback_topic" {
  description = "The topic event feedback is published to (attribute device_id)."
  type        = string
}

variable "feedback_subscriptions" {
  description = "Device id -> its feedback subscription (filtered on attributes.device_id)."
  type        = map(string)
  default     = {}
}

variable "dispatcher_name" {
  description = "The dispatcher's deployed name."
  type        = string
}

variable "connector_name" {
  description = "The connector's deployed name when L2 is on another cloud, else null."
  type        = string
  default     = null
}

variable "connector_target" {
  description = "The connector's deployed name as the dispatcher calls it (null: none)."
  type        = string
  default     = null
}

variable "remote_url" {
  description = "URL of the ingestion receiver on the L2 cloud (connector)."
  type        = string
  default     = null
}

variable "remote_secret" {
  description = "HMAC secret of the l1-l2-ingestion boundary (connector)."
  type        = string
  default     = null
  sensitive   = true
}
