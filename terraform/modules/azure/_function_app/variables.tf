variable "app_name" {
  description = "Name of the Function App."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the Function App."
  type        = string
}

variable "principal_id" {
  description = "Object id of the app's system-assigned identity."
  type        = string
}

variable "storage_account_id" {
  description = "The twin's storage account (AzureWebJobsStorage)."
  type        = string
}
