# L4 · twin model on AWS IoT TwinMaker. Terraform has no TwinMaker resources: the workspace,
# component types and entities are created by the SDK step. Terraform provides what the
# workspace needs: its S3 bucket, the IAM role TwinMaker assumes (the bucket, and invoking
# the hot reader as data connector), and the hot reader proxy when L3 hot is on another
# cloud and the proxy lives in this layer.
#
# Each aws_lambda_function is named after its role; its environment sets exactly the
# variables of that role's contract (dtwin_gui/runtime/core/contracts.py).

data "aws_caller_identity" "current" {}

locals {
  base_env = {
    DTWIN_TWIN_NAME = var.common.twin_name
    DTWIN_LOG_LEVEL = var.common.log_level
  }

  # Every Lambda of this layer, keyed by its topology name.
  functions = var.hot_reader_proxy == null ? {} : { "hot-reader-proxy" = var.hot_reader_proxy }

  # The data connector TwinMaker invokes: the proxy here, else the one passed in.
  reader_arn = var.hot_reader_proxy == null ? var.hot_reader_arn : aws_lambda_function.hot_reader_proxy[0].arn
}

# --- workspace bucket ---------------------------------------------------------------------

module "bucket" {
  source = "../_bucket"

  name          = var.bucket_name
  force_destroy = var.force_destroy
  enforce_tls   = var.enforce_tls
}

# Deployments made before ../_bucket existed keep their bucket (and what it holds).
moved {
  from = aws_s3_bucket.workspace
  to   = module.bucket.aws_s3_bucket.bucket
}

moved {
  from = aws_s3_bucket_public_access_block.workspace
  to   = module.bucket.aws_s3_bucket_public_access_block.bucket
}

moved {
  from = aws_s3_bucket_policy.workspace
  to   = module.bucket.aws_s3_bucket_policy.bucket
}

# --- the role TwinMaker assumes -----------------------------------------------------------

data "aws_iam_policy_document" "twinmaker_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["iottwinmaker.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "twinmaker" {
  name               = var.role_name
  assume_role_policy = data.aws_iam_policy_document.twinmaker_assume.json
}

data "aws_iam_policy_document" "twinmaker" {
  statement {
    sid       = "WorkspaceBucket"
    actions   = ["s3:GetBucketLocation", "s3:ListBucket"]
    resources = [module.bucket.arn]
  }

  statement {
    sid       = "WorkspaceObjects"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${module.bucket.arn}/*"]
  }

  # TwinMaker keeps a marker object per workspace and removes it with the workspace.
  statement {
    sid       = "WorkspaceMarker"
    actions   = ["s3:DeleteObject"]
    resources = ["${module.bucket.arn}/DO_NOT_DELETE_WORKSPACE_*"]
  }

  statement {
    sid       = "DataConnector"
    actions   = ["lambda:InvokeFunction"]
    resources = [local.reader_arn]
  }
}

resource "aws_iam_role_policy" "twinmaker" {
  name   = "workspace"
  role   = aws_iam_role.twinmaker.id
  policy = data.aws_iam_policy_document.twinmaker.json

  lifecycle {
    precondition {
      condition     = var.hot_reader_proxy != null || var.hot_reader_arn != null
      error_message = "TwinMaker needs hot_reader_arn, or a hot_reader_proxy in this layer."
    }
  }
}

# --- hot reader proxy: reads from the hot store on another cloud -------------------------

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


resource "aws_lambda_function" "hot_reader_proxy" {
  count = var.hot_reader_proxy == null ? 0 : 1

  function_name    = var.hot_reader_proxy.name
  role             = module.functions.role_arns["hot-reader-proxy"]
  runtime          = "python3.11"
  handler          = var.hot_reader_proxy.handler
  s3_bucket        = var.hot_reader_proxy.s3_bucket
  s3_key           = var.hot_reader_proxy.s3_key
  source_code_hash = var.hot_reader_proxy.package_hash
  timeout          = var.common.function_timeout_seconds
  memory_size      = var.common.function_memory_mb

  environment {
    variables = merge(local.base_env, {
      DTWIN_REMOTE_URL    = var.remote_url
      DTWIN_REMOTE_SECRET = var.remote_secret
    })
  }

  depends_on = [module.functions]

  lifecycle {
    precondition {
      condition     = var.remote_url != null && var.remote_secret != null
      error_message = "the hot reader proxy needs remote_url and remote_secret (the reader boundary)."
    }
  }
}

# Dashboards query the proxy over HTTP with signed (AWS_IAM) requests.
resource "aws_lambda_function_url" "hot_reader_proxy" {
  count = var.hot_reader_proxy == null ? 0 : 1

  function_name      = aws_lambda_function.hot_reader_proxy[0].function_name
  authorization_type = "AWS_IAM"
}
