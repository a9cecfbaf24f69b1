"""Adoption: what a plan would create but already exists is found, with its import id
(issue 11 item 1). On the sandbox emulator; the plan document is what ``terraform show -json``
gives for creates."""

from __future__ import annotations

import json

from dtwin_gui.clouds.aws.adopt import ADOPT_FILE, find_adoptions, write_imports
from dtwin_gui.clouds.aws.connection import sandbox_target
from tests.helpers_sandbox import ROLE_POLICY, create_function


def create(address: str, type_: str, **after) -> dict:
    return {
        "address": address,
        "mode": "managed",
        "type": type_,
        "change": {"actions": ["create"], "after": after},
    }


def test_existing_objects_are_adopted_with_their_import_ids(aws, tmp_path):
    target = sandbox_target(aws.endpoint, aws.region)
    aws.client("dynamodb").create_table(
        TableName="twin-hot",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    aws.client("s3").create_bucket(Bucket="twin-cold")
    aws.client("iam").create_role(RoleName="twin-role", AssumeRolePolicyDocument=ROLE_POLICY)
    aws.client("iot").create_policy(policyName="twin-devices", policyDocument="{}")
    create_function(aws, "twin-dispatcher", "def handler(e, c):\n    return e\n")
    aws.client("logs").create_log_group(logGroupName="/aws/lambda/twin-dispatcher")
    grafana = aws.client("grafana").create_workspace(
        accountAccessType="CURRENT_ACCOUNT",
        authenticationProviders=["AWS_SSO"],
        permissionType="SERVICE_MANAGED",
        workspaceName="twin-grafana",
    )["workspace"]
    plan = {
        "resource_changes": [
            create(
                "module.aws_l3_hot.aws_dynamodb_table.hot", "aws_dynamodb_table", name="twin-hot"
            ),
            create("module.aws_l3_cold.aws_s3_bucket.cold", "aws_s3_bucket", bucket="twin-cold"),
            create("module.aws_l2.aws_iam_role.r", "aws_iam_role", name="twin-role"),
            create("module.aws_l1.aws_iot_policy.p", "aws_iot_policy", name="twin-devices"),
            create(
                'module.aws_l2.aws_lambda_function.f["d"]',
                "aws_lambda_function",
                function_name="twin-dispatcher",
            ),
            create(
                "module.aws_l2.aws_cloudwatch_log_group.g",
                "aws_cloudwatch_log_group",
                name="/aws/lambda/twin-dispatcher",
            ),
            create(
                "module.aws_l5.aws_grafana_workspace.g",
                "aws_grafana_workspace",
                name="twin-grafana",
            ),
            # Not there: nothing to adopt.
            create("module.aws_l3_archive.aws_s3_bucket.a", "aws_s3_bucket", bucket="twin-archive"),
            create("module.aws_l2.aws_iam_role.other", "aws_iam_role", name="twin-other"),
            # Idempotent puts are never imported.
            create(
                "module.aws_l3_cold.aws_s3_bucket_policy.p",
                "aws_s3_bucket_policy",
                bucket="twin-cold",
            ),
        ]
    }
    found = {a.address: a.import_id for a in find_adoptions(target, plan)}
    assert found == {
        "module.aws_l3_hot.aws_dynamodb_table.hot": "twin-hot",
        "module.aws_l3_cold.aws_s3_bucket.cold": "twin-cold",
        "module.aws_l2.aws_iam_role.r": "twin-role",
        "module.aws_l1.aws_iot_policy.p": "twin-devices",
        'module.aws_l2.aws_lambda_function.f["d"]': "twin-dispatcher",
        "module.aws_l2.aws_cloudwatch_log_group.g": "/aws/lambda/twin-dispatcher",
        "module.aws_l5.aws_grafana_workspace.g": grafana["id"],
    }

    path = write_imports(tmp_path, find_adoptions(target, plan))
    assert path.name == ADOPT_FILE
    blocks = json.loads(path.read_text())["import"]
    assert {b["to"]: b["id"] for b in blocks} == found
