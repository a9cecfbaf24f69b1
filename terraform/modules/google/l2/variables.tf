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

variable "processors" {
  description = "Device id -> deployed name of its processor."
  type        = map(string)
}

variable "persister_name" {
  description = "The persister's deployed name."
  type        = string
}

variable "event_checker_name" {
  description = "The event checker's deployed name (null: event checking off)."
  type        = string
  default     = null
}

variable "actions" {
  description = "Action name -> deployed name of its function."
  type        = map(string)
  default     = {}
}

variable "feedback_name" {
  description = "The event feedback function's deployed name (null: off)."
  type        = string
  default     = null
}

variable "feedback_topic" {
  description = "The feedback topic (L1 on Google)."
  type        = string
  default     = null
}

variable "hot_store" {
  description = "The Firestore collection (L3 hot on Google), else null."
  type        = string
  default     = null
}

variable "hot_ttl_days" {
  description = "Days after which Firestore expires a record."
  type        = number
  default     = 2
}

variable "firestore_database" {
  description = "The Firestore database (L3 hot on Google)."
  type        = string
  default     = null
}

variable "hot_writer_url" {
  description = "URL of the hot writer on the L3 hot cloud (L3 hot elsewhere)."
  type        = string
  default     = null
}

variable "hot_writer_secret" {
  description = "HMAC secret of the l2-l3hot-writer boundary."
  type        = string
  default     = null
  sensitive   = true
}

variable "twin_update_url" {
  description = "URL of the Azure Digital Twins updater (L4 on Azure)."
  type        = string
  default     = null
}

variable "twin_update_secret" {
  description = "HMAC secret of the l2-l4-twin-update boundary."
  type        = string
  default     = null
  sensitive   = true
}

variable "ingestion_name" {
  description = "The ingestion receiver's deployed name (L1 elsewhere), else null."
  type        = string
  default     = null
}

variable "ingestion_secret" {
  description = "HMAC secret of the l1-l2-ingestion boundary."
  type        = string
  default     = null
  sensitive   = true
}

variable "ingestion_previous_secret" {
  description = "Previous secret, accepted during rotation."
  type        = string
  default     = ""
  sensitive   = true
}

variable "workflow" {
  description = "The notification workflow (Google Workflows YAML), null when off."
  type = object({
    name   = string
    source = string
  })
  default = null
}
