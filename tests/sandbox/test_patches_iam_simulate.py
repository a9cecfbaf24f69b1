"""iam:SimulatePrincipalPolicy in the sandbox, through boto3 against the emulator."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from dtwin_gui.clouds.aws.sandbox.patches.iam_simulate import evaluate


def doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_evaluation_order_and_wildcards():
    policies = [
        ("a", doc({"Effect": "Allow", "Action": "S3:Get*", "Resource": "*"})),
        (
            "b",
            doc(
                {"Effect": "Deny", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::secret/*"}
            ),
        ),
        ("c", doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:sqs:*"})),
    ]
    assert evaluate(policies, "s3:getbucketpolicy")[0] == "allowed"
    assert evaluate(policies, "s3:GetObject", "arn:aws:s3:::open/x")[0] == "allowed"
    assert evaluate(policies, "s3:GetObject", "arn:aws:s3:::secret/x") == ("explicitDeny", ["b"])
    assert evaluate(policies, "s3:PutObject", "arn:aws:s3:::open/x")[0] == "implicitDeny"
    assert evaluate(policies, "sqs:SendMessage", "arn:aws:sqs:eu-west-1:1:q")[0] == "allowed"
    assert evaluate(policies, "iam:CreateRole", "arn:aws:sqs:eu-west-1:1:q")[0] == "implicitDeny"


def test_simulation_through_boto3(aws):
    iam = aws.client("iam")
    iam.create_user(UserName="ann")
    iam.put_user_policy(
        UserName="ann",
        PolicyName="p",
        PolicyDocument=json.dumps(
            doc(
                {
                    "Effect": "Allow",
                    "Action": ["dynamodb:*", "iam:SimulatePrincipalPolicy"],
                    "Resource": "*",
                },
                {"Effect": "Deny", "Action": "dynamodb:DeleteTable", "Resource": "*"},
            )
        ),
    )
    arn = iam.get_user(UserName="ann")["User"]["Arn"]
    result = iam.simulate_principal_policy(
        PolicySourceArn=arn,
        ActionNames=["dynamodb:CreateTable", "dynamodb:DeleteTable", "s3:CreateBucket"],
    )
    decisions = {r["EvalActionName"]: r["EvalDecision"] for r in result["EvaluationResults"]}
    assert decisions == {
        "dynamodb:CreateTable": "allowed",
        "dynamodb:DeleteTable": "explicitDeny",
        "s3:CreateBucket": "implicitDeny",
    }
    assert result["IsTruncated"] is False
    assert result["EvaluationResults"][0]["EvalResourceName"] == "*"

    key = iam.create_access_key(UserName="ann")["AccessKey"]
    as_ann = boto3.client(
        "iam",
        endpoint_url=aws.endpoint,
        region_name=aws.region,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )
    own = as_ann.simulate_principal_policy(PolicySourceArn=arn, ActionNames=["dynamodb:Scan"])
    assert own["EvaluationResults"][0]["EvalDecision"] == "allowed"


def test_unknown_principal_and_unauthorised_caller(aws):
    iam = aws.client("iam")
    with pytest.raises(ClientError) as missing:
        iam.simulate_principal_policy(
            PolicySourceArn="arn:aws:iam::123456789012:user/nobody", ActionNames=["s3:ListBucket"]
        )
    assert missing.value.response["Error"]["Code"] == "NoSuchEntity"

    iam.create_user(UserName="bob")
    key = iam.create_access_key(UserName="bob")["AccessKey"]
    as_bob = boto3.client(
        "iam",
        endpoint_url=aws.endpoint,
        region_name=aws.region,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )
    with pytest.raises(ClientError) as denied:
        as_bob.simulate_principal_policy(
            PolicySourceArn="arn:aws:iam::123456789012:user/bob", ActionNames=["s3:ListBucket"]
        )
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
