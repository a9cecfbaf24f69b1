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

variable "iothub_name" {
  description = "Name of the IoT Hub (globally unique, from the topology)."
  type        = string
}

variable "iothub_sku" {
  description = "IoT Hub SKU: S1 by default (F1, free, allows one hub per subscription)."
  type        = string
  default     = "S1"
}

variable "remote_url" {
  description = "URL of the ingestion receiver on the L2 cloud, when L2 is on another cloud (the connector forwards there)."
  type        = string
  default     = null
}

variable "remote_secret" {
  description = "HMAC secret of the L1 -> L2 boundary, with remote_url."
  type        = string
  default     = null
  sensitive   = true
}

variable "l2_app_url" {
  description = "Base URL of L2's Function App, when L2 is on Azure (DTWIN_APP_URL_L2)."
  type        = string
  default     = null
}

variable "l2_functions_key" {
  description = "Function key of L2's Function App, with l2_app_url (DTWIN_FUNCTIONS_KEY_L2)."
  type        = string
  default     = null
  sensitive   = true
}

variable "feedback_principal_ids" {
  description = "Identities that send cloud-to-device feedback (by a static key, e.g. l2 = L2's app): granted IoT Hub Data Contributor on the hub."
  type        = map(string)
  default     = {}
}
