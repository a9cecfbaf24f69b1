# L2 · processing on AWS Lambda: one processor per device, the persister, the event checker,
# one function per event action, event feedback to devices, the optional Step Functions
# workflow, and the ingestion receiver when L1 is on another cloud.
#
# Each aws_lambda_function is named after its role (hot_to_cold_mover = role
# hot-to-cold-mover); its environment sets exactly the variables of that role's contract
# (dtwin_gui/runtime/core/contracts.py) — tests/iac/test_modules.py proves it.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  base_env = {
    DTWIN_TWIN_NAME = var.common.twin_name
    DTWIN_LOG_LEVEL = var.common.log_level
  }

  # Every Lambda of this layer, keyed by its topology name (role, log group, logs policy).
  functions = merge(
    { for device, fn in var.processors : "processor-${device}" => fn },
    { persister = var.persister },
    var.event_checker == null ? {} : { "event-checker" = var.event_checker },
    { for action, fn in var.actions : "action-${action}" => fn },
    var.event_feedback == null ? {} : { "event-feedback" = var.event_feedback },
    var.ingestion == null ? {} : { ingestion = var.ingestion },
  )

  # The workflow is started by the event checker, so it exists only with one.
  workflow = var.event_checker == null ? null : var.workflow

  # ARNs built from the names the topology gives, so that no function waits for another to
  # exist before it is created (each create takes ~5 s; a chain of them adds up).
  function_arns = {
    for key, fn in local.functions : key => join(":", [
      "arn", data.aws_partition.current.partition, "lambda", data.aws_region.current.name,
      data.aws_caller_identity.current.account_id, "function", fn.name,
    ])
  }

  # What the event checker may invoke or start.
  checker_functions = concat(
    [for action, _ in var.actions : local.function_arns["action-${action}"]],
    var.event_feedback == null ? [] : [local.function_arns["event-feedback"]],
  )
  checker_workflows = [for machine in aws_sfn_state_machine.workflow : machine.arn]
  checker_has_targets = (
    length(var.actions) > 0 || var.event_feedback != null || local.workflow != null
  )

  feedback_topics_arn = (
    var.feedback_topic_pattern == null ? null : join(":", [
      "arn", data.aws_partition.current.partition, "iot", data.aws_region.current.name,
      data.aws_caller_identity.current.account_id, "topic/${var.feedback_topic_pattern}",
    ])
  )
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

# --- processors: the user's code per device, then the persister --------------------------

data "aws_iam_policy_document" "processor" {
  statement {
    actions   = ["lambda:InvokeFunction"]
    resources = [local.function_arns["persister"]]
  }
}

resource "aws_iam_role_policy" "processor" {
  for_each = var.processors

  name   = "invoke-persister"
  role   = module.functions.role_ids["processor-${each.key}"]
  policy = data.aws_iam_policy_document.processor.json
}

resource "aws_lambda_function" "processor" {
  for_each = var.processors

  function_name    = each.value.name
  role             = module.functions.role_arns["processor-${each.key}"]
  runtime          = "python3.11"
  handler          = each.value.handler
  s3_bucket        = each.value.s3_bucket
  s3_key           = each.value.s3_key
  source_code_hash = each.value.package_hash
  timeout          = var.common.function_timeout_seconds
  memory_size      = var.common.function_memory_mb

  environment {
    variables = merge(local.base_env, {
      DTWIN_PERSISTER_FUNCTION = var.persister.name
    })
  }

  depends_on = [module.functions]
}

# --- persister: hot storage (here or remote), then the event checker ---------------------

