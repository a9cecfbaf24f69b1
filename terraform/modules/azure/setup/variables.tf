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

variable "storage_account_name" {
  description = "Name of the twin's storage account (globally unique, from the topology)."
  type        = string
}

variable "plan_sku" {
  description = "SKU of the Linux plan the Function Apps share: Y1 (consumption) by default."
  type        = string
  default     = "Y1"
}

variable "log_retention_days" {
  description = "Days Application Insights keeps the functions' logs."
  type        = number
  default     = 30
}

variable "lifecycle_rules" {
  description = "Lifecycle rules of the twin's blob containers: the container, the tier (Cool or Archive) and the days after creation a blob is moved to it."
  type = list(object({
    container  = string
    tier       = string
    after_days = number
  }))
  default = []

  validation {
    condition     = alltrue([for r in var.lifecycle_rules : contains(["Cool", "Archive"], r.tier)])
    error_message = "lifecycle_rules[*].tier is Cool or Archive."
  }
}
