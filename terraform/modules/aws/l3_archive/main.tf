# L3 archive · long-term telemetry in S3: the bucket (objects are written as GLACIER by
# their writers, so no transition rule is needed) and the archive writer receiver when L3
# cold is on another cloud.
#
# Each aws_lambda_function is named after its role; its environment sets exactly the
# variables of that role's contract (dtwin_gui/runtime/core/contracts.py).

locals {
  base_env = {
    DTWIN_TWIN_NAME = var.common.twin_name
    DTWIN_LOG_LEVEL = var.common.log_level
  }

  # Every Lambda of this layer, keyed by its topology name.
  functions = var.archive_writer == null ? {} : { "archive-writer" = var.archive_writer }
}

# --- the bucket ---------------------------------------------------------------------------

module "bucket" {
  source = "../_bucket"

  name          = var.bucket_name
  force_destroy = var.force_destroy
  enforce_tls   = var.enforce_tls
}

# Deployments made before ../_bucket existed keep their bucket (and what it holds).
moved {
  from = aws_s3_bucket.archive
  to   = module.bucket.aws_s3_bucket.bucket
}

moved {
  from = aws_s3_bucket_public_access_block.archive
  to   = module.bucket.aws_s3_bucket_public_access_block.bucket
}

moved {
  from = aws_s3_bucket_policy.archive
  to   = module.bucket.aws_s3_bucket_policy.bucket
}

# Behind a switch: against the sandbox emulator (moto) the provider's lifecycle waiter takes
# about 55 s per bucket, and the rules have nothing to do there anyway.
resource "aws_s3_bucket_lifecycle_configuration" "archive" {
  count = var.enable_lifecycle ? 1 : 0

  bucket = module.bucket.id

  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_upload_days
    }
  }

  dynamic "rule" {
    for_each = var.expiration_days == null ? [] : [var.expiration_days]
    content {
      id     = "expire-archived-objects"
      status = "Enabled"

      filter {}

      expiration {
        days = rule.value
      }
    }
  }
}

# --- shared per function: IAM role, log group, logs permission (../_function) -----------

module "functions" {
  source = "../_function"

  functions          = local.functions
  log_retention_days = var.common.log_retention_days
}

# Deployments made before ../_function existed keep their roles and log groups.
moved {
  from = aws_iam_role.function
  to   = module.functions.aws_iam_role.function
}

moved {
  from = aws_cloudwatch_log_group.function
  to   = module.functions.aws_cloudwatch_log_group.function
}

moved {
  from = aws_iam_role_policy.logs
  to   = module.functions.aws_iam_role_policy.logs
}

# --- archive writer receiver: objects from the cold -> archive mover on another cloud ----

data "aws_iam_policy_document" "archive_writer" {
  count = var.archive_writer == null ? 0 : 1

  statement {
    actions   = ["s3:PutObject"]
    resources = ["${module.bucket.arn}/*"]
  }
}

resource "aws_iam_role_policy" "archive_writer" {
  count = var.archive_writer == null ? 0 : 1

  name   = "write-archive"
  role   = module.functions.role_ids["archive-writer"]
  policy = data.aws_iam_policy_document.archive_writer[0].json
}

resource "aws_lambda_function" "archive_writer" {
  count = var.archive_writer == null ? 0 : 1

  function_name    = var.archive_writer.name
  role             = module.functions.role_arns["archive-writer"]
  runtime          = "python3.11"
  handler          = var.archive_writer.handler
  s3_bucket        = var.archive_writer.s3_bucket
  s3_key           = var.archive_writer.s3_key
  source_code_hash = var.archive_writer.package_hash
  timeout          = var.common.function_timeout_seconds
  memory_size      = var.common.function_memory_mb

  environment {
    variables = merge(
      local.base_env,
      {
        DTWIN_ARCHIVE_STORE = module.bucket.id
        DTWIN_GLUE_SECRET   = var.archive_writer_secret
      },
      var.archive_writer_previous_secret == null ? {} : {
        DTWIN_GLUE_PREVIOUS_SECRET = var.archive_writer_previous_secret
      },
    )
  }

  depends_on = [module.functions]

  lifecycle {
    precondition {
      condition     = var.archive_writer_secret != null
      error_message = "the archive writer needs archive_writer_secret (the L3 cold -> L3 archive boundary secret)."
    }
  }
}

# The mover on another cloud cannot sign AWS requests; every POST is HMAC-verified.
module "urls" {
  source = "../_function_url"

  urls = merge(
    var.archive_writer == null ? {} : {
      "archive-writer" = {
        function_name = aws_lambda_function.archive_writer[0].function_name
        auth          = "NONE"
      }
    },
  )
}

# Deployments made before ../_function_url existed keep their URLs (and so their addresses).
moved {
  from = aws_lambda_function_url.archive_writer[0]
  to   = module.urls.aws_lambda_function_url.url["archive-writer"]
}

moved {
  from = aws_lambda_permission.archive_writer_url[0]
  to   = module.urls.aws_lambda_permission.public_url["archive-writer"]
}
