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

variable "instance_name" {
  description = "Name of the Azure Digital Twins instance (from the topology)."
  type        = string
}

variable "data_principal_ids" {
  description = "Other identities that manage models and twins (by a static key, e.g. deployer = the deploying principal, for the SDK steps): granted Azure Digital Twins Data Owner."
  type        = map(string)
  default     = {}
}

variable "twin_update_secret" {
  description = "HMAC secret the ADT updater checks, when L2 is on another cloud."
  type        = string
  default     = null
  sensitive   = true
}

variable "twin_update_previous_secret" {
  description = "Previous twin update secret, accepted during rotation."
  type        = string
  default     = null
  sensitive   = true
}

variable "remote_url" {
  description = "URL of the hot reader on the L3 hot cloud, when it is another cloud (the hot reader proxy forwards there)."
  type        = string
  default     = null
}

variable "remote_secret" {
  description = "HMAC secret of the reader boundary, with remote_url."
  type        = string
  default     = null
  sensitive   = true
}
