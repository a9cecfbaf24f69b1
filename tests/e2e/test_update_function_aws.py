"""``dtwin update-function`` on the sandbox's AWS: real Terraform, real packages run by the
function host, moto behind the gateway. One deployment of the example twin shared by the
file's tests, in order: a processor's new code goes live through the SDK and is recorded in
the Terraform state (the next full deploy's plan has no change), the telemetry shows the new
behaviour; the CLI does the same for an action; what is refused is refused before anything
is touched.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys

import pytest

from dtwin_gui import cli
from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.core.run_events import DiagnosticEvent, LogEvent, PhaseEvent, ResourceEvent
from dtwin_gui.deploy import run_lock
from dtwin_gui.deploy.orchestrator import Deployment
from dtwin_gui.deploy.simulate import simulate
from dtwin_gui.deploy.update_function import FunctionUpdate, UpdateRefused, update_function
from dtwin_gui.deploy.workspace import DeploymentWorkspace
from tests.helpers import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

PROCESSOR = "processor-temperature-sensor-1"
LAMBDA = f"factory-twin-{PROCESSOR}"
NEW_PROCESSOR = '''\
"""temperature-sensor-1, second version: marks what it processed."""


def process(event: dict) -> dict:
    event["temperature"] = round(float(event["temperature"]), 2)
    event["processed_by"] = "version-2"
    return event
'''


class Recorder:
    def __init__(self):
        self.events = []

    def __call__(self, event):
        self.events.append(event)

    def phases(self) -> dict[str, str]:
        return {
            e.phase: e.state
            for e in self.events
            if isinstance(e, PhaseEvent) and e.state != "started"
        }


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    """The example twin deployed to an emulated AWS, in a workspace of its own."""
    from dtwin_gui.clouds.aws.sandbox.emulator import AwsEmulator
    from tests.conftest import PER_TEST_DIRS, TEMPLATE

    project = tmp_path_factory.mktemp("update-twin") / "project"
    shutil.copytree(TEMPLATE, project)
    data = tmp_path_factory.mktemp("update-twin-data")
    dirs = {name: str(data / rel) for name, rel in PER_TEST_DIRS.items()}
    patch = pytest.MonkeyPatch()
    for name, value in dirs.items():
        patch.setenv(name, value)
    try:
        with AwsEmulator(workdir=tmp_path_factory.mktemp("update-functions")) as aws:
            target = sandbox_target(aws.endpoint, aws.region)
            first = Deployment(project, target).deploy()
            assert first.status == "succeeded", first.message + " / " + first.hint
            yield project, aws, target, dirs
    finally:
        patch.undo()


@pytest.fixture(autouse=True)
def _same_workspace(request, monkeypatch):
    """The shared deployment's data folders, over the per-test ones conftest sets."""
    if "deployed" in request.fixturenames:
        for name, value in request.getfixturevalue("deployed")[3].items():
            monkeypatch.setenv(name, value)


def _code_sha(path) -> str:
    return base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()


