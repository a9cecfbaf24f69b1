# L5 · dashboards on Amazon Managed Grafana: the workspace, the IAM role it assumes (reading
# the hot store through the hot reader, or the hot reader proxy when L3 hot is on another
# cloud), and that proxy when it lives in this layer. Dashboards are an SDK step.
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

  # What dashboards read through: the proxy here, else the reader passed in.
  reader_arn = var.hot_reader_proxy == null ? var.hot_reader_arn : aws_lambda_function.hot_reader_proxy[0].arn
}

# --- the role the workspace assumes ------------------------------------------------------

data "aws_iam_policy_document" "grafana_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["grafana.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "grafana" {
  name               = var.role_name
  assume_role_policy = data.aws_iam_policy_document.grafana_assume.json
}

data "aws_iam_policy_document" "grafana" {
  statement {
    sid       = "ReadHotStore"
    actions   = ["lambda:InvokeFunction", "lambda:InvokeFunctionUrl"]
    resources = [local.reader_arn]
  }
}

resource "aws_iam_role_policy" "grafana" {
  name   = "read-hot-store"
  role   = aws_iam_role.grafana.id
  policy = data.aws_iam_policy_document.grafana.json

  lifecycle {
    precondition {
      condition     = var.hot_reader_proxy != null || var.hot_reader_arn != null
      error_message = "Grafana needs hot_reader_arn, or a hot_reader_proxy in this layer."
    }
  }
}

# --- the workspace ------------------------------------------------------------------------

# Sign-in through IAM Identity Center (AWS_SSO), which must be enabled in the account.
resource "aws_grafana_workspace" "dashboards" {
  name                     = var.workspace_name
  description              = "Dashboards of twin ${var.common.twin_name}"
  account_access_type      = "CURRENT_ACCOUNT"
  authentication_providers = ["AWS_SSO"]
  permission_type          = "SERVICE_MANAGED"
  data_sources             = []
  role_arn                 = aws_iam_role.grafana.arn
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
