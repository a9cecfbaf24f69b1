# Setup: what every AWS layer shares. Today that is the bucket holding the function packages.
#
# Lambda functions take their code from this bucket (s3_bucket/s3_key) rather than from a
# local file: the aws provider creates functions with a local `filename` one at a time (a
# provider-wide lock held for the whole create, including its ~5 s wait for the function to
# become active), while functions with S3 code are created in parallel.

resource "aws_s3_bucket" "functions" {
  bucket = var.bucket_name
  # Holds nothing but our own packages, which Terraform uploads again on every deploy.
  force_destroy = true
}

resource "aws_s3_bucket_public_access_block" "functions" {
  bucket                  = aws_s3_bucket.functions.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# Refuse plain-HTTP requests. Off against the sandbox, which is plain HTTP on loopback.
data "aws_iam_policy_document" "tls_only" {
  count = var.enforce_tls ? 1 : 0

  statement {
    sid       = "DenyPlainHttp"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.functions.arn, "${aws_s3_bucket.functions.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "functions" {
  count = var.enforce_tls ? 1 : 0

  bucket = aws_s3_bucket.functions.id
  policy = data.aws_iam_policy_document.tls_only[0].json

  depends_on = [aws_s3_bucket_public_access_block.functions]
}

# One object per function package, named by its content: a changed zip is a new object (the
# old one goes), so an object that exists always holds what its key says. (An upload cut short
# by a cancel cannot leave an old zip behind a key Terraform believes is new.)
resource "aws_s3_object" "package" {
  for_each = var.packages

  bucket      = aws_s3_bucket.functions.id
  key         = "${each.key}/${each.value.hash}.zip"
  source      = each.value.path
  source_hash = each.value.hash

  depends_on = [aws_s3_bucket_public_access_block.functions]
}
