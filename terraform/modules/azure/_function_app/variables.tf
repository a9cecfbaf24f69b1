variable "common" {
  description = "The layer's common inputs: twin_name (DTWIN_TWIN_NAME), log_level (DTWIN_LOG_LEVEL), the resource group and location of the twin, the tags."
  type = object({
    twin_name           = string
    log_level           = optional(string, "INFO")
    resource_group_name = string
    location            = string
    tags                = optional(map(string), {})
  })
}

variable "host" {
  description = "The setup module's service plan, storage account (AzureWebJobsStorage through the app's managed identity) and Application Insights."
  type = object({
    service_plan_id                        = string
    storage_account_name                   = string
    storage_account_id                     = string
    application_insights_connection_string = string
  })
}

variable "app_name" {
  description = "Name of the Function App (globally unique, from the topology)."
  type        = string
}

variable "package" {
  description = "Path of the app's zip, deployed in the same apply."
  type        = string
}

variable "app_settings" {
  description = "The layer's app settings besides the platform's, DTWIN_TWIN_NAME and DTWIN_LOG_LEVEL: the contracts of its functions (tests/iac/test_env_parity.py)."
  type        = map(string)
  default     = {}
}
