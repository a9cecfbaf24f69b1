"""What Terraform makes before the SDK steps run, made directly in the emulated AWS.

The SDK tests need the things and policies (L1), the hot reader and table (L3 hot), the
TwinMaker role and bucket (L4) and a Grafana workspace (L5) — created here with boto3, plus
the Terraform outputs the SDK steps read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from helpers_aws import Deployed, deploy_project

from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.clouds.aws.sdk.context import (
    OUT_GRAFANA_WORKSPACE_ID,
    OUT_HOT_READER_URL,
    OUT_IOT_POLICY_NAMES,
    OUT_IOT_THING_NAMES,
    OUT_TWINMAKER_BUCKET,
    OUT_TWINMAKER_CONNECTOR_ARN,
    OUT_TWINMAKER_ROLE_ARN,
    SdkContext,
)
from dtwin_gui.clouds.aws.sdk.iot_devices import policy_name, thing_name
from dtwin_gui.core.project import load_project
from dtwin_gui.core.topology import topology_for_project
from dtwin_gui.deploy.workspace import DeploymentWorkspace

IOT_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iot:Connect", "Resource": "*"}],
    }
)
TWINMAKER_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "iottwinmaker.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


FAKE_READER_ARN = "arn:aws:lambda:us-east-1:123456789012:function:factory-twin-hot-reader"
FAKE_READER_URL = "https://reader.invalid/"


@dataclass
class Prepared:
    outputs: dict
    grafana_workspace: str
    deployed: Deployed | None = None


def make_terraform_objects(aws, project: Path, connector_arn: str, reader_url: str) -> Prepared:
    """Things, policies, TwinMaker role and bucket, Grafana workspace; and the outputs."""
    twin = load_project(project).twin_name
    iot = aws.client("iot")
    for device in load_project(project).device_ids:
        iot.create_thing(thingName=thing_name(twin, device))
        iot.create_policy(policyName=policy_name(twin, device), policyDocument=IOT_POLICY)
    role = aws.client("iam").create_role(
        RoleName=f"{twin}-twinmaker", AssumeRolePolicyDocument=TWINMAKER_TRUST
    )["Role"]["Arn"]
    aws.client("s3").create_bucket(Bucket=f"{twin}-twinmaker")
    grafana = aws.client("grafana").create_workspace(
        workspaceName=f"{twin}-grafana",
        accountAccessType="CURRENT_ACCOUNT",
        authenticationProviders=["AWS_SSO"],
        permissionType="SERVICE_MANAGED",
    )["workspace"]["id"]
    outputs = {
        OUT_TWINMAKER_ROLE_ARN: role,
        OUT_TWINMAKER_BUCKET: f"{twin}-twinmaker",
        OUT_TWINMAKER_CONNECTOR_ARN: connector_arn,
        OUT_GRAFANA_WORKSPACE_ID: grafana,
        OUT_HOT_READER_URL: reader_url,
    }
    return Prepared(outputs, grafana)


def prepare_minimal(aws, project: Path) -> Prepared:
    """The Terraform side without functions (the connector and reader URL are stand-ins)."""
    return make_terraform_objects(aws, project, FAKE_READER_ARN, FAKE_READER_URL)


def prepare_terraform_side(aws, project: Path, build: Path) -> Prepared:
    """The Terraform side with every function of the project deployed and runnable."""
    deployed = deploy_project(aws, project, build)
    reader = aws.client("lambda").get_function(FunctionName=deployed.name("hot-reader"))
    prepared = make_terraform_objects(
        aws,
        project,
        reader["Configuration"]["FunctionArn"],
        aws.gateway.function_url(deployed.name("hot-reader")),
    )
    prepared.deployed = deployed
    # As the root generator does (the minimal preparation leaves them out: fallback names).
    devices = load_project(project).device_ids
    twin = deployed.twin
    prepared.outputs[OUT_IOT_THING_NAMES] = {d: thing_name(twin, d) for d in devices}
    prepared.outputs[OUT_IOT_POLICY_NAMES] = {d: policy_name(twin, d) for d in devices}
    return prepared


def sdk_context(aws, project: Path, outputs: dict, events: list | None = None) -> SdkContext:
    """A fresh context (as the orchestrator makes one per phase) collecting events."""
    loaded = load_project(project)
    return SdkContext(
        project=loaded,
        topology=topology_for_project(loaded),
        target=sandbox_target(aws.endpoint, aws.region),
        workspace=DeploymentWorkspace(project, "sandbox"),
        outputs=outputs,
        sink=events.append if events is not None else None,
    )


def sdk_resources(events: list) -> list:
    """The SDK resource events of a run."""
    return [e for e in events if getattr(e, "type", "") == "resource" and e.source == "sdk"]


def final_states(events: list) -> dict[str, str]:
    """``{address: last state}`` of a run's SDK resource events."""
    return {e.address: e.state for e in sdk_resources(events)}
