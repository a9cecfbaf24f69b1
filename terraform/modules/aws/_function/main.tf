# What every Lambda of a layer needs besides itself: its IAM role (assumed by Lambda), its
# log group (created before the function, so retention is ours and destroy removes it) and
# the permission to write to that log group only.
#
# One call per layer module manages all of that layer's functions (`functions` is keyed
# by topology name), so the layer module's `moved` blocks can move the resources of the
# older, copy-pasted shape here without destroying anything. The Lambda itself stays in the
# layer module: its environment is the role's contract, checked there by tests/iac.

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "function" {
  for_each = var.functions

  name               = each.value.role_name
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

resource "aws_cloudwatch_log_group" "function" {
  for_each = var.functions

  name              = "/aws/lambda/${each.value.name}"
  retention_in_days = var.log_retention_days
}

data "aws_iam_policy_document" "logs" {
  for_each = var.functions

  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function[each.key].arn}:*"]
  }
}

resource "aws_iam_role_policy" "logs" {
  for_each = var.functions

  name   = "logs"
  role   = aws_iam_role.function[each.key].id
  policy = data.aws_iam_policy_document.logs[each.key].json
}
