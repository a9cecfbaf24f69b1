"""Step Functions calls missing in moto, and aws_sfn_state_machine through Terraform."""

from __future__ import annotations

import json

import pytest
from helpers_sandbox import Terraform, require_terraform

from dtwin_gui.clouds.aws.sandbox.patches.stepfunctions import validate_definition

GOOD = {
    "StartAt": "Pick",
    "States": {
        "Pick": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.x", "NumericGreaterThan": 1, "Next": "Both"}],
            "Default": "Done",
        },
        "Both": {
            "Type": "Parallel",
            "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}],
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}


def test_validate_accepts_a_valid_definition(aws):
    reply = aws.client("stepfunctions").validate_state_machine_definition(
        definition=json.dumps(GOOD), type="STANDARD"
    )
    assert reply["result"] == "OK"
    assert reply["diagnostics"] == []


def test_validate_reports_invalid_json(aws):
    reply = aws.client("stepfunctions").validate_state_machine_definition(definition="{not json")
    assert reply["result"] == "FAIL"
    assert [d["code"] for d in reply["diagnostics"]] == ["INVALID_JSON_DESCRIPTION"]
    assert reply["diagnostics"][0]["severity"] == "ERROR"


@pytest.mark.parametrize(
    ("definition", "code"),
    [
        ({"States": {"A": {"Type": "Pass", "End": True}}}, "SCHEMA_VALIDATION_FAILED"),
        (
            {"StartAt": "B", "States": {"A": {"Type": "Pass", "End": True}}},
            "MISSING_TRANSITION_TARGET",
        ),
        (
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Z"}}},
            "MISSING_TRANSITION_TARGET",
        ),
        ({"StartAt": "A", "States": {"A": {"Type": "Teleport"}}}, "SCHEMA_VALIDATION_FAILED"),
        (
            {
                "StartAt": "P",
                "States": {
                    "P": {
                        "Type": "Parallel",
                        "Branches": [{"StartAt": "X", "States": {}}],
                        "End": True,
                    }
                },
            },
            "SCHEMA_VALIDATION_FAILED",
        ),
    ],
)
def test_structural_problems_are_errors(definition, code):
    assert [d["code"] for d in validate_definition(json.dumps(definition))] == [code]


def test_list_state_machine_versions_is_empty(aws):
    sfn = aws.client("stepfunctions")
    arn = sfn.create_state_machine(
        name="m",
        definition=json.dumps(GOOD),
        roleArn="arn:aws:iam::123456789012:role/sfn",
    )["stateMachineArn"]
    assert sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"] == []
    # moto keeps serving what it has
    assert sfn.describe_state_machine(stateMachineArn=arn)["name"] == "m"


@pytest.mark.slow
def test_terraform_applies_and_destroys_a_state_machine(aws, tmp_path):
    require_terraform()
    tf = Terraform(tmp_path / "tf", aws.endpoint, aws.region)
    tf.write(
        """
resource "aws_iam_role" "sfn" {
  name = "dtwin-sfn"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
                   Principal = { Service = "states.amazonaws.com" } }]
  })
}

resource "aws_sfn_state_machine" "flow" {
  name     = "dtwin-flow"
  role_arn = aws_iam_role.sfn.arn
  definition = jsonencode({
    StartAt = "Wait"
    States = {
      Wait = { Type = "Wait", Seconds = 1, Next = "Done" }
      Done = { Type = "Succeed" }
    }
  })
}
"""
    )
    tf.init()
    tf.apply()
    sfn = aws.client("stepfunctions")
    machines = sfn.list_state_machines()["stateMachines"]
    assert [m["name"] for m in machines] == ["dtwin-flow"]
    assert tf.plan_is_empty()
    tf.destroy()
    assert sfn.list_state_machines()["stateMachines"] == []
