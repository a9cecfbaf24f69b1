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
  description = "Name of the layer's Function App (globally unique, from the topology); null when no function of the layer is on Azure."
  type        = string
  default     = null
}

variable "package" {
  description = "Path of the layer's Function App zip (deployed in the same apply), with app_name."
  type        = string
  default     = null
}

variable "container_name" {
  description = "Name of the archive blob container (DTWIN_ARCHIVE_STORE)."
  type        = string
}

variable "data_principal_ids" {
  description = "Other identities that write the container (by a static key, e.g. l3_cold = the cold layer's app): granted Storage Blob Data Contributor on it."
  type        = map(string)
  default     = {}
}

variable "archive_writer_secret" {
  description = "HMAC secret the archive writer checks, when L3 cold is on another cloud."
  type        = string
  default     = null
  sensitive   = true
}

variable "archive_writer_previous_secret" {
  description = "Previous archive writer secret, accepted during rotation."
  type        = string
  default     = null
  sensitive   = true
}
