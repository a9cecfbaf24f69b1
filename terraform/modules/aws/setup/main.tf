# Setup: what every AWS layer shares. Today that is the bucket holding the function packages.
#
# Lambda functions take their code from this bucket (s3_bucket/s3_key) rather than from a
# local file: the aws provider creates functions with a local `filename` one at a time (a
# provider-wide lock held for the whole create, including its ~5 s wait for the function to
# become active), while functions with S3 code are created in parallel.

module "bucket" {
  source = "../_bucket"

  name = var.bucket_name
  # Holds nothing but our own packages, which Terraform uploads again on every deploy.
  force_destroy = true
  enforce_tls   = var.enforce_tls
}

# Deployments made before ../_bucket existed keep their bucket (and what it holds).
moved {
  from = aws_s3_bucket.functions
  to   = module.bucket.aws_s3_bucket.bucket
}

moved {
  from = aws_s3_bucket_public_access_block.functions
  to   = module.bucket.aws_s3_bucket_public_access_block.bucket
}

moved {
  from = aws_s3_bucket_policy.functions
  to   = module.bucket.aws_s3_bucket_policy.bucket
}

# One object per function package, named by its content: a changed zip is a new object (the
# old one goes), so an object that exists always holds what its key says. (An upload cut short
# by a cancel cannot leave an old zip behind a key Terraform believes is new.) Where the zip
# lies is each machine's own build folder: the content (key, source_hash) is what counts, so a
# colleague deploying the same twin from another workspace sees no change (issue 17).
resource "aws_s3_object" "package" {
  for_each = var.packages

  bucket      = module.bucket.id
  key         = "${each.key}/${each.value.hash}.zip"
  source      = each.value.path
  source_hash = each.value.hash

  lifecycle {
    ignore_changes = [source]
  }

  depends_on = [module.bucket]
}