def test_a_processor_update_is_live_verified_and_recorded(deployed):
    project, aws, target, _ = deployed
    (project / "processors" / "temperature-sensor-1" / "process.py").write_text(NEW_PROCESSOR)
    recorder = Recorder()

    result = update_function(project, target, PROCESSOR, sink=recorder)

    assert result.status == "succeeded", result.message + " / " + result.hint
    assert recorder.phases() == {
        "build": "finished",
        "upload": "finished",
        "record": "finished",  # the state pushed as the apply would leave it
        "apply": "skipped",
        "verify": "finished",
    }
    assert result.functions == [PROCESSOR] and result.live == [LAMBDA]
    assert result.message.startswith(f"{PROCESSOR} updated in ")
    assert "live code hash verified" in result.message
    assert 0 < result.live_after_s <= result.elapsed_s
    # Only the function's code was recorded: its Lambda and its package object.
    assert result.applied == []
    assert result.recorded == [
        'module.aws_l2.aws_lambda_function.processor["temperature-sensor-1"]',
        f'module.aws_setup.aws_s3_object.package["{LAMBDA}"]',
    ]
    rows = {e.address: e.state for e in recorder.events if isinstance(e, ResourceEvent)}
    assert rows[f"function:aws:{LAMBDA}"] == "updated"
    # The live code is the package just built, byte for byte.
    build = DeploymentWorkspace(project, "sandbox").build_dir / "aws" / f"{LAMBDA}.zip"
    assert result.packages == {LAMBDA: hashlib.sha256(build.read_bytes()).hexdigest()}
    live = aws.client("lambda").get_function_configuration(FunctionName=LAMBDA)
    assert live["CodeSha256"] == _code_sha(build)
    assert live["LastUpdateStatus"] == "Successful"
    # The run log holds the phases, as a deploy's does.
    logged = [line for line in result.log_path.read_text().splitlines() if '"phase"' in line]
    assert any('"upload"' in line for line in logged)

    # The deployed Lambda runs the new code: telemetry comes out marked by it.
    sent = simulate(project, target)
    mine = {s.timestamp for s in sent.sent if s.device_id == "temperature-sensor-1"}
    table = Deployment(project, target).saved_outputs()["hot_table_name"]
    dynamodb = aws.client("dynamodb")

    def stored():
        items = dynamodb.scan(TableName=table)["Items"]
        new = [i for i in items if i["timestamp"]["S"] in mine]
        return new if len(new) == len(mine) else None

    items = wait_for(stored)
    assert {i["processed_by"]["S"] for i in items} == {"version-2"}
    assert all("temperature_f" not in i for i in items)  # the old code added it

    # The next full deploy plans (the fingerprint was forgotten) and finds no change at all.
    again = Recorder()
    full = Deployment(project, target, sink=again).deploy()
    assert full.status == "succeeded", full.message
    assert full.plan is not None and not full.plan.has_changes, [
        (r.address, r.action) for r in full.plan.resources
    ]
    assert again.phases()["plan"] == "finished" and again.phases()["apply"] == "skipped"
    assert "no changes: nothing to apply" in [
        e.message for e in again.events if isinstance(e, LogEvent)
    ]


