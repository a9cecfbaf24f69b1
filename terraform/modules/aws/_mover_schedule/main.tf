# The daily trigger of a storage tier's mover: an EventBridge Scheduler schedule and the role
# it assumes, which may invoke that one function and nothing else. The event carries no
# input, so the mover uses the wall clock (the sandbox clock sends `now`).

data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "scheduler_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "mover_schedule" {
  name               = var.role_name
  assume_role_policy = data.aws_iam_policy_document.scheduler_assume.json
}

data "aws_iam_policy_document" "mover_schedule" {
  statement {
    actions   = ["lambda:InvokeFunction"]
    resources = [var.function_arn]
  }
}

resource "aws_iam_role_policy" "mover_schedule" {
  name   = "invoke-mover"
  role   = aws_iam_role.mover_schedule.id
  policy = data.aws_iam_policy_document.mover_schedule.json
}

resource "aws_scheduler_schedule" "mover" {
  name                = var.name
  description         = var.description
  schedule_expression = var.schedule_expression

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = var.function_arn
    role_arn = aws_iam_role.mover_schedule.arn
  }

  depends_on = [aws_iam_role_policy.mover_schedule]
}
