# A private S3 bucket: no public access of any kind and, unless switched off, plain-HTTP
# requests refused. What the bucket is for (lifecycle rules, objects, readers) stays in the
# layer module that uses it.

resource "aws_s3_bucket" "bucket" {
  bucket        = var.name
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket_public_access_block" "bucket" {
  bucket                  = aws_s3_bucket.bucket.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# Refuse plain-HTTP requests. Off against the sandbox, which is plain HTTP on loopback by
# design (and whose S3 enforces this policy).
data "aws_iam_policy_document" "tls_only" {
  count = var.enforce_tls ? 1 : 0

  statement {
    sid       = "DenyPlainHttp"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.bucket.arn, "${aws_s3_bucket.bucket.arn}/*"]
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

resource "aws_s3_bucket_policy" "bucket" {
  count = var.enforce_tls ? 1 : 0

  bucket = aws_s3_bucket.bucket.id
  policy = data.aws_iam_policy_document.tls_only[0].json

  depends_on = [aws_s3_bucket_public_access_block.bucket]
}
