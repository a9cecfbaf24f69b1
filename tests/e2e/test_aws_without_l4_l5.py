"""End to end on the sandbox: an all-AWS twin with L4/L5 "none" (no twin model, no
dashboards) deploys L1-L3 only, stores and serves telemetry, and is destroyed cleanly.

Real Terraform on moto, like tests/e2e/test_sandbox_deploy.py (whose fixtures it reuses).
"""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from helpers import edit_json

from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.clouds.aws.leftovers import find_leftovers
from dtwin_gui.core.providers import NOT_IN_TWIN
from dtwin_gui.deploy.orchestrator import Deployment
from dtwin_gui.deploy.query import query_hot
from dtwin_gui.deploy.simulate import simulate
from tests.helpers import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

KEPT = ("L1", "L2", "L3_hot", "L3_cold", "L3_archive")


def test_a_twin_without_twin_model_and_dashboards_on_the_sandbox(aws, project):
    edit_json(
        project / "config_providers.json",
        lambda d: d.update(layer_4_provider="none", layer_5_provider="none"),
    )
    target = sandbox_target(aws.endpoint, aws.region)

    deployed = Deployment(project, target).deploy()
    assert deployed.status == "succeeded", deployed.message + " / " + deployed.hint
    report = Deployment(project, target).status()
    assert {k: report.layers[k].state for k in KEPT} == dict.fromkeys(KEPT, "deployed")
    assert report.layers["L4"].state == report.layers["L5"].state == NOT_IN_TWIN
    assert report.deployed and not report.incomplete
    # No TwinMaker and no Grafana were made, and no output names them.
    twinmaker = boto3.client(
        "iottwinmaker", config=Config(inject_host_prefix=False), **aws.client_kwargs()
    )
    assert twinmaker.list_workspaces()["workspaceSummaries"] == []
    assert aws.client("grafana").list_workspaces()["workspaces"] == []
    assert not [k for k in report.outputs if "twinmaker" in k or "grafana" in k]

    # Telemetry still reaches hot storage, and `dtwin query` reads it back.
    sent = simulate(project, target)
    table = report.outputs["hot_table_name"]
    dynamodb = aws.client("dynamodb")
    wait_for(lambda: len(dynamodb.scan(TableName=table)["Items"]) == len(sent.sent) or None)
    queried = query_hot(project, target)
    assert {(r["device_id"], r["timestamp"]) for r in queried.records} == {
        (s.device_id, s.timestamp) for s in sent.sent
    }

    # A redeploy changes nothing; destroy leaves nothing.
    assert Deployment(project, target).plan_only().plan.has_changes is False
    gone = Deployment(project, target).destroy()
    assert gone.status == "succeeded", gone.message
    assert find_leftovers(target, "factory-twin") == {}
    assert Deployment(project, target).status().empty
