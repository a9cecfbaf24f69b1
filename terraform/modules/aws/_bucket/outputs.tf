output "id" {
  description = "The bucket's name (its id)."
  value       = aws_s3_bucket.bucket.id
}

output "arn" {
  description = "The bucket's ARN."
  value       = aws_s3_bucket.bucket.arn
}

output "public_access_block_id" {
  description = "Id of the public access block; depend on it to write only to a private bucket."
  value       = aws_s3_bucket_public_access_block.bucket.id
}
