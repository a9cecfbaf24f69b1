"""The IAM actions a deployment needs, grouped per layer, and a policy for what is missing.

Derived by reading the HCL modules (``terraform/modules/aws/<layer>/*.tf``: what the aws
provider calls to create, read, update, tag and delete each resource type) and the SDK
steps (``dtwin_gui/clouds/aws/sdk``: IoT devices on L1, TwinMaker on L4, Grafana on L5).
A test parses the HCL and fails when a module uses a resource type this table lacks.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from dtwin_gui.core.providers import SLOTS

SETUP = "setup"
#: Group keys in display order: "setup" (identity, leftovers scan, the function-package
#: bucket) then the seven slots.
GROUPS: tuple[str, ...] = (SETUP, *(str(s) for s in SLOTS))

_TAGS = ("TagResource", "UntagResource", "ListTagsForResource")


def _svc(service: str, *names: str) -> tuple[str, ...]:
    return tuple(f"{service}:{n}" for n in names)


#: Actions the aws provider calls for each resource/data type (create, read, update, delete,
#: tags: the generated root sets ``default_tags``). Data sources that call nothing map to ().
RESOURCE_ACTIONS: dict[str, tuple[str, ...]] = {
    "aws_caller_identity": ("sts:GetCallerIdentity",),
    "aws_partition": (),
    "aws_region": (),
    "aws_iam_policy_document": (),
    "aws_cloudwatch_log_group": _svc(
        "logs",
        "CreateLogGroup",
        "DeleteLogGroup",
        "DescribeLogGroups",
        "PutRetentionPolicy",
        "DeleteRetentionPolicy",
        *_TAGS,
    ),
    "aws_dynamodb_table": _svc(
        "dynamodb",
        "CreateTable",
        "DescribeTable",
        "UpdateTable",
        "DeleteTable",
        "DescribeTimeToLive",
        "UpdateTimeToLive",
        "DescribeContinuousBackups",
        "ListTagsOfResource",
        "TagResource",
        "UntagResource",
    ),
    "aws_grafana_workspace": _svc(
        "grafana",
        "CreateWorkspace",
        "DescribeWorkspace",
        "UpdateWorkspace",
        "DeleteWorkspace",
        "DescribeWorkspaceAuthentication",
        "UpdateWorkspaceAuthentication",
        "DescribeWorkspaceConfiguration",
        "UpdateWorkspaceConfiguration",
        *_TAGS,
    )
    + _svc(
        "sso",
        "CreateManagedApplicationInstance",
        "DeleteManagedApplicationInstance",
        "DescribeRegisteredRegions",
        "GetSharedSsoConfiguration",
    )
    + ("organizations:DescribeOrganization", "iam:PassRole"),
    "aws_iam_role": _svc(
        "iam",
        "CreateRole",
        "GetRole",
        "UpdateRole",
        "DeleteRole",
        "UpdateAssumeRolePolicy",
        "TagRole",
        "UntagRole",
        "ListRolePolicies",
        "ListAttachedRolePolicies",
        "ListInstanceProfilesForRole",
    ),
    "aws_iam_role_policy": _svc("iam", "PutRolePolicy", "GetRolePolicy", "DeleteRolePolicy"),
    "aws_iot_policy": _svc(
        "iot",
        "CreatePolicy",
        "GetPolicy",
        "DeletePolicy",
        "CreatePolicyVersion",
        "DeletePolicyVersion",
        "ListPolicyVersions",
        *_TAGS,
    ),
    "aws_iot_thing": _svc("iot", "CreateThing", "DescribeThing", "UpdateThing", "DeleteThing"),
    "aws_iot_topic_rule": (
        *_svc(
            "iot", "CreateTopicRule", "GetTopicRule", "ReplaceTopicRule", "DeleteTopicRule", *_TAGS
        ),
        "iam:PassRole",
    ),
    "aws_lambda_function": (
        *_svc(
            "lambda",
            "CreateFunction",
            "GetFunction",
            "GetFunctionCodeSigningConfig",
            "UpdateFunctionCode",
            "UpdateFunctionConfiguration",
            "DeleteFunction",
            "ListVersionsByFunction",
            "TagResource",
            "UntagResource",
            "ListTags",
        ),
        "iam:PassRole",
        # The code comes from the setup module's bucket: Lambda reads it as the caller.
        "s3:GetObject",
    ),
    "aws_lambda_function_url": _svc(
        "lambda",
        "CreateFunctionUrlConfig",
        "GetFunctionUrlConfig",
        "UpdateFunctionUrlConfig",
        "DeleteFunctionUrlConfig",
    ),
    "aws_lambda_permission": _svc("lambda", "AddPermission", "RemovePermission", "GetPolicy"),
    "aws_s3_bucket": _svc(
        "s3",
        "CreateBucket",
        "DeleteBucket",
        "ListBucket",
        "GetBucketAcl",
        "GetBucketCORS",
        "GetBucketWebsite",
        "GetBucketVersioning",
        "GetAccelerateConfiguration",
        "GetBucketRequestPayment",
        "GetBucketLogging",
        "GetLifecycleConfiguration",
        "GetReplicationConfiguration",
        "GetEncryptionConfiguration",
        "GetBucketObjectLockConfiguration",
        "GetBucketPolicy",
        "GetBucketTagging",
        "PutBucketTagging",
    ),
    "aws_s3_bucket_lifecycle_configuration": _svc(
        "s3", "PutLifecycleConfiguration", "GetLifecycleConfiguration"
    ),
    "aws_s3_bucket_policy": _svc("s3", "PutBucketPolicy", "GetBucketPolicy", "DeleteBucketPolicy"),
    "aws_s3_object": _svc(
        "s3",
        "PutObject",
        "GetObject",
        "GetObjectTagging",
        "PutObjectTagging",
        "DeleteObject",
        "ListBucketVersions",
        "DeleteObjectVersion",
    ),
    "aws_s3_bucket_public_access_block": _svc(
        "s3", "PutBucketPublicAccessBlock", "GetBucketPublicAccessBlock"
    ),
    "aws_scheduler_schedule": (
        *_svc("scheduler", "CreateSchedule", "GetSchedule", "UpdateSchedule", "DeleteSchedule"),
        "iam:PassRole",
    ),
    "aws_sfn_state_machine": (
        *_svc(
            "states",
            "CreateStateMachine",
            "DescribeStateMachine",
            "UpdateStateMachine",
            "DeleteStateMachine",
            "ValidateStateMachineDefinition",
            "ListStateMachineVersions",
            *_TAGS,
        ),
        "iam:PassRole",
    ),
}

_COMMON = ("aws_caller_identity", "aws_iam_policy_document", "aws_iam_role", "aws_iam_role_policy")
_FUNCTIONS = ("aws_cloudwatch_log_group", "aws_lambda_function")
_URL = ("aws_lambda_function_url", "aws_lambda_permission")
_BUCKET = ("aws_s3_bucket", "aws_s3_bucket_policy", "aws_s3_bucket_public_access_block")

#: Resource and data types each layer's module declares (kept in step with the HCL by a test).
LAYER_RESOURCES: dict[str, tuple[str, ...]] = {
    # The bucket every AWS layer's functions take their code from.
    SETUP: ("aws_iam_policy_document", *_BUCKET, "aws_s3_object"),
    "L1": (
        *_COMMON,
        *_FUNCTIONS,
        "aws_lambda_permission",
        "aws_partition",
        "aws_region",
        "aws_iot_policy",
        "aws_iot_thing",
        "aws_iot_topic_rule",
    ),
    "L2": (*_COMMON, *_FUNCTIONS, *_URL, "aws_partition", "aws_region", "aws_sfn_state_machine"),
    "L3_hot": (*_COMMON, *_FUNCTIONS, *_URL, "aws_dynamodb_table", "aws_scheduler_schedule"),
    "L3_cold": (
        *_COMMON,
        *_FUNCTIONS,
        *_URL,
        *_BUCKET,
        "aws_s3_bucket_lifecycle_configuration",
        "aws_scheduler_schedule",
    ),
    "L3_archive": (
        *_COMMON[1:],
        *_FUNCTIONS,
        *_URL,
        *_BUCKET,
        "aws_s3_bucket_lifecycle_configuration",
    ),
    "L4": (*_COMMON, *_FUNCTIONS, "aws_lambda_function_url", *_BUCKET),
    "L5": (*_COMMON, *_FUNCTIONS, "aws_lambda_function_url", "aws_grafana_workspace"),
}

#: Calls the SDK steps (and the status/destroy scans) make, per group.
SDK_ACTIONS: dict[str, tuple[str, ...]] = {
    # identity, and the leftovers scan after destroy (dtwin_gui/clouds/aws/leftovers.py)
    SETUP: (
        "sts:GetCallerIdentity",
        "lambda:ListFunctions",
        "dynamodb:ListTables",
        "s3:ListAllMyBuckets",
        "iam:ListRoles",
        "iot:ListThings",
        "iot:ListPolicies",
        "iot:ListTopicRules",
        "logs:DescribeLogGroups",
        "scheduler:ListSchedules",
        "events:ListRules",
        "iottwinmaker:ListWorkspaces",
        "grafana:ListWorkspaces",
        "states:ListStateMachines",
    ),
    # IoT devices: certificates and attachments (dtwin_gui/clouds/aws/sdk/iot_devices.py), and
    # test telemetry (dtwin_gui/deploy/simulate.py)
    "L1": _svc(
        "iot",
        "DescribeEndpoint",
        "CreateKeysAndCertificate",
        "DescribeCertificate",
        "UpdateCertificate",
        "DeleteCertificate",
        "AttachPolicy",
        "DetachPolicy",
        "AttachThingPrincipal",
        "DetachThingPrincipal",
        "ListAttachedPolicies",
        "ListThingPrincipals",
        "ListPrincipalThings",
        "DescribeThing",
        "GetPolicy",
        "Publish",
    ),
    "L2": (),
    "L3_hot": (),
    "L3_cold": (),
    "L3_archive": (),
    # TwinMaker workspace, component types, entities (dtwin_gui/clouds/aws/sdk/twinmaker.py)
    "L4": (
        *_svc(
            "iottwinmaker",
            "CreateWorkspace",
            "GetWorkspace",
            "UpdateWorkspace",
            "DeleteWorkspace",
            "CreateComponentType",
            "GetComponentType",
            "UpdateComponentType",
            "DeleteComponentType",
            "CreateEntity",
            "GetEntity",
            "UpdateEntity",
            "DeleteEntity",
            "TagResource",
        ),
        "lambda:GetFunction",
        "iam:PassRole",
    ),
    # Grafana service account and its short-lived token (dtwin_gui/clouds/aws/sdk/grafana.py)
    "L5": _svc(
        "grafana",
        "DescribeWorkspace",
        "ListWorkspaceServiceAccounts",
        "CreateWorkspaceServiceAccount",
        "DeleteWorkspaceServiceAccount",
        "CreateWorkspaceServiceAccountToken",
        "DeleteWorkspaceServiceAccountToken",
    ),
}


def required_actions(layers: Iterable[str] | None = None) -> dict[str, list[str]]:
    """Sorted, de-duplicated actions per group: "setup" plus each of ``layers`` (default all).

    ``layers`` are slot names ("L1", "L3_hot"...) or :class:`~dtwin_gui.core.providers.Slot`.
    """
    wanted = [str(s) for s in SLOTS] if layers is None else [str(s) for s in layers]
    out: dict[str, list[str]] = {}
    for group in GROUPS:
        if group != SETUP and group not in wanted:
            continue
        actions = set(SDK_ACTIONS.get(group, ()))
        for kind in LAYER_RESOURCES[group]:
            actions.update(RESOURCE_ACTIONS[kind])
        out[group] = sorted(actions)
    return out


def policy_document(actions: Iterable[str]) -> str:
    """An IAM policy (pretty JSON) allowing ``actions`` on every resource; "" when none."""
    wanted = sorted(set(actions), key=str.lower)
    if not wanted:
        return ""
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "DtwinDeploy", "Effect": "Allow", "Action": wanted, "Resource": "*"}],
    }
    return json.dumps(policy, indent=2)
