variable "urls" {
  description = "Function URLs by topology name: the Lambda's name and auth, AWS_IAM (signed) or NONE (HMAC)."
  type = map(object({
    function_name = string
    auth          = string
  }))

  validation {
    condition     = alltrue([for url in values(var.urls) : contains(["AWS_IAM", "NONE"], url.auth)])
    error_message = "auth of a Function URL is AWS_IAM or NONE."
  }
}
