# L3 cold · aged telemetry in S3: the bucket (objects are written as STANDARD_IA by their
# writers, so no transition rule is needed), the scheduled cold -> archive mover, and the
# cold writer receiver when L3 hot is on another cloud.
#
# Each aws_lambda_function is named after its role; its environment sets exactly the
# variables of that role's contract (dtwin_gui/runtime/core/contracts.py).

locals {
  base_env = {
    DTWIN_TWIN_NAME = var.common.twin_name
    DTWIN_LOG_LEVEL = var.common.log_level
  }

  # Every Lambda of this layer, keyed by its topology name.
  functions = merge(
    { "cold-to-archive-mover" = var.cold_to_archive_mover },
    var.cold_writer == null ? {} : { "cold-writer" = var.cold_writer },
  )
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
  from = aws_s3_bucket.cold
  to   = module.bucket.aws_s3_bucket.bucket
}

moved {
  from = aws_s3_bucket_public_access_block.cold
  to   = module.bucket.aws_s3_bucket_public_access_block.bucket
}

moved {
  from = aws_s3_bucket_policy.cold
  to   = module.bucket.aws_s3_bucket_policy.bucket
}

# Behind a switch: against the sandbox emulator (moto) the provider's lifecycle waiter takes
# about 55 s per bucket, and the rule has nothing to do there anyway.
resource "aws_s3_bucket_lifecycle_configuration" "cold" {
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

# --- cold -> archive mover: aged objects into the archive, then deleted here -------------

data "aws_iam_policy_document" "cold_to_archive_mover" {
  statement {
    actions   = ["s3:ListBucket"]
    resources = [module.bucket.arn]
  }

  statement {
    actions   = ["s3:GetObject", "s3:DeleteObject"]
    resources = ["${module.bucket.arn}/*"]
  }

  dynamic "statement" {
    for_each = var.archive_bucket == null ? [] : [var.archive_bucket.arn]
    content {
      actions   = ["s3:PutObject"]
      resources = ["${statement.value}/*"]
    }
  }
}

resource "aws_iam_role_policy" "cold_to_archive_mover" {
  name   = "move-to-archive"
  role   = module.functions.role_ids["cold-to-archive-mover"]
  policy = data.aws_iam_policy_document.cold_to_archive_mover.json
}

resource "aws_lambda_function" "cold_to_archive_mover" {
  function_name    = var.cold_to_archive_mover.name
  role             = module.functions.role_arns["cold-to-archive-mover"]
  runtime          = "python3.11"
  handler          = var.cold_to_archive_mover.handler
  s3_bucket        = var.cold_to_archive_mover.s3_bucket
  s3_key           = var.cold_to_archive_mover.s3_key
  source_code_hash = var.cold_to_archive_mover.package_hash
  timeout          = var.mover_timeout_seconds
  memory_size      = var.common.function_memory_mb

  environment {
    variables = merge(
      local.base_env,
      {
        DTWIN_COLD_STORE = module.bucket.id
        DTWIN_COLD_DAYS  = tostring(var.cold_days)
      },
      var.archive_bucket == null ? {} : { DTWIN_ARCHIVE_STORE = var.archive_bucket.name },
      var.archive_writer_url == null ? {} : {
        DTWIN_ARCHIVE_WRITER_URL    = var.archive_writer_url
        DTWIN_ARCHIVE_WRITER_SECRET = var.archive_writer_secret
      },
    )
  }

  depends_on = [module.functions]

  lifecycle {
    precondition {
      condition     = var.archive_bucket != null || (var.archive_writer_url != null && var.archive_writer_secret != null)
      error_message = "the mover needs archive_bucket, or archive_writer_url and archive_writer_secret."
    }
  }
}

module "mover_schedule" {
  source = "../_mover_schedule"

  name                = var.mover_schedule.name
  role_name           = var.mover_schedule.role_name
  description         = "Moves objects older than ${var.cold_days} days to the archive"
  schedule_expression = var.schedule_expression
  function_arn        = aws_lambda_function.cold_to_archive_mover.arn
}

# Deployments made before ../_mover_schedule existed keep their schedule and its role.
moved {
  from = aws_iam_role.mover_schedule
  to   = module.mover_schedule.aws_iam_role.mover_schedule
}

moved {
  from = aws_iam_role_policy.mover_schedule
  to   = module.mover_schedule.aws_iam_role_policy.mover_schedule
}

moved {
  from = aws_scheduler_schedule.mover
  to   = module.mover_schedule.aws_scheduler_schedule.mover
}

# --- cold writer receiver: chunks from the hot -> cold mover on the L3 hot cloud ---------

data "aws_iam_policy_document" "cold_writer" {
  count = var.cold_writer == null ? 0 : 1

  # Chunks of one device-day are merged, so the writer lists, reads and replaces objects.
  statement {
    actions   = ["s3:ListBucket"]
    resources = [module.bucket.arn]
  }

  statement {
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${module.bucket.arn}/*"]
  }
}

resource "aws_iam_role_policy" "cold_writer" {
  count = var.cold_writer == null ? 0 : 1

  name   = "write-cold"
  role   = module.functions.role_ids["cold-writer"]
  policy = data.aws_iam_policy_document.cold_writer[0].json
}

resource "aws_lambda_function" "cold_writer" {
  count = var.cold_writer == null ? 0 : 1

  function_name    = var.cold_writer.name
  role             = module.functions.role_arns["cold-writer"]
  runtime          = "python3.11"
  handler          = var.cold_writer.handler
  s3_bucket        = var.cold_writer.s3_bucket
  s3_key           = var.cold_writer.s3_key
  source_code_hash = var.cold_writer.package_hash
  timeout          = var.common.function_timeout_seconds
  memory_size      = var.common.function_memory_mb

  environment {
    variables = merge(
      local.base_env,
      {
        DTWIN_COLD_STORE  = module.bucket.id
        DTWIN_GLUE_SECRET = var.cold_writer_secret
      },
      var.cold_writer_previous_secret == null ? {} : {
        DTWIN_GLUE_PREVIOUS_SECRET = var.cold_writer_previous_secret
      },
    )
  }

  depends_on = [module.functions]

  lifecycle {
    precondition {
      condition     = var.cold_writer_secret != null
      error_message = "the cold writer needs cold_writer_secret (the L3 hot -> L3 cold boundary secret)."
    }
  }
}

# The mover on another cloud cannot sign AWS requests; every POST is HMAC-verified.
module "urls" {
  source = "../_function_url"

  urls = merge(
    var.cold_writer == null ? {} : {
      "cold-writer" = {
        function_name = aws_lambda_function.cold_writer[0].function_name
        auth          = "NONE"
      }
    },
  )
}

# Deployments made before ../_function_url existed keep their URLs (and so their addresses).
moved {
  from = aws_lambda_function_url.cold_writer[0]
  to   = module.urls.aws_lambda_function_url.url["cold-writer"]
}

moved {
  from = aws_lambda_permission.cold_writer_url[0]
  to   = module.urls.aws_lambda_permission.public_url["cold-writer"]
}
