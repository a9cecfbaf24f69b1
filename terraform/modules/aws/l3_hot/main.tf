# L3 hot · recent telemetry in DynamoDB: the table, the hot reader (Function URL, TwinMaker
# data connector), the scheduled hot -> cold mover, and the hot writer receiver when L2 is
# on another cloud.
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
    { "hot-reader" = var.hot_reader, "hot-to-cold-mover" = var.hot_to_cold_mover },
    var.hot_writer == null ? {} : { "hot-writer" = var.hot_writer },
  )
}

# --- the table: partition device_id, sort timestamp; TTL as a safety net ----------------

resource "aws_dynamodb_table" "hot" {
  name         = var.table_name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "device_id"
  range_key    = "timestamp"

  attribute {
    name = "device_id"
    type = "S"
  }

  attribute {
    name = "timestamp"
    type = "S"
  }

  # Written by the persister / hot writer (runtime/aws/stores.py TTL_ATTRIBUTE).
  ttl {
    attribute_name = "dtwin_expires_at"
    enabled        = true
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

# --- hot reader: plain queries, TwinMaker's data connector, remote readers --------------

data "aws_iam_policy_document" "hot_reader" {
  statement {
    actions   = ["dynamodb:Query"]
    resources = [aws_dynamodb_table.hot.arn]
  }
}

resource "aws_iam_role_policy" "hot_reader" {
  name   = "query-hot"
  role   = module.functions.role_ids["hot-reader"]
  policy = data.aws_iam_policy_document.hot_reader.json
}

resource "aws_lambda_function" "hot_reader" {
  function_name    = var.hot_reader.name
  role             = module.functions.role_arns["hot-reader"]
  runtime          = "python3.11"
  handler          = var.hot_reader.handler
  s3_bucket        = var.hot_reader.s3_bucket
  s3_key           = var.hot_reader.s3_key
  source_code_hash = var.hot_reader.package_hash
  timeout          = var.common.function_timeout_seconds
  memory_size      = var.common.function_memory_mb

  environment {
    variables = merge(
      local.base_env,
      { DTWIN_HOT_STORE = aws_dynamodb_table.hot.name },
      var.max_page_size == null ? {} : { DTWIN_MAX_PAGE_SIZE = tostring(var.max_page_size) },
      var.remote_readers ? { DTWIN_GLUE_SECRET = var.reader_secret } : {},
      var.remote_readers && var.reader_previous_secret != null ? {
        DTWIN_GLUE_PREVIOUS_SECRET = var.reader_previous_secret
      } : {},
    )
  }

  depends_on = [module.functions]

  lifecycle {
    precondition {
      condition     = !var.remote_readers || var.reader_secret != null
      error_message = "remote readers need reader_secret (the reader boundaries' secret)."
    }
  }
}

# --- hot -> cold mover: aged records into cold storage, then deleted here ---------------

data "aws_iam_policy_document" "hot_to_cold_mover" {
  statement {
    actions = [
      "dynamodb:Scan",
      "dynamodb:Query",
      "dynamodb:DeleteItem",
      "dynamodb:BatchWriteItem",
    ]
    resources = [aws_dynamodb_table.hot.arn]
  }

  # Chunks of one device-day are merged, so the mover lists, reads and replaces objects.
  dynamic "statement" {
    for_each = var.cold_bucket == null ? [] : [var.cold_bucket.arn]
    content {
      actions   = ["s3:ListBucket"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = var.cold_bucket == null ? [] : [var.cold_bucket.arn]
    content {
      actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
      resources = ["${statement.value}/*"]
    }
  }
}

resource "aws_iam_role_policy" "hot_to_cold_mover" {
  name   = "move-to-cold"
  role   = module.functions.role_ids["hot-to-cold-mover"]
  policy = data.aws_iam_policy_document.hot_to_cold_mover.json
}

resource "aws_lambda_function" "hot_to_cold_mover" {
  function_name    = var.hot_to_cold_mover.name
  role             = module.functions.role_arns["hot-to-cold-mover"]
  runtime          = "python3.11"
  handler          = var.hot_to_cold_mover.handler
  s3_bucket        = var.hot_to_cold_mover.s3_bucket
  s3_key           = var.hot_to_cold_mover.s3_key
  source_code_hash = var.hot_to_cold_mover.package_hash
  timeout          = var.mover_timeout_seconds
  memory_size      = var.common.function_memory_mb

  environment {
    variables = merge(
      local.base_env,
      {
        DTWIN_HOT_STORE = aws_dynamodb_table.hot.name
        DTWIN_HOT_DAYS  = tostring(var.hot_days)
      },
      var.cold_bucket == null ? {} : { DTWIN_COLD_STORE = var.cold_bucket.name },
      var.cold_writer_url == null ? {} : {
        DTWIN_COLD_WRITER_URL    = var.cold_writer_url
        DTWIN_COLD_WRITER_SECRET = var.cold_writer_secret
      },
    )
  }

  depends_on = [module.functions]

  lifecycle {
    precondition {
      condition     = var.cold_bucket != null || (var.cold_writer_url != null && var.cold_writer_secret != null)
      error_message = "the mover needs cold_bucket, or cold_writer_url and cold_writer_secret."
    }
  }
}

module "mover_schedule" {
  source = "../_mover_schedule"

  name                = var.mover_schedule.name
  role_name           = var.mover_schedule.role_name
  description         = "Moves records older than ${var.hot_days} days to cold storage"
  schedule_expression = var.schedule_expression
  function_arn        = aws_lambda_function.hot_to_cold_mover.arn
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

# --- hot writer receiver: records from the persister on the L2 cloud ---------------------

data "aws_iam_policy_document" "hot_writer" {
  count = var.hot_writer == null ? 0 : 1

  statement {
    actions   = ["dynamodb:PutItem"]
    resources = [aws_dynamodb_table.hot.arn]
  }
}

resource "aws_iam_role_policy" "hot_writer" {
  count = var.hot_writer == null ? 0 : 1

  name   = "write-hot"
  role   = module.functions.role_ids["hot-writer"]
  policy = data.aws_iam_policy_document.hot_writer[0].json
}

resource "aws_lambda_function" "hot_writer" {
  count = var.hot_writer == null ? 0 : 1

  function_name    = var.hot_writer.name
  role             = module.functions.role_arns["hot-writer"]
  runtime          = "python3.11"
  handler          = var.hot_writer.handler
  s3_bucket        = var.hot_writer.s3_bucket
  s3_key           = var.hot_writer.s3_key
  source_code_hash = var.hot_writer.package_hash
  timeout          = var.common.function_timeout_seconds
  memory_size      = var.common.function_memory_mb

  environment {
    variables = merge(
      local.base_env,
      {
        DTWIN_HOT_STORE   = aws_dynamodb_table.hot.name
        DTWIN_GLUE_SECRET = var.hot_writer_secret
      },
      var.hot_ttl_days == null ? {} : { DTWIN_HOT_TTL_DAYS = tostring(var.hot_ttl_days) },
      var.hot_writer_previous_secret == null ? {} : {
        DTWIN_GLUE_PREVIOUS_SECRET = var.hot_writer_previous_secret
      },
    )
  }

  depends_on = [module.functions]

  lifecycle {
    precondition {
      condition     = var.hot_writer_secret != null
      error_message = "the hot writer needs hot_writer_secret (the L2 -> L3 hot boundary secret)."
    }
  }
}

# --- Function URLs (../_function_url) ---------------------------------------------------
#
# Readers on AWS sign their requests (AWS_IAM). Readers on another cloud cannot; then the
# hot reader's URL takes no AWS auth and the function verifies the HMAC signature of every
# POST. The persister on another cloud cannot sign either; every POST to the hot writer is
# HMAC-verified.
module "urls" {
  source = "../_function_url"

  urls = merge(
    {
      "hot-reader" = {
        function_name = aws_lambda_function.hot_reader.function_name
        auth          = var.remote_readers ? "NONE" : "AWS_IAM"
      }
    },
    var.hot_writer == null ? {} : {
      "hot-writer" = {
        function_name = aws_lambda_function.hot_writer[0].function_name
        auth          = "NONE"
      }
    },
  )
}

# Deployments made before ../_function_url existed keep their URLs (and so their addresses).
moved {
  from = aws_lambda_function_url.hot_reader
  to   = module.urls.aws_lambda_function_url.url["hot-reader"]
}

moved {
  from = aws_lambda_permission.hot_reader_url[0]
  to   = module.urls.aws_lambda_permission.public_url["hot-reader"]
}

moved {
  from = aws_lambda_function_url.hot_writer[0]
  to   = module.urls.aws_lambda_function_url.url["hot-writer"]
}

moved {
  from = aws_lambda_permission.hot_writer_url[0]
  to   = module.urls.aws_lambda_permission.public_url["hot-writer"]
}
