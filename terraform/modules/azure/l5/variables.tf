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

variable "grafana_name" {
  description = "Name of the Managed Grafana instance (from the topology)."
  type        = string
}

variable "admin_principal_ids" {
  description = "Identities granted Grafana Admin (by a static key, e.g. deployer = the deploying principal, which adds the datasource and dashboard)."
  type        = map(string)
  default     = {}
}

variable "remote_url" {
  description = "URL of the hot reader on the L3 hot cloud, when the proxy is here."
  type        = string
  default     = null
}

variable "remote_secret" {
  description = "HMAC secret of the reader boundary, with remote_url."
  type        = string
  default     = null
  sensitive   = true
}
