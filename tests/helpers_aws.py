"""Put a built project's functions and storage into the emulated AWS, wired by env contract.

This is what the Terraform modules do for real (issue: deploy); tests of the runtime need the
same wiring without Terraform, so it lives here, small and explicit.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from dtwin_gui.build import build_packages

ROLE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
SECRET = "test-boundary-secret"


@dataclass
class Deployed:
    twin: str
    table: str
    cold: str
    archive: str
    functions: dict[str, str]  # topology name -> deployed name

    def name(self, function: str) -> str:
        return self.functions[function]


def deploy_project(
    aws,
    project: Path,
    out: Path,
    *,
    hot_days: int = 30,
    cold_days: int = 90,
    remote_url: str = "https://receiver.invalid/",
):
    """Build ``project`` and create its tables, buckets and functions in ``aws``.

    Functions that send to another cloud get ``remote_url`` and :data:`SECRET`; receivers
    get :data:`SECRET`.
    """
    results = build_packages(project, out, cloud="aws")
    twin = json.loads((project / "config.json").read_text())["digital_twin_name"]
    table, cold, archive = f"{twin}-hot", f"{twin}-cold", f"{twin}-archive"
    aws.client("dynamodb").create_table(
        TableName=table,
        KeySchema=[
            {"AttributeName": "device_id", "KeyType": "HASH"},
            {"AttributeName": "timestamp", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "device_id", "AttributeType": "S"},
            {"AttributeName": "timestamp", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=cold)
    s3.create_bucket(Bucket=archive)
    role = aws.client("iam").create_role(
        RoleName=f"{twin}-functions", AssumeRolePolicyDocument=ROLE_POLICY
    )["Role"]["Arn"]
    functions = {r.function: r.name for r in results}
    env_by_role = {
        "processor": {"DTWIN_PERSISTER_FUNCTION": functions.get("persister", "")},
        "persister": {
            "DTWIN_HOT_STORE": table,
            "DTWIN_HOT_TTL_DAYS": str(hot_days * 2),
            **(
                {"DTWIN_EVENT_CHECKER_FUNCTION": functions["event-checker"]}
                if "event-checker" in functions
                else {}
            ),
        },
        "event-checker": (
            {"DTWIN_FEEDBACK_FUNCTION": functions["event-feedback"]}
            if "event-feedback" in functions
            else {}
        ),
        # All-AWS: the reader's URL is IAM-protected, no glue secret (as Terraform sets it).
        "hot-reader": {"DTWIN_HOT_STORE": table},
        "hot-to-cold-mover": {
            "DTWIN_HOT_STORE": table,
            "DTWIN_COLD_STORE": cold,
            "DTWIN_HOT_DAYS": str(hot_days),
        },
        "cold-to-archive-mover": {
            "DTWIN_COLD_STORE": cold,
            "DTWIN_ARCHIVE_STORE": archive,
            "DTWIN_COLD_DAYS": str(cold_days),
        },
        "connector": {"DTWIN_REMOTE_URL": remote_url, "DTWIN_REMOTE_SECRET": SECRET},
        "hot-writer": {"DTWIN_HOT_STORE": table, "DTWIN_GLUE_SECRET": SECRET},
        "cold-writer": {"DTWIN_COLD_STORE": cold, "DTWIN_GLUE_SECRET": SECRET},
        "archive-writer": {"DTWIN_ARCHIVE_STORE": archive, "DTWIN_GLUE_SECRET": SECRET},
    }
    if "connector" in functions:
        env_by_role["dispatcher"] = {"DTWIN_CONNECTOR_FUNCTION": functions["connector"]}
    lam = aws.client("lambda")
    for result in results:
        env = {"DTWIN_TWIN_NAME": twin, "DTWIN_LOG_LEVEL": "DEBUG"}
        env.update(env_by_role.get(result.role, {}))
        lam.create_function(
            FunctionName=result.name,
            Runtime="python3.11",
            Role=role,
            Handler=result.handler,
            Code={"ZipFile": Path(result.path).read_bytes()},
            Environment={"Variables": env},
            Timeout=30,
        )
    return Deployed(twin, table, cold, archive, functions)


def grafana_get(aws, workspace: str, path: str):
    """GET from the workspace's Grafana with a token of our own (as a user would)."""
    from dtwin_gui.clouds.aws.sdk.grafana import base_url

    grafana = aws.client("grafana")
    described = grafana.describe_workspace(workspaceId=workspace)["workspace"]
    accounts = grafana.list_workspace_service_accounts(workspaceId=workspace)["serviceAccounts"]
    account = next((a for a in accounts if a["name"] == "test-viewer"), None)
    account = account or grafana.create_workspace_service_account(
        workspaceId=workspace, name="test-viewer", grafanaRole="VIEWER"
    )
    token = grafana.create_workspace_service_account_token(
        workspaceId=workspace, serviceAccountId=account["id"], name=path[:100], secondsToLive=60
    )["serviceAccountToken"]["key"]
    request = urllib.request.Request(f"{base_url(described['endpoint'])}{path}")
    request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=60) as reply:
        return json.loads(reply.read())
