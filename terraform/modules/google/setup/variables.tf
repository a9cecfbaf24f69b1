variable "common" {
  description = "Twin-wide settings: twin name, project, region, labels."
  type = object({
    twin_name = string
    project   = string
    region    = string
    labels    = map(string)
  })
}

variable "apis" {
  description = "The Google APIs the twin's resources need."
  type        = list(string)
}

variable "functions_bucket" {
  description = "Bucket for the layers' function source zips."
  type        = string
}

variable "service_accounts" {
  description = "Layer -> its service account id and the project roles its functions need."
  type = map(object({
    account_id = string
    roles      = list(string)
  }))
}
