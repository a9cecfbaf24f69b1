variable "name" {
  description = "The bucket's name (from the topology; globally unique)."
  type        = string
}

variable "force_destroy" {
  description = "Destroy the bucket even when it holds objects."
  type        = bool
  default     = false
}

variable "enforce_tls" {
  description = "Deny plain-HTTP requests (off against the sandbox, which is plain HTTP)."
  type        = bool
  default     = true
}
