output "bucket" {
  description = "Name of the bucket holding the function packages."
  value       = module.bucket.id
}

output "package_keys" {
  description = "Object key of each function's package, by deployed function name."
  value       = { for name, object in aws_s3_object.package : name => object.key }
}
