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

variable "cosmos_account_name" {
  description = "Name of the Cosmos DB account (globally unique, from the topology)."
  type        = string
}

variable "database_name" {
  description = "Name of the twin's Cosmos database."
  type        = string
}

variable "container_name" {
  description = "Name of the hot container (DTWIN_HOT_STORE)."
  type        = string
}

variable "hot_days" {
  description = "Records older than this many days move to cold storage (DTWIN_HOT_DAYS)."
  type        = number
}

variable "hot_ttl_days" {
  description = "The container's default TTL in days: a safety net behind the mover (twice hot_days)."
  type        = number
}

variable "max_page_size" {
  description = "Largest page a hot query returns (DTWIN_MAX_PAGE_SIZE)."
  type        = number
  default     = 500
}

variable "data_principal_ids" {
  description = "Other identities that read or write the container (by a static key, e.g. l2 = the L2 app's principal id): granted the Cosmos built-in data contributor role."
  type        = map(string)
  default     = {}
}

variable "cold_store" {
  description = "Cold blob container when L3 cold is on Azure (DTWIN_COLD_STORE)."
  type        = string
  default     = null
}

variable "cold_writer_url" {
  description = "URL of the cold writer on the L3 cold cloud, when it is another cloud."
  type        = string
  default     = null
}

variable "cold_writer_secret" {
  description = "HMAC secret of the hot -> cold boundary, with cold_writer_url."
  type        = string
  default     = null
  sensitive   = true
}

variable "hot_writer_secret" {
  description = "HMAC secret the hot writer checks, when L2 is on another cloud."
  type        = string
  default     = null
  sensitive   = true
}

variable "hot_writer_previous_secret" {
  description = "Previous hot writer secret, accepted during rotation."
  type        = string
  default     = null
  sensitive   = true
}

variable "reader_secret" {
  description = "HMAC secret the hot reader checks, when L4 or L5 is on another cloud."
  type        = string
  default     = null
  sensitive   = true
}

variable "reader_previous_secret" {
  description = "Previous reader secret, accepted during rotation."
  type        = string
  default     = null
  sensitive   = true
}
