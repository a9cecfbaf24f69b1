"""A deployment with a remote state backend (issue 17), on S3 in the emulated AWS (moto
behind the sandbox gateway, in this process): the records beside the state, the deploy lock
around every run, moving a state between backends with real Terraform (a root without
providers, so it takes seconds), and the refusals that keep a state from being lost.

The full deploy of the example twin through the backend, and two deploy processes against
one twin, are in ``tests/e2e/test_team_state.py``.
"""

from __future__ import annotations

import json

import pytest

from dtwin_gui.app.deploy import unlock
from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.clouds.aws.state_backend import state_backend
from dtwin_gui.core.run_events import LogEvent, PhaseEvent
from dtwin_gui.deploy.orchestrator import Deployment
from dtwin_gui.deploy.remote_objects import ObjectStoreError
from dtwin_gui.deploy.run_result import DeployFailed
from dtwin_gui.deploy.twin_lock import TwinLock, read_holder
from dtwin_gui.iac.backend import LOCAL, parse_backend
from dtwin_gui.iac.remote_state import cache_path
from dtwin_gui.iac.runner import Terraform
from tests.helpers_sandbox import require_terraform

URL = "s3://team-state/dtwin/factory/terraform.tfstate"
PREFIX = "dtwin/factory/terraform.tfstate.dtwin/"
LOCK = PREFIX + "deploy.lock"


@pytest.fixture
def target(aws):
    connection = sandbox_target(aws.endpoint, aws.region)
    state_backend(parse_backend(URL), connection).create()
    return connection


def keys(aws, bucket: str = "team-state") -> list[str]:
    listing = aws.client("s3").list_objects_v2(Bucket=bucket)
    return sorted(o["Key"] for o in listing.get("Contents", []))


def body(aws, key: str):
    return json.loads(aws.client("s3").get_object(Bucket="team-state", Key=key)["Body"].read())


class Log:
    run_id = "run-test"

    def __init__(self) -> None:
        self.events: list = []

    def __call__(self, event):
        self.events.append(event)

    def __iter__(self):
        return iter(self.events)

    def lines(self) -> list[str]:
        return [e.message for e in self.events if isinstance(e, LogEvent)]


def test_the_shared_records_are_written_beside_the_state(aws, target, project):
    deployment = Deployment(project, target, backend=URL)
    workspace = deployment.workspace
    workspace.write_json(workspace.sdk_state_file, {"version": 2, "steps": {"aws.x": {"a": 1}}})
    workspace.write_json(workspace.outputs_file, {"hot_table_name": "t"})
    workspace.write_json(workspace.root / "elsewhere.json", {"cache": True})  # not a record
    assert keys(aws) == [PREFIX + "outputs.json", PREFIX + "sdk_state.json"]
    assert body(aws, PREFIX + "sdk_state.json")["steps"] == {"aws.x": {"a": 1}}
    head = aws.client("s3").head_object(Bucket="team-state", Key=PREFIX + "sdk_state.json")
    assert head["ServerSideEncryption"] == "AES256"
    workspace.remove_json(workspace.sdk_state_file)
    assert keys(aws) == [PREFIX + "outputs.json"]
    assert not workspace.sdk_state_file.exists()
    # a local deployment writes nothing anywhere else
    local = Deployment(project, target, backend=LOCAL)
    assert local.workspace.store is None and local.team.locked("deploy", [], None) == ([], None)


def test_a_deploy_stops_at_once_while_another_run_holds_the_lock(aws, target, project):
    objects = state_backend(parse_backend(URL), target).objects()
    other = TwinLock(objects, LOCK, operation="destroy", who="bob@desk", run_id="bobs-run")
    other.acquire()
    log = Log()
    result = Deployment(project, target, sink=log, backend=URL).deploy()
    assert result.status == "failed"
    assert "the twin is locked: bob@desk (destroy since" in result.message
    assert "run bobs-run" in result.message and "--lock-wait" in result.hint
    assert not [e for e in log if isinstance(e, PhaseEvent)]  # nothing of the deploy ran
    assert read_holder(objects, LOCK).who == "bob@desk"  # untouched
    other.release()


def test_the_lock_is_released_when_the_run_fails(aws, target, project):
    config = json.loads((project / "config.json").read_text())
    config["digital_twin_name"] = "Not A Valid Name!"
    (project / "config.json").write_text(json.dumps(config))
    log = Log()
    result = Deployment(project, target, sink=log, backend=URL).deploy()
    assert result.status == "failed", result.message
    assert ("validate", "failed") in {(e.phase, e.state) for e in log if isinstance(e, PhaseEvent)}
    assert any(line.startswith("holding the twin's deploy lock") for line in log.lines())
    assert any(line.startswith("released the twin's deploy lock") for line in log.lines())
    assert LOCK not in keys(aws)


def test_a_state_left_in_the_workspace_is_never_dropped_silently(aws, target, project):
    deployment = Deployment(project, target, backend=LOCAL)
    local = deployment.workspace.terraform_dir / "terraform.tfstate"
    resource = {"mode": "managed", "type": "aws_s3_bucket", "name": "cold", "instances": []}
    resource["instances"] = [{"attributes": {"id": "factory-cold", "bucket": "factory-cold"}}]
    local.write_text(
        json.dumps({"version": 4, "serial": 3, "lineage": "l", "resources": [resource]})
    )
    log = Log()
    result = Deployment(project, target, sink=log, backend=URL).deploy()
    assert result.status == "failed"
    assert result.message == (
        "this twin's state is in the workspace (local state) (1 resource(s) in the Terraform "
        f"state), not in {URL}"
    )
    assert f"--backend {URL} --migrate-state" in result.hint and "--backend local" in result.hint
    assert keys(aws) == []  # no record copied, and the lock released
    assert json.loads(local.read_text())["resources"] == [resource]
    with pytest.raises(DeployFailed) as plan:
        Deployment(project, target, backend=URL).team._plan_mode()
    assert "a plan does not move the state" in plan.value.hint