data "aws_iam_policy_document" "persister" {
  dynamic "statement" {
    for_each = var.hot_table == null ? [] : [var.hot_table.arn]
    content {
      actions   = ["dynamodb:PutItem"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = var.event_checker == null ? [] : [local.function_arns["event-checker"]]
    content {
      actions   = ["lambda:InvokeFunction"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "persister" {
  count = var.hot_table != null || var.event_checker != null ? 1 : 0

  name   = "persist"
  role   = module.functions.role_ids["persister"]
  policy = data.aws_iam_policy_document.persister.json
}

resource "aws_lambda_function" "persister" {
  function_name    = var.persister.name
  role             = module.functions.role_arns["persister"]
  runtime          = "python3.11"
  handler          = var.persister.handler
  s3_bucket        = var.persister.s3_bucket
  s3_key           = var.persister.s3_key
  source_code_hash = var.persister.package_hash
  timeout          = var.common.function_timeout_seconds
  memory_size      = var.common.function_memory_mb

  environment {
    variables = merge(
      local.base_env,
      var.hot_table == null ? {} : { DTWIN_HOT_STORE = var.hot_table.name },
      var.hot_ttl_days == null ? {} : { DTWIN_HOT_TTL_DAYS = tostring(var.hot_ttl_days) },
      var.hot_writer_url == null ? {} : {
        DTWIN_HOT_WRITER_URL    = var.hot_writer_url
        DTWIN_HOT_WRITER_SECRET = var.hot_writer_secret
      },
      var.event_checker == null ? {} : {
        DTWIN_EVENT_CHECKER_FUNCTION = var.event_checker.name
      },
      var.twin_update_url == null ? {} : {
        DTWIN_TWIN_UPDATE_URL    = var.twin_update_url
        DTWIN_TWIN_UPDATE_SECRET = var.twin_update_secret
      },
    )
  }

  depends_on = [module.functions]
}

# --- event checker: evaluates rules, fires actions, feedback and the workflow ------------

data "aws_iam_policy_document" "event_checker" {
  dynamic "statement" {
    for_each = length(local.checker_functions) > 0 ? [local.checker_functions] : []
    content {
      actions   = ["lambda:InvokeFunction"]
      resources = statement.value
    }
  }

  dynamic "statement" {
    for_each = length(local.checker_workflows) > 0 ? [local.checker_workflows] : []
    content {
      actions   = ["states:StartExecution"]
      resources = statement.value
    }
  }
}

resource "aws_iam_role_policy" "event_checker" {
  count = var.event_checker != null && local.checker_has_targets ? 1 : 0

  name   = "fire-actions"
  role   = module.functions.role_ids["event-checker"]
  policy = data.aws_iam_policy_document.event_checker.json
}

resource "aws_lambda_function" "event_checker" {
  count = var.event_checker == null ? 0 : 1

  function_name    = var.event_checker.name
  role             = module.functions.role_arns["event-checker"]
  runtime          = "python3.11"
  handler          = var.event_checker.handler
  s3_bucket        = var.event_checker.s3_bucket
  s3_key           = var.event_checker.s3_key
  source_code_hash = var.event_checker.package_hash
  timeout          = var.common.function_timeout_seconds
  memory_size      = var.common.function_memory_mb

  environment {
    variables = merge(
      local.base_env,
      var.event_feedback == null ? {} : {
        DTWIN_FEEDBACK_FUNCTION = var.event_feedback.name
      },
      local.workflow == null ? {} : {
        DTWIN_WORKFLOW = aws_sfn_state_machine.workflow[0].arn
      },
    )
  }

  depends_on = [module.functions]
}

# --- event actions: the user's action code, nothing else ---------------------------------

resource "aws_lambda_function" "action" {
  for_each = var.actions

  function_name    = each.value.name
  role             = module.functions.role_arns["action-${each.key}"]
  runtime          = "python3.11"
  handler          = each.value.handler
  s3_bucket        = each.value.s3_bucket
  s3_key           = each.value.s3_key
  source_code_hash = each.value.package_hash
  timeout          = var.common.function_timeout_seconds
  memory_size      = var.common.function_memory_mb

  environment {
    variables = local.base_env
  }

  depends_on = [module.functions]
}

# --- event feedback: publishes to the devices' feedback topics ---------------------------

data "aws_iam_policy_document" "event_feedback" {
  count = var.event_feedback == null ? 0 : 1

  statement {
    actions   = ["iot:Publish"]
    resources = [local.feedback_topics_arn]
  }

  lifecycle {
    precondition {
      condition     = var.feedback_topic_pattern != null
      error_message = "event feedback needs feedback_topic_pattern (the topics it may publish to)."
    }
  }
}

resource "aws_iam_role_policy" "event_feedback" {
  count = var.event_feedback == null ? 0 : 1

  name   = "publish-feedback"
  role   = module.functions.role_ids["event-feedback"]
  policy = data.aws_iam_policy_document.event_feedback[0].json
}

resource "aws_lambda_function" "event_feedback" {
  count = var.event_feedback == null ? 0 : 1

  function_name    = var.event_feedback.name
  role             = module.functions.role_arns["event-feedback"]
  runtime          = "python3.11"
  handler          = var.event_feedback.handler
  s3_bucket        = var.event_feedback.s3_bucket
  s3_key           = var.event_feedback.s3_key
  source_code_hash = var.event_feedback.package_hash
  timeout          = var.common.function_timeout_seconds
  memory_size      = var.common.function_memory_mb

  environment {
    variables = merge(
      local.base_env,
      var.iot_endpoint == null ? {} : { DTWIN_IOT_ENDPOINT = var.iot_endpoint },
    )
  }

  depends_on = [module.functions]
}

# --- workflow: the project's state machine, started by the event checker -----------------

data "aws_iam_policy_document" "states_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

# The role gets no permissions: what the user's definition calls is theirs to grant (attach
# a policy to this role); an all-powerful default would defeat least privilege.
resource "aws_iam_role" "workflow" {
  count = local.workflow == null ? 0 : 1

  name               = local.workflow.role_name
  assume_role_policy = data.aws_iam_policy_document.states_assume.json
}

resource "aws_sfn_state_machine" "workflow" {
  count = local.workflow == null ? 0 : 1

  name       = local.workflow.name
  role_arn   = aws_iam_role.workflow[0].arn
  definition = local.workflow.definition
}

# --- ingestion receiver: telemetry from the L1 cloud (HMAC-signed HTTP) ------------------

data "aws_iam_policy_document" "ingestion" {
  count = var.ingestion != null && length(var.processors) > 0 ? 1 : 0

  statement {
    actions   = ["lambda:InvokeFunction"]
    resources = [for fn in aws_lambda_function.processor : fn.arn]
  }
}

resource "aws_iam_role_policy" "ingestion" {
  count = var.ingestion != null && length(var.processors) > 0 ? 1 : 0

  name   = "invoke-processors"
  role   = module.functions.role_ids["ingestion"]
  policy = data.aws_iam_policy_document.ingestion[0].json
}

resource "aws_lambda_function" "ingestion" {
  count = var.ingestion == null ? 0 : 1

  function_name    = var.ingestion.name
  role             = module.functions.role_arns["ingestion"]
  runtime          = "python3.11"
  handler          = var.ingestion.handler
  s3_bucket        = var.ingestion.s3_bucket
  s3_key           = var.ingestion.s3_key
  source_code_hash = var.ingestion.package_hash
  timeout          = var.common.function_timeout_seconds
  memory_size      = var.common.function_memory_mb

  environment {
    variables = merge(
      local.base_env,
      { DTWIN_GLUE_SECRET = var.ingestion_secret },
      var.ingestion_previous_secret == null ? {} : {
        DTWIN_GLUE_PREVIOUS_SECRET = var.ingestion_previous_secret
      },
    )
  }

  depends_on = [module.functions]

  lifecycle {
    precondition {
      condition     = var.ingestion_secret != null
      error_message = "the ingestion receiver needs ingestion_secret (the L1 -> L2 boundary secret)."
    }
  }
}

# Senders on another cloud cannot sign AWS requests; every request is HMAC-verified instead.
module "urls" {
  source = "../_function_url"

  urls = merge(
    var.ingestion == null ? {} : {
      ingestion = {
        function_name = aws_lambda_function.ingestion[0].function_name
        auth          = "NONE"
      }
    },
  )
}

# Deployments made before ../_function_url existed keep their URLs (and so their addresses).
moved {
  from = aws_lambda_function_url.ingestion[0]
  to   = module.urls.aws_lambda_function_url.url["ingestion"]
}

moved {
  from = aws_lambda_permission.ingestion_url[0]
  to   = module.urls.aws_lambda_permission.public_url["ingestion"]
}
