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

variable "hot_store" {
  description = "Cosmos container of the hot store when L3 hot is on Azure (the persister writes it with the app's identity)."
  type        = string
  default     = null
}

variable "hot_ttl_days" {
  description = "DTWIN_HOT_TTL_DAYS with hot_store: the store's expiry, a safety net behind the mover."
  type        = number
  default     = 60
}

variable "hot_writer_url" {
  description = "URL of the hot writer on the L3 hot cloud, when it is another cloud."
  type        = string
  default     = null
}

variable "hot_writer_secret" {
  description = "HMAC secret of the L2 -> L3 hot boundary, with hot_writer_url."
  type        = string
  default     = null
  sensitive   = true
}

variable "twin_update_url" {
  description = "URL of the Azure Digital Twins updater when L4 is Azure Digital Twins and L2 is not on Azure (unused here: set only across clouds)."
  type        = string
  default     = null
}

variable "twin_update_secret" {
  description = "HMAC secret of the L2 -> L4 twin update boundary, with twin_update_url."
  type        = string
  default     = null
  sensitive   = true
}

variable "ingestion_secret" {
  description = "HMAC secret the ingestion receiver checks, when L1 is on another cloud."
  type        = string
  default     = null
  sensitive   = true
}

variable "ingestion_previous_secret" {
  description = "Previous ingestion secret, accepted during rotation."
  type        = string
  default     = null
  sensitive   = true
}

variable "event_checking" {
  description = "The event checker and the actions are deployed (feature use_event_checking)."
  type        = bool
  default     = false
}

variable "event_feedback" {
  description = "Event feedback to devices is deployed (feature return_feedback_to_device)."
  type        = bool
  default     = false
}

variable "iot_endpoint" {
  description = "Host name of the IoT Hub feedback goes through (DTWIN_IOT_ENDPOINT)."
  type        = string
  default     = null
}

variable "workflow_name" {
  description = "Name of the notification Logic App."
  type        = string
  default     = null
}

variable "workflow_definition" {
  description = "Text of state_machines/azure_logic_app.json ({\"definition\": {\"triggers\", \"actions\"}}), when the notification workflow feature is on."
  type        = string
  default     = null
}

variable "cosmos_endpoint" {
  description = "Endpoint of the Cosmos account, with hot_store (DTWIN_COSMOS_ENDPOINT; the app's identity holds the data role)."
  type        = string
  default     = null
}

variable "cosmos_database" {
  description = "Cosmos database of the hot container, with hot_store (DTWIN_COSMOS_DATABASE)."
  type        = string
  default     = null
}

variable "l4_app_url" {
  description = "Base URL of L4's Function App (the ADT updater), when L4 is on Azure (DTWIN_APP_URL_L4)."
  type        = string
  default     = null
}

variable "l4_functions_key" {
  description = "Function key of L4's Function App, with l4_app_url (DTWIN_FUNCTIONS_KEY_L4)."
  type        = string
  default     = null
  sensitive   = true
}