def test_the_sandbox_keeps_team_state_only_in_s3(target, project):
    result = Deployment(project, target, backend="azurerm://acct/state/t.tfstate").deploy()
    assert result.status == "failed"
    assert "the sandbox cannot keep the state in azurerm://acct/state/t.tfstate" in result.message
    assert "S3 on the emulated AWS" in result.hint


def test_a_missing_bucket_says_how_to_make_it(target, project):
    result = Deployment(project, target, backend="s3://no-such-bucket/t.tfstate").deploy()
    assert result.status == "failed"
    assert "the state bucket no-such-bucket does not exist: create it" in result.message
    assert "--create-backend" in result.message


def test_unlock_releases_a_deploy_lock_left_by_a_dead_run(aws, target, project):
    objects = state_backend(parse_backend(URL), target).objects()
    dead = TwinLock(objects, LOCK, who="alice@laptop")
    held = dead.acquire()
    dead._stop.set()  # it died: never released
    unlock(project, target, held.lock_id, backend=URL)
    assert read_holder(objects, LOCK) is None
    with pytest.raises(ObjectStoreError):
        state_backend(parse_backend("s3://no-such-bucket/t"), target).objects().put("k", b"")


OUTPUT_ROOT = {"output": {"greeting": {"value": "hello"}}}


def _root(deployment, backend) -> Terraform:
    """A root with one output and the deployment's backend block (no provider: fast)."""
    root = dict(OUTPUT_ROOT)
    block = deployment.team.terraform_backend()
    if block:
        root["terraform"] = {"backend": block}
    workdir = deployment.workspace.terraform_dir
    (workdir / "main.tf.json").write_text(json.dumps(root))
    return Terraform(workdir, settings=deployment.settings, env=deployment._process_env())


def test_a_state_moves_to_the_backend_and_back_on_request(aws, target, project):
    require_terraform()
    local = Deployment(project, target, backend=LOCAL)
    runner = _root(local, LOCAL)
    runner.init()
    runner.apply()
    workdir = local.workspace.terraform_dir
    assert json.loads((workdir / "terraform.tfstate").read_text())["outputs"]["greeting"]
    local.workspace.write_json(
        local.workspace.sdk_state_file, {"version": 2, "steps": {"s": {"a": 1}}}
    )

    # to S3, asked for: the records are copied, Terraform migrates its state
    moving = Deployment(project, target, backend=URL, migrate_state=True)
    log = Log()
    moving.team.begin("deploy", "run-1", log)
    assert any("moving the state to " + URL in line for line in log.lines())
    runner = _root(moving, URL)
    moving.team.init(runner)
    moving.team.end()
    remote = body(aws, "dtwin/factory/terraform.tfstate")
    assert remote["outputs"]["greeting"]["value"] == "hello"
    assert not (workdir / "terraform.tfstate").exists()  # the workspace keeps a cache only
    assert (workdir / "terraform.tfstate.backup").exists()  # Terraform's copy of the old one
    assert json.loads(cache_path(workdir).read_text())["outputs"]["greeting"]
    assert body(aws, PREFIX + "sdk_state.json")["steps"] == {"s": {"a": 1}}
    assert json.loads((moving.workspace.root / "backend.json").read_text())["url"] == URL
    assert LOCK not in keys(aws)

    # a colleague's first run joins it: the records are pulled, nothing is moved
    fresh = Deployment(project, target, backend=URL)
    assert fresh.team.previous() == parse_backend(URL)

    # back into the workspace, asked for
    back = Deployment(project, target, backend=LOCAL, migrate_state=True)
    log = Log()
    back.team.begin("deploy", "run-2", log)
    assert any("back into the workspace" in line for line in log.lines())
    back.team.init(_root(back, LOCAL))
    back.team.end()
    state = json.loads((workdir / "terraform.tfstate").read_text())
    assert state["outputs"]["greeting"]["value"] == "hello"
    assert not cache_path(workdir).exists()
    assert not (back.workspace.root / "backend.json").exists()
    assert json.loads(back.workspace.sdk_state_file.read_text())["steps"] == {"s": {"a": 1}}
    assert LOCK not in keys(aws)


def test_moving_onto_a_state_of_another_deployment_is_refused(aws, target, project):
    require_terraform()
    local = Deployment(project, target, backend=LOCAL)
    runner = _root(local, LOCAL)
    runner.init()
    runner.apply()
    local.workspace.write_json(
        local.workspace.sdk_state_file, {"version": 2, "steps": {"s": {"a": 1}}}
    )
    aws.client("s3").put_object(
        Bucket="team-state",
        Key="dtwin/factory/terraform.tfstate",
        Body=json.dumps({"version": 4, "resources": [{"type": "x", "name": "y"}]}).encode(),
    )
    moving = Deployment(project, target, backend=URL, migrate_state=True)
    with pytest.raises(DeployFailed, match="already holds a Terraform state with 1 resource"):
        moving.team.begin("deploy", "run-1", Log())
    moving.team.end()
    assert (local.workspace.terraform_dir / "terraform.tfstate").exists()
    assert LOCK not in keys(aws)
