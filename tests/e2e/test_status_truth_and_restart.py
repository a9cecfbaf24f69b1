"""End to end on the sandbox daemon: status tells the truth, a restarted sandbox is no dead end,
and Terraform's files are private.

One deployment shared by every check (Terraform runs are what costs time): deploy → every
workspace file is owner-only, no secret in the state → delete resources behind Terraform's
back → ``dtwin status`` names them and fails → deploy puts them back → restart the sandbox
(new port, empty) → status says everything is missing → ``dtwin destroy`` finds nothing left
and empties the state → deploy works again → destroy leaves nothing.
Real Terraform, real packages, the sandbox as the background daemon ``dtwin sandbox up`` runs.
"""

from __future__ import annotations

import json
import os
import re
import stat

import pytest

from dtwin_gui import cli
from dtwin_gui.build.workspace import workspace_dir
from dtwin_gui.cli.deploy import resolve_target
from dtwin_gui.clouds.aws.leftovers import find_leftovers
from dtwin_gui.deploy.orchestrator import Deployment
from dtwin_gui.iac.state import read_state
from dtwin_gui.sandbox import daemon

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

AWS_LAYERS = ("L1", "L2", "L3_hot", "L3_cold", "L3_archive", "L4", "L5")
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|PRIVATE|API_KEY|CREDENTIAL", re.IGNORECASE)


@pytest.fixture
def sandbox():
    """The background sandbox; stopped at the end whatever happens."""
    yield daemon
    daemon.down()


def layer_states(report) -> dict[str, str]:
    return {layer: report.layers[layer].state for layer in AWS_LAYERS}


def not_private(root) -> list[str]:
    """Files and folders under ``root`` that group or others may read or enter."""
    bad = []
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = os.path.join(folder, name)
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                continue
            if stat.S_IMODE(mode) & 0o077:
                bad.append(f"{oct(stat.S_IMODE(mode))} {os.path.relpath(path, root)}")
    return bad


def resource_named(snapshot, layer: str, type_: str):
    return next(r for r in snapshot.by_layer()[layer] if r.type == type_)


def test_status_truth_restart_and_private_files(sandbox, project, capsys):
    first_info, _ = sandbox.up()
    connections = resolve_target("sandbox")
    target = connections["aws"]
    deployment = Deployment(project, connections)
    deployed = deployment.deploy()
    assert deployed.status == "succeeded", deployed.message + " / " + deployed.hint
    report = deployment.status()
    assert layer_states(report) == dict.fromkeys(AWS_LAYERS, "deployed")
    assert not report.incomplete

    # Item 11: state, backup, plan and .terraform/ are the owner's only, like the rest.
    terraform_dir = deployment.workspace.terraform_dir
    for name in ("terraform.tfstate", "tfplan", ".terraform"):
        assert (terraform_dir / name).exists(), name
    assert not_private(workspace_dir(project)) == []
    # No secret-looking variable in any function's environment in the state.
    state_doc = json.loads((terraform_dir / "terraform.tfstate").read_text())
    env_names = {
        name
        for resource in state_doc["resources"]
        if resource["type"] == "aws_lambda_function"
        for instance in resource["instances"]
        for env in instance["attributes"].get("environment") or []
        for name in (env.get("variables") or {})
    }
    assert env_names, "the functions have environment variables"
    assert [n for n in env_names if SECRET_NAME.search(n)] == []

    # Item 2: resources deleted behind Terraform's back are named, per layer.
    snapshot = read_state(terraform_dir)
    function = resource_named(snapshot, "L2", "aws_lambda_function").name
    table = resource_named(snapshot, "L3_hot", "aws_dynamodb_table").name
    target.client("lambda").delete_function(FunctionName=function)
    target.client("dynamodb").delete_table(TableName=table)
    capsys.readouterr()
    assert cli.main(["status", str(project)]) == 1
    captured = capsys.readouterr()
    l2 = report_line(captured.out, "L2")
    assert re.search(r"\b1 of \d+ missing\b", l2), captured.out
    assert f"Lambda function {function} (missing" in captured.out
    assert f"DynamoDB table {table} (missing" in captured.out
    assert "deploy again to recreate them" in captured.err
    assert report_line(captured.out, "L1").split()[2] == "deployed"
    report = deployment.status()
    assert report.layers["L2"].state == report.layers["L3_hot"].state == "partial"
    assert report.layers["L3_cold"].state == "deployed"
    assert cli.main(["status", str(project), "--json"]) == 1
    as_json = json.loads(capsys.readouterr().out)
    assert as_json["incomplete"] is True and as_json["deployed"] is False

    # ... and the Deploy that status offers puts them back (Terraform runs, no fingerprint skip).
    repaired = deployment.deploy()
    assert repaired.status == "succeeded", repaired.message + " / " + repaired.hint
    assert repaired.applied
    assert layer_states(deployment.status()) == dict.fromkeys(AWS_LAYERS, "deployed")
    assert cli.main(["status", str(project)]) == 0

    # Item 3: the sandbox restarts on a new port, empty.
    sandbox.down()
    second_info, started = sandbox.up()
    assert started and second_info.pid != first_info.pid
    assert second_info.endpoint != first_info.endpoint
    restarted = Deployment(project, resolve_target("sandbox"))
    report = restarted.status()
    for layer in AWS_LAYERS:
        status = report.layers[layer]
        assert status.state == "partial", (layer, status.state)
    assert re.fullmatch(r"(\d+) of \1 missing", report.layers["L2"].summary)

    capsys.readouterr()
    assert cli.main(["destroy", str(project), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "nothing left to destroy" in out, out
    assert "connection refused" not in out.lower()
    assert read_state(terraform_dir).empty
    assert not deployment.workspace.outputs_file.exists()
    assert not deployment.workspace.fingerprint_file.exists()

    # A fresh deploy on the new sandbox works, and its destroy leaves nothing.
    again = Deployment(project, resolve_target("sandbox"))
    redeployed = again.deploy()
    assert redeployed.status == "succeeded", redeployed.message + " / " + redeployed.hint
    assert layer_states(again.status()) == dict.fromkeys(AWS_LAYERS, "deployed")
    assert not_private(workspace_dir(project)) == []
    gone = again.destroy()
    assert gone.status == "succeeded", gone.message + " / " + gone.hint
    assert "nothing left" not in gone.message
    twin = json.loads((project / "config.json").read_text())["digital_twin_name"]
    assert find_leftovers(again.connections["aws"], twin) == {}


def report_line(out: str, layer: str) -> str:
    return next(line for line in out.splitlines() if line.split()[:1] == [layer])
