variable "common" {
  description = "Inputs every layer takes alike: twin_name (DTWIN_TWIN_NAME of every function), log_level (DTWIN_LOG_LEVEL: DEBUG or INFO), the resource group and location of the twin, and the tags every resource carries."
  type = object({
    twin_name           = string
    log_level           = optional(string, "INFO")
    resource_group_name = string
    location            = string
    tags                = optional(map(string), {})
  })

  validation {
    condition     = contains(["DEBUG", "INFO"], var.common.log_level)
    error_message = "common.log_level is DEBUG or INFO."
  }
}

variable "host" {
  description = "Where the layer's Function App runs: the setup module's service plan, storage account (AzureWebJobsStorage through the app's managed identity) and Application Insights."
  type = object({
    service_plan_id                        = string
    storage_account_name                   = string
    storage_account_id                     = string
    application_insights_connection_string = string
  })
}

variable "app_name" {
  description = "Name of the layer's Function App (globally unique, from the topology)."
  type        = string
}

variable "package" {
  description = "Path of the layer's Function App zip (deployed in the same apply, so that event subscriptions find their function)."
  type        = string
}

variable "container_name" {
  description = "Name of the cold blob container (DTWIN_COLD_STORE)."
  type        = string
}

variable "cold_days" {
  description = "Objects older than this many days move to the archive (DTWIN_COLD_DAYS)."
  type        = number
}

variable "data_principal_ids" {
  description = "Other identities that write the container (by a static key, e.g. l3_hot = the hot layer's app): granted Storage Blob Data Contributor on it."
  type        = map(string)
  default     = {}
}

variable "archive_store" {
  description = "Archive blob container when L3 archive is on Azure (DTWIN_ARCHIVE_STORE)."
  type        = string
  default     = null
}

variable "archive_writer_url" {
  description = "URL of the archive writer on the L3 archive cloud, when it is another cloud."
  type        = string
  default     = null
}

variable "archive_writer_secret" {
  description = "HMAC secret of the cold -> archive boundary, with archive_writer_url."
  type        = string
  default     = null
  sensitive   = true
}

variable "cold_writer_secret" {
  description = "HMAC secret the cold writer checks, when L3 hot is on another cloud."
  type        = string
  default     = null
  sensitive   = true
}

variable "cold_writer_previous_secret" {
  description = "Previous cold writer secret, accepted during rotation."
  type        = string
  default     = null
  sensitive   = true
}