def test_the_cli_updates_an_action(deployed, monkeypatch, capsys):
    project, aws, target, _ = deployed
    action = project / "event_actions" / "high-temperature-alert" / "action.py"
    action.write_text(action.read_text() + "\n\nVERSION = 2\n")
    monkeypatch.setattr("dtwin_gui.cli.deploy.resolve_target", lambda name: target)
    monkeypatch.setattr("dtwin_gui.cli.deploy._not_deployed", lambda args: None)

    code = cli.main(["update-function", str(project), "high-temperature-alert"])

    out = capsys.readouterr().out
    assert code == 0, out
    assert "== upload: finished" in out and "== record: finished" in out
    assert "updated action-high-temperature-alert in " in out
    name = "factory-twin-action-high-temperature-alert"
    build = DeploymentWorkspace(project, "sandbox").build_dir / "aws" / f"{name}.zip"
    live = aws.client("lambda").get_function_configuration(FunctionName=name)
    assert live["CodeSha256"] == _code_sha(build)

    # --json: the events, then one line with the result.
    code = cli.main(["update-function", str(project), "action-high-temperature-alert", "--json"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0
    assert lines[-1]["type"] == "update" and lines[-1]["status"] == "succeeded"
    assert any(line.get("type") == "phase" for line in lines[:-1])


def test_without_a_state_edit_terraform_applies_the_code_resources(deployed):
    """The path where the state cannot be edited (or on real Azure and Google): Terraform
    applies only the resources holding the code; the next plan has no change either."""
    project, aws, target, _ = deployed
    path = project / "processors" / "temperature-sensor-2" / "process.py"
    path.write_text(path.read_text() + "\n\nVERSION = 3\n")
    recorder = Recorder()
    name = "factory-twin-processor-temperature-sensor-2"

    result = FunctionUpdate(
        project, target, "processor-temperature-sensor-2", sink=recorder, state_edits=False
    ).run()

    assert result.status == "succeeded", result.message + " / " + result.hint
    assert recorder.phases()["record"] == "skipped"
    assert recorder.phases()["apply"] == "finished"
    assert result.recorded == [] and result.applied == [
        'module.aws_l2.aws_lambda_function.processor["temperature-sensor-2"]',
        f'module.aws_setup.aws_s3_object.package["{name}"]',
    ]
    # Terraform's words about -target are expected here: log lines, not warnings.
    assert not [e for e in recorder.events if isinstance(e, DiagnosticEvent)]
    build = DeploymentWorkspace(project, "sandbox").build_dir / "aws" / f"{name}.zip"
    live = aws.client("lambda").get_function_configuration(FunctionName=name)
    assert live["CodeSha256"] == _code_sha(build)

    # Neither this update nor the CLI's (state edit) of the action leaves a change behind.
    full = Deployment(project, target).deploy()
    assert full.status == "succeeded", full.message
    assert full.plan is not None and not full.plan.has_changes, [
        (r.address, r.action) for r in full.plan.resources
    ]


def test_an_update_is_refused_while_a_deploy_runs(deployed):
    project, _, target, _ = deployed
    root = DeploymentWorkspace(project, "sandbox").root
    with run_lock.shared(root), pytest.raises(UpdateRefused) as refused:
        update_function(project, target, PROCESSOR)
    assert "a deploy, plan or destroy of this twin is running" in refused.value.message
    assert "wait until it has finished" in refused.value.hint


def test_an_update_is_refused_while_terraform_holds_the_state(deployed):
    project, _, target, _ = deployed
    terraform = DeploymentWorkspace(project, "sandbox").terraform_dir
    state = terraform / "terraform.tfstate"
    info = terraform / ".terraform.tfstate.lock.info"
    info.write_text(
        json.dumps({"ID": "abc-123", "Operation": "OperationTypeApply", "Who": "them@there"})
    )
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time\n"
            f"f = open({str(state)!r}, 'r+b'); fcntl.lockf(f, fcntl.LOCK_EX)\n"
            "print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(UpdateRefused) as refused:
            update_function(project, target, PROCESSOR)
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
        info.unlink()
    assert refused.value.message == (
        "the Terraform state is locked by a running OperationTypeApply (them@there)"
    )


def test_a_broken_processor_is_refused_with_its_place(deployed):
    project, _, target, _ = deployed
    path = project / "processors" / "temperature-sensor-1" / "process.py"
    good = path.read_text()
    path.write_text("def process(event):\n    return event[\n")
    try:
        with pytest.raises(UpdateRefused) as refused:
            update_function(project, target, PROCESSOR)
    finally:
        path.write_text(good)
    assert refused.value.message.startswith("processors/temperature-sensor-1/process.py:")
    assert "fix it" in refused.value.hint
    # Another processor's error is not this package's: the update goes on.
    other = project / "processors" / "pressure-sensor-1" / "process.py"
    kept = other.read_text()
    other.write_text("def process(event):\n    return event[\n")
    try:
        result = update_function(project, target, PROCESSOR)
    finally:
        other.write_text(kept)
    assert result.status == "succeeded", result.message


def test_unknown_names_are_answered_with_close_matches(deployed):
    project, _, target, _ = deployed
    with pytest.raises(UpdateRefused) as refused:
        update_function(project, target, "processor-temperature-sensor-7")
    assert refused.value.message == "this twin has no function 'processor-temperature-sensor-7'"
    assert refused.value.hint.startswith(
        "did you mean processor-temperature-sensor-2, processor-temperature-sensor-1"
    )
