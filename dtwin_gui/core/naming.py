"""Cloud naming limits, and the rules that check a derived resource name against them.

Every resource name dtwin creates is derived from the twin name in
:mod:`dtwin_gui.core.topology`; each carries the :class:`NameRule` of its cloud so the
validator can say exactly which limit a twin name breaks and how long it may be.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class NameRule:
    """A cloud's limit on one kind of name."""

    key: str
    cloud: str
    kind: str
    pattern: str
    min_length: int
    max_length: int
    description: str

    def problems(self, name: str) -> list[str]:
        """What is wrong with ``name`` under this rule (empty when it is fine)."""
        out = []
        if len(name) > self.max_length:
            out.append(f"is {len(name)} characters long; the limit is {self.max_length}")
        if len(name) < self.min_length:
            out.append(f"is {len(name)} characters long; the minimum is {self.min_length}")
        if not re.fullmatch(self.pattern, name):
            out.append(f"does not match the allowed form: {self.description}")
        return out


def _rule(key, cloud, kind, pattern, lo, hi, description) -> NameRule:
    return NameRule(key, cloud, kind, pattern, lo, hi, description)


RULES: dict[str, NameRule] = {
    r.key: r
    for r in (
        _rule(
            "aws.s3_bucket",
            "aws",
            "S3 bucket",
            r"[a-z0-9][a-z0-9.-]*[a-z0-9]",
            3,
            63,
            "lowercase letters, digits, dots and hyphens; starts and ends with a letter or digit",
        ),
        _rule(
            "aws.lambda",
            "aws",
            "Lambda function",
            r"[A-Za-z0-9_-]+",
            1,
            64,
            "letters, digits, hyphens and underscores",
        ),
        _rule(
            "aws.iam_role",
            "aws",
            "IAM role",
            r"[A-Za-z0-9+=,.@_-]+",
            1,
            64,
            "letters, digits and +=,.@_-",
        ),
        _rule(
            "aws.dynamodb_table",
            "aws",
            "DynamoDB table",
            r"[A-Za-z0-9_.-]+",
            3,
            255,
            "letters, digits, underscores, dots and hyphens",
        ),
        _rule(
            "aws.iot_rule",
            "aws",
            "IoT topic rule",
            r"[A-Za-z0-9_]+",
            1,
            128,
            "letters, digits and underscores (no hyphens)",
        ),
        _rule(
            "aws.iot_thing",
            "aws",
            "IoT thing",
            r"[A-Za-z0-9:_-]+",
            1,
            128,
            "letters, digits, colons, underscores and hyphens",
        ),
        _rule(
            "aws.iot_policy",
            "aws",
            "IoT policy",
            r"[A-Za-z0-9+=,.@_-]+",
            1,
            128,
            "letters, digits and +=,.@_-",
        ),
        _rule(
            "aws.state_machine",
            "aws",
            "Step Functions state machine",
            r"[A-Za-z0-9_-]+",
            1,
            80,
            "letters, digits, hyphens and underscores",
        ),
        _rule(
            "aws.twinmaker_workspace",
            "aws",
            "TwinMaker workspace",
            r"[a-zA-Z_0-9][a-zA-Z_\-0-9]*[a-zA-Z0-9]+",
            1,
            128,
            "letters, digits, underscores and hyphens",
        ),
        _rule(
            "aws.grafana_workspace",
            "aws",
            "Managed Grafana workspace",
            r"[a-zA-Z0-9-._~]+",
            1,
            255,
            "letters, digits and -._~",
        ),
        _rule(
            "azure.resource_group",
            "azure",
            "resource group",
            r"[A-Za-z0-9._()-]*[A-Za-z0-9_()-]",
            1,
            90,
            "letters, digits, periods, underscores, hyphens and parentheses",
        ),
        _rule(
            "azure.storage_account",
            "azure",
            "storage account",
            r"[a-z0-9]+",
            3,
            24,
            "3-24 lowercase letters and digits only",
        ),
        _rule(
            "azure.function_app",
            "azure",
            "Function App",
            r"[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]",
            2,
            60,
            "letters, digits and hyphens; no hyphen at either end",
        ),
        _rule(
            "azure.iothub",
            "azure",
            "IoT Hub",
            r"[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]",
            3,
            50,
            "letters, digits and hyphens; no hyphen at either end",
        ),
        _rule(
            "azure.cosmos_account",
            "azure",
            "Cosmos DB account",
            r"[a-z0-9][a-z0-9-]*[a-z0-9]",
            3,
            44,
            "lowercase letters, digits and hyphens",
        ),
        _rule(
            "azure.digital_twins",
            "azure",
            "Digital Twins instance",
            r"[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]",
            3,
            63,
            "letters, digits and hyphens",
        ),
        _rule(
            "azure.grafana",
            "azure",
            "Managed Grafana",
            r"[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]",
            2,
            23,
            "letters, digits and hyphens, starting with a letter",
        ),
        _rule(
            "azure.cosmos_database",
            "azure",
            "Cosmos DB database",
            r"[^/\\#?\s]([^/\\#?]*[^/\\#?\s])?",
            1,
            255,
            "up to 255 characters, none of / \\ # ?, no space at the end",
        ),
        _rule(
            "azure.cosmos_container",
            "azure",
            "Cosmos DB container",
            r"[^/\\#?\s]([^/\\#?]*[^/\\#?\s])?",
            1,
            255,
            "up to 255 characters, none of / \\ # ?, no space at the end",
        ),
        _rule(
            "azure.blob_container",
            "azure",
            "Blob container",
            r"[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*",
            3,
            63,
            "lowercase letters, digits and single hyphens, starting with a letter or digit",
        ),
        _rule(
            "google.service_account",
            "google",
            "service account id",
            r"[a-z]([-a-z0-9]*[a-z0-9])",
            6,
            30,
            "lowercase letters, digits and hyphens, starting with a letter",
        ),
        _rule(
            "google.function",
            "google",
            "Cloud Function",
            r"[a-z]([-a-z0-9]*[a-z0-9])?",
            1,
            63,
            "lowercase letters, digits and hyphens, starting with a letter",
        ),
        _rule(
            "google.pubsub_topic",
            "google",
            "Pub/Sub topic",
            r"[A-Za-z][A-Za-z0-9\-_.~+%]*",
            3,
            255,
            "starts with a letter; letters, digits and -_.~+%",
        ),
        _rule(
            "google.bucket",
            "google",
            "Cloud Storage bucket",
            r"[a-z0-9][a-z0-9._-]*[a-z0-9]",
            3,
            63,
            "lowercase letters, digits, dots, hyphens and underscores",
        ),
        _rule(
            "google.subscription",
            "google",
            "Pub/Sub subscription",
            r"[A-Za-z][A-Za-z0-9\-_.~+%]*",
            3,
            255,
            "starts with a letter; letters, digits and -_.~+%",
        ),
        _rule(
            "google.scheduler_job",
            "google",
            "Cloud Scheduler job",
            r"[A-Za-z0-9_-]+",
            1,
            500,
            "letters, digits, hyphens and underscores",
        ),
        _rule(
            "google.firestore_collection",
            "google",
            "Firestore collection",
            r"(?!__.*__$)[^/]+",
            1,
            1500,
            "no slash, not of the form __name__",
        ),
        _rule(
            "google.workflow",
            "google",
            "Workflows workflow",
            r"[A-Za-z][A-Za-z0-9_-]*",
            1,
            64,
            "starts with a letter; letters, digits, hyphens and underscores",
        ),
        _rule(
            "google.firestore_database",
            "google",
            "Firestore database",
            r"[a-z][a-z0-9-]*[a-z0-9]",
            4,
            63,
            "lowercase letters, digits and hyphens",
        ),
    )
}

