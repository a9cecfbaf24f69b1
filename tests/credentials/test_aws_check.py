"""The AWS check against the emulator: identity, per-layer preflight, the missing policy."""

from __future__ import annotations

import json

import pytest

from dtwin_gui.clouds.aws.connection import AwsConnection
from dtwin_gui.clouds.aws.preflight import (
    ALLOWED,
    DENIED,
    UNKNOWN,
    check_aws,
    explain_aws_error,
    simulation_arn,
)
from dtwin_gui.credentials.permissions import required_actions

#: Enough for IoT (L1), Lambda and reading packages, but not for creating the package bucket;
#: DynamoDB table deletion is explicitly denied.
LIMITED_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["sts:*", "iam:*", "iot:*", "lambda:*", "logs:*", "s3:Get*Object*"],
            "Resource": "*",
        },
        {
            "Effect": "Allow",
            "Action": [
                "s3:List*",
                "dynamodb:*",
                "events:*",
                "scheduler:*",
                "iottwinmaker:ListWorkspaces",
                "grafana:ListWorkspaces",
                "states:ListStateMachines",
            ],
            "Resource": "*",
        },
        {"Effect": "Deny", "Action": "dynamodb:DeleteTable", "Resource": "*"},
    ],
}


def make_user(aws, name: str, policy: dict | None) -> dict[str, str]:
    iam = aws.client("iam")
    iam.create_user(UserName=name)
    if policy is not None:
        iam.put_user_policy(UserName=name, PolicyName="limited", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {
        "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
    }


def keys_target(aws, creds: dict[str, str]) -> AwsConnection:
    return AwsConnection("aws", aws.region, None, creds)


def test_identity_and_per_layer_decisions_follow_the_policy(aws):
    creds = make_user(aws, "deployer", LIMITED_POLICY)
    result = check_aws(keys_target(aws, creds), endpoint_url=aws.endpoint, layers=["L1", "L3_hot"])

    assert result.ok, result.message
    assert result.fact("Account") == "123456789012"
    assert result.fact("Identity") == "arn:aws:iam::123456789012:user/deployer"
    assert result.fact("Region") == aws.region
    report = result.preflight
    assert list(report.groups) == ["setup", "L1", "L3_hot"]
    assert set(report.groups["L1"].values()) == {ALLOWED}
    assert report.groups["setup"]["sts:GetCallerIdentity"] == ALLOWED
    assert report.groups["setup"]["s3:CreateBucket"] == DENIED
    assert report.counts("setup")[DENIED] > 0
    hot = report.groups["L3_hot"]
    assert hot["dynamodb:CreateTable"] == ALLOWED
    assert hot["dynamodb:DeleteTable"] == DENIED  # the explicit deny wins over dynamodb:*
    assert hot["lambda:CreateFunction"] == ALLOWED
    assert report.counts("L1")[DENIED] == 0
    assert report.note == ""


def test_missing_policy_lists_exactly_the_denied_actions(aws):
    creds = make_user(aws, "deployer", LIMITED_POLICY)
    report = check_aws(keys_target(aws, creds), endpoint_url=aws.endpoint).preflight

    denied = {a for g in report.groups.values() for a, d in g.items() if d == DENIED}
    assert {
        "dynamodb:DeleteTable",
        "s3:CreateBucket",
        "grafana:CreateWorkspace",
        "iottwinmaker:CreateEntity",
        "states:CreateStateMachine",
    } <= denied
    assert "iot:CreateThing" not in denied
    policy = json.loads(report.missing_policy())
    (statement,) = policy["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Resource"] == "*"
    assert set(statement["Action"]) == denied
    assert len(statement["Action"]) == len(denied)


def test_group_and_managed_policies_count(aws):
    iam = aws.client("iam")
    creds = make_user(aws, "grouped", None)
    arn = iam.create_policy(
        PolicyName="iot-only",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": ["iot:*", "iam:Simulate*"], "Resource": "*"}
                ],
            }
        ),
    )["Policy"]["Arn"]
    iam.create_group(GroupName="builders")
    iam.attach_group_policy(GroupName="builders", PolicyArn=arn)
    iam.add_user_to_group(GroupName="builders", UserName="grouped")

    report = check_aws(keys_target(aws, creds), endpoint_url=aws.endpoint, layers=["L1"]).preflight
    assert report.groups["L1"]["iot:CreateThing"] == ALLOWED
    assert report.groups["L1"]["lambda:CreateFunction"] == DENIED


def test_when_simulation_is_denied_every_action_is_unknown(aws):
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}],
    }
    creds = make_user(aws, "plain", policy)
    result = check_aws(keys_target(aws, creds), endpoint_url=aws.endpoint, layers=["L2"])

    assert result.ok
    report = result.preflight
    assert {d for g in report.groups.values() for d in g.values()} == {UNKNOWN}
    assert "iam:SimulatePrincipalPolicy" in report.note
    assert report.missing_policy() == ""
    assert "lambda:CreateFunction" in json.loads(report.full_policy())["Statement"][0]["Action"]


def test_no_network_gives_a_sentence_not_a_traceback():
    creds = {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"}
    result = check_aws(
        AwsConnection("aws", "eu-west-1", None, creds), endpoint_url="http://127.0.0.1:1"
    )
    assert not result.ok
    assert result.message.startswith("Could not reach AWS")
    assert "secret" not in result.message


def test_assumed_role_arn_becomes_the_role():
    arn = "arn:aws:sts::111122223333:assumed-role/Deployer/alice@example.com"
    assert simulation_arn(arn) == "arn:aws:iam::111122223333:role/Deployer"
    assert simulation_arn("arn:aws:iam::111122223333:user/ops/bob") == (
        "arn:aws:iam::111122223333:user/ops/bob"
    )
    assert simulation_arn("arn:aws:sts::111122223333:federated-user/x") is None


def test_assumed_role_is_simulated_as_its_role(aws):
    iam = aws.client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            }
        ],
    }
    iam.create_role(RoleName="Deployer", Path="/team/", AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(
        RoleName="Deployer",
        PolicyName="iot",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "iot:*", "Resource": "*"}],
            }
        ),
    )
    assumed = aws.client("sts").assume_role(
        RoleArn="arn:aws:iam::123456789012:role/team/Deployer", RoleSessionName="alice"
    )["Credentials"]
    creds = {
        "AWS_ACCESS_KEY_ID": assumed["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": assumed["SecretAccessKey"],
        "AWS_SESSION_TOKEN": assumed["SessionToken"],
    }
    result = check_aws(keys_target(aws, creds), endpoint_url=aws.endpoint, layers=["L1"])
    assert "assumed-role/Deployer/alice" in result.fact("Identity")
    assert result.preflight.groups["L1"]["iot:CreateThing"] == ALLOWED
    assert result.preflight.groups["L1"]["lambda:CreateFunction"] == DENIED


def test_required_actions_cover_only_the_layers_asked():
    groups = required_actions(["L5"])
    assert list(groups) == ["setup", "L5"]
    assert "grafana:CreateWorkspaceServiceAccountToken" in groups["L5"]


@pytest.mark.parametrize("code", ["SignatureDoesNotMatch", "InvalidClientTokenId"])
def test_key_errors_are_explained(code):
    from botocore.exceptions import ClientError

    text = explain_aws_error(ClientError({"Error": {"Code": code, "Message": "x"}}, "Op"))
    assert "did not accept the access keys" in text
