# L1 · device ingestion on AWS IoT Core: one thing and one least-privilege IoT policy per
# device, the telemetry topic rule, the dispatcher it invokes, and the connector to the
# ingestion receiver when L2 is on another cloud.
#
# Device certificates are not Terraform's: the SDK step creates them and attaches each to
# its thing and policy (so private keys never enter the Terraform state).
#
# Each aws_lambda_function is named after its role; its environment sets exactly the
# variables of that role's contract (dtwin_gui/runtime/core/contracts.py).

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  base_env = {
    DTWIN_TWIN_NAME = var.common.twin_name
    DTWIN_LOG_LEVEL = var.common.log_level
  }

  # Every Lambda of this layer, keyed by its topology name.
  functions = merge(
    { dispatcher = var.dispatcher },
    var.connector == null ? {} : { connector = var.connector },
  )

  iot_arn_prefix = join(":", [
    "arn", data.aws_partition.current.partition, "iot", data.aws_region.current.name,
    data.aws_caller_identity.current.account_id,
  ])

  # Where the dispatcher hands records: the processors here, or the connector.
  dispatch_targets = concat(var.processor_arns, aws_lambda_function.connector[*].arn)
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

# --- devices: a thing and an IoT policy each ---------------------------------------------

resource "aws_iot_thing" "device" {
  for_each = var.devices

  name = each.value.thing_name
}

# A device may connect only as its own thing (client id = thing name, certificate attached
# to that thing), publish only its telemetry and receive only its feedback.
data "aws_iam_policy_document" "device" {
  for_each = var.devices

  statement {
    sid       = "ConnectAsItsThing"
    actions   = ["iot:Connect"]
    resources = ["${local.iot_arn_prefix}:client/${each.value.thing_name}"]
    condition {
      test     = "Bool"
      variable = "iot:Connection.Thing.IsAttached"
      values   = ["true"]
    }
  }

  statement {
    sid       = "PublishTelemetry"
    actions   = ["iot:Publish"]
    resources = ["${local.iot_arn_prefix}:topic/${each.value.telemetry_topic}"]
  }

  statement {
    sid       = "SubscribeFeedback"
    actions   = ["iot:Subscribe"]
    resources = ["${local.iot_arn_prefix}:topicfilter/${each.value.feedback_topic}"]
  }

  statement {
    sid       = "ReceiveFeedback"
    actions   = ["iot:Receive"]
    resources = ["${local.iot_arn_prefix}:topic/${each.value.feedback_topic}"]
  }
}

resource "aws_iot_policy" "device" {
  for_each = var.devices

  name   = each.value.policy_name
  policy = data.aws_iam_policy_document.device[each.key].json
}

# --- telemetry topic rule → dispatcher ---------------------------------------------------

resource "aws_iot_topic_rule" "telemetry" {
  name        = var.rule_name
  description = "Telemetry of twin ${var.common.twin_name} to its dispatcher"
  enabled     = true
  sql         = "SELECT *, topic(3) AS device_id FROM '${var.telemetry_topic_filter}'"
  sql_version = "2016-03-23"

  lambda {
    function_arn = aws_lambda_function.dispatcher.arn
  }
}

resource "aws_lambda_permission" "dispatcher_from_iot" {
  statement_id   = "AllowTelemetryTopicRule"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.dispatcher.function_name
  principal      = "iot.amazonaws.com"
  source_arn     = aws_iot_topic_rule.telemetry.arn
  source_account = data.aws_caller_identity.current.account_id
}

# --- dispatcher: routes each record to its device's processor (or the connector) ---------

data "aws_iam_policy_document" "dispatcher" {
  count = length(local.dispatch_targets) > 0 ? 1 : 0

  statement {
    actions   = ["lambda:InvokeFunction"]
    resources = local.dispatch_targets
  }
}

resource "aws_iam_role_policy" "dispatcher" {
  count = length(local.dispatch_targets) > 0 ? 1 : 0

  name   = "dispatch"
  role   = module.functions.role_ids["dispatcher"]
  policy = data.aws_iam_policy_document.dispatcher[0].json
}

resource "aws_lambda_function" "dispatcher" {
  function_name    = var.dispatcher.name
  role             = module.functions.role_arns["dispatcher"]
  runtime          = "python3.11"
  handler          = var.dispatcher.handler
  s3_bucket        = var.dispatcher.s3_bucket
  s3_key           = var.dispatcher.s3_key
  source_code_hash = var.dispatcher.package_hash
  timeout          = var.common.function_timeout_seconds
  memory_size      = var.common.function_memory_mb

  environment {
    variables = merge(
      local.base_env,
      var.connector == null ? {} : {
        DTWIN_CONNECTOR_FUNCTION = var.connector.name
      },
    )
  }

  depends_on = [module.functions]
}

# --- connector: forwards records to the ingestion receiver on the L2 cloud ---------------

resource "aws_lambda_function" "connector" {
  count = var.connector == null ? 0 : 1

  function_name    = var.connector.name
  role             = module.functions.role_arns["connector"]
  runtime          = "python3.11"
  handler          = var.connector.handler
  s3_bucket        = var.connector.s3_bucket
  s3_key           = var.connector.s3_key
  source_code_hash = var.connector.package_hash
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
      error_message = "the connector needs remote_url and remote_secret (the L1 -> L2 boundary)."
    }
  }
}
