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

variable "database_name" {
  description = "The Firestore (native) database."
  type        = string
}

variable "collection" {
  description = "The hot collection (env DTWIN_HOT_STORE)."
  type        = string
}

variable "ttl_field" {
  description = "The document field Firestore's TTL policy expires by."
  type        = string
  default     = "expire_at"
}

variable "indexes" {
  description = "The composite indexes of the hot queries (runtime/google/indexes.py)."
  type = list(object({
    fields = list(object({
      path  = string
      order = string
    }))
  }))
}

variable "hot_days" {
  description = "Records older than this many days move to cold."
  type        = number
}

variable "hot_ttl_days" {
  description = "Days after which Firestore expires a record (safety net behind the mover)."
  type        = number
}

variable "hot_reader_name" {
  description = "The hot reader's deployed name."
  type        = string
}

variable "reader_secret" {
  description = "HMAC secret of the reader boundaries (L4/L5 elsewhere), else null."
  type        = string
  default     = null
  sensitive   = true
}

variable "public_reader" {
  description = "Whether readers on other clouds call the hot reader (then public, HMAC-guarded)."
  type        = bool
  default     = false
}

variable "reader_previous_secret" {
  description = "Previous reader secret, accepted during rotation."
  type        = string
  default     = ""
  sensitive   = true
}

variable "max_page_size" {
  description = "Largest page a query returns (null: the runtime's default)."
  type        = number
  default     = null
}

variable "mover_name" {
  description = "The hot-to-cold mover's deployed name."
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

variable "cold_store" {
  description = "The cold bucket (L3 cold on Google), else null."
  type        = string
  default     = null
}

variable "cold_writer_url" {
  description = "URL of the cold writer on the L3 cold cloud."
  type        = string
  default     = null
}

variable "cold_writer_secret" {
  description = "HMAC secret of the l3hot-l3cold-writer boundary."
  type        = string
  default     = null
  sensitive   = true
}

variable "hot_writer_name" {
  description = "The hot writer's deployed name (L2 elsewhere), else null."
  type        = string
  default     = null
}

variable "hot_writer_secret" {
  description = "HMAC secret of the l2-l3hot-writer boundary."
  type        = string
  default     = null
  sensitive   = true
}

variable "hot_writer_previous_secret" {
  description = "Previous secret, accepted during rotation."
  type        = string
  default     = ""
  sensitive   = true
}
