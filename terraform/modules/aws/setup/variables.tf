variable "bucket_name" {
  description = "Name of the bucket holding the function packages (globally unique)."
  type        = string
}

variable "enforce_tls" {
  description = "Deny plain-HTTP requests to the bucket (off only against the sandbox)."
  type        = bool
  default     = true
}

variable "packages" {
  description = "The function packages to upload, by deployed function name: local zip path and its hash."
  type = map(object({
    path = string
    hash = string
  }))
  default = {}
}