#: Twin names: the common ground of every cloud's rules (each cloud's length limit is then
#: checked on the names derived from it).
TWIN_NAME_PATTERN = r"[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*"
TWIN_NAME_MIN = 3

#: Stand-in for the unique suffix added at deploy time to globally unique names (bucket,
#: storage account, function app): six characters from a hash of account and region.
UNIQUE_SUFFIX_PLACEHOLDER = "x0x0x0"


def twin_name_problems(name: str) -> list[str]:
    """What is wrong with ``name`` as a twin name, independent of the clouds chosen."""
    out = []
    if len(name) < TWIN_NAME_MIN:
        out.append(f"is {len(name)} characters long; use at least {TWIN_NAME_MIN}")
    if not re.fullmatch(TWIN_NAME_PATTERN, name):
        out.append(
            "must use lowercase letters, digits and single hyphens, start with a letter and "
            "not end with a hyphen"
        )
    return out


def suggest_twin_name(name: str) -> str:
    """A twin name close to ``name`` that follows :data:`TWIN_NAME_PATTERN`."""
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    text = re.sub(r"^[^a-z]+", "", text)
    if not text:
        return "my-twin"
    return text if len(text) >= TWIN_NAME_MIN else f"{text}-twin"


def alnum(name: str) -> str:
    """``name`` with everything but lowercase letters and digits removed."""
    return re.sub(r"[^a-z0-9]", "", name.lower())
