"""Runs, plans, status and locks follow the open project + target (issue 10, items 5, 6, 8).

Runs are scripted: each writes what a real run leaves in the deployment workspace (its event
log, the Terraform state, the last status), which is all the pages read back.
"""

from __future__ import annotations

import shutil
import threading
import uuid
from datetime import UTC, datetime

import pytest

from dtwin_gui.core.run_events import EventLog, OutcomeEvent, PhaseEvent, ResourceEvent
from dtwin_gui.deploy.last_status import save_last_status
from dtwin_gui.deploy.orchestrator import RunResult
from dtwin_gui.deploy.status import DEPLOYED, NOT_DEPLOYED, LayerStatus, StatusReport
from dtwin_gui.deploy.workspace import DeploymentWorkspace
from dtwin_gui.iac.runner import PlannedResource, PlanSummary
from dtwin_gui.ui.main_window import DEPLOY_STEP, STATUS_STEP
from dtwin_gui.ui.widgets.step_list import StepState

from .conftest import WAIT_MS, wait_checked, write_json

pytestmark = pytest.mark.gui

THING = 'module.aws_l1.aws_iot_thing.device["temperature-sensor-1"]'
LAMBDA = 'module.aws_l2.aws_lambda_function.processor["temperature-sensor-1"]'
TABLE = "module.aws_l3_hot.aws_dynamodb_table.hot"
THREE = "This deletes 3 resources in 3 layers: L1 (1), L2 (1), L3_hot (1)."
NOTHING = "Nothing deployed from this project was found on this target."


def write_state(workspace: DeploymentWorkspace, deployed: bool) -> None:
    blocks = [
        ("module.aws_l1", "aws_iot_thing", "device", "temperature-sensor-1"),
        ("module.aws_l2", "aws_lambda_function", "processor", "temperature-sensor-1"),
        ("module.aws_l3_hot", "aws_dynamodb_table", "hot", None),
    ]
    resources = [
        {
            "module": module,
            "mode": "managed",
            "type": type_,
            "name": name,
            "instances": [{"attributes": {"id": name}, **({"index_key": key} if key else {})}],
        }
        for module, type_, name, key in blocks
    ]
    write_json(
        workspace.terraform_dir / "terraform.tfstate",
        {"version": 4, "serial": 3, "lineage": "l", "resources": resources if deployed else []},
    )


def status_report(deployed: bool) -> StatusReport:
    state = DEPLOYED if deployed else NOT_DEPLOYED
    layers = {name: LayerStatus(name, "aws", state) for name in ("L1", "L2", "L3_hot")}
    outputs = {"hot_table_name": "factory-twin-hot"} if deployed else {}
    return StatusReport("sandbox", "factory-twin", layers, outputs)


def scripted_run(workspace: DeploymentWorkspace, kind: str, gate: threading.Event | None = None):
    """A run of ``kind`` that leaves the workspace as a real one would."""
    deployed = kind == "deploy"

    def work(sink):
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        run_id = f"{stamp}-{kind}-{uuid.uuid4().hex[:6]}"
        log_path = workspace.runs_dir / f"{run_id}.jsonl"
        with EventLog(log_path, run_id, forward=sink) as log:
            phase = "apply" if deployed else "destroy"
            log(PhaseEvent(phase, "started"))
            for address, layer in ((THING, "L1"), (LAMBDA, "L2"), (TABLE, "L3_hot")):
                action, done = ("create", "created") if deployed else ("delete", "deleted")
                component = address.split(".")[2]
                log(ResourceEvent(address, layer, component, action, done, elapsed=0.5))
            if gate is not None:
                gate.wait(WAIT_MS / 1000)
            write_state(workspace, deployed)
            save_last_status(workspace, status_report(deployed))
            log(PhaseEvent(phase, "finished", 1.5))
            log(OutcomeEvent("succeeded", f"{kind} finished"))
        return RunResult(run_id, "succeeded", f"{kind} finished", log_path=log_path)

    return work


def run(window, qtbot, kind: str, gate=None):
    workspace = DeploymentWorkspace(window.session.root, window.choice.mode)
    with qtbot.waitSignal(window.deploy_page.run_finished, timeout=WAIT_MS) as finished:
        assert window.deploy_page.start_run(kind, scripted_run(workspace, kind, gate))
    assert finished.args[0].status == "succeeded"


def _plan() -> PlanSummary:
    rows = [PlannedResource(LAMBDA, "create", "L2"), PlannedResource(TABLE, "create", "L3_hot")]
    return PlanSummary(add=2, resources=rows, has_changes=True)


def _today(text: str, words: str) -> bool:
    """``text`` is ``words HH:MM`` (a run of today)."""
    head, _, clock = text.rpartition(" ")
    return head == words and len(clock) == 5 and clock[2] == ":"


def test_another_project_shows_nothing_of_the_previous_ones_runs(opened, project, qtbot, tmp_path):
    window = opened
    deploy, review, status = window.deploy_page, window.review_page, window.status_page
    qtbot.waitUntil(lambda: window.steps.detail(DEPLOY_STEP) == "not run yet", timeout=WAIT_MS)
    assert window.steps.detail(STATUS_STEP) == "nothing deployed"

    # Project A: deployed.
    run(window, qtbot, "deploy")
    qtbot.waitUntil(lambda: review.destroy_summary.text() == THREE, timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: window.steps.detail(STATUS_STEP) == "3 layers deployed",
        timeout=WAIT_MS,
    )
    assert _today(window.steps.detail(DEPLOY_STEP), "deployed")
    assert window.steps.state(DEPLOY_STEP) is StepState.DONE
    assert deploy.tree.row_texts(TABLE)
    assert status.outputs.shown_value("hot_table_name") == "factory-twin-hot"
    assert status.tree.layer_state("L3_hot") == DEPLOYED
    review.show_plan(_plan())

    # Project B: a copy of A's folder, opened.
    copy = tmp_path / "copy-of-a"
    shutil.copytree(project, copy)
    assert window.open_project(copy)
    # At once, before anything is read: nothing of A is shown anywhere.
    assert deploy.tree.layer_names() == [] and deploy.log.model.lines == []
    assert not deploy.outcome.isVisible()
    assert deploy.headline.label.text() == "No run yet"
    assert review.review is None and review.plan_tree.topLevelItemCount() == 0
    assert review.destroy_summary.text() != THREE
    assert status.tree.layer_item("L3_hot") is None
    assert status.outputs.shown_value("hot_table_name") is None
    assert window.steps.detail(DEPLOY_STEP) == "checking…"
    assert window.steps.detail(STATUS_STEP) == "checking…"
    # Then what B's workspace says: never deployed.
    wait_checked(qtbot, window)
    qtbot.waitUntil(lambda: window.steps.detail(DEPLOY_STEP) == "not run yet", timeout=WAIT_MS)
    assert window.steps.detail(STATUS_STEP) == "nothing deployed"
    qtbot.waitUntil(lambda: review.destroy_summary.text() == NOTHING, timeout=WAIT_MS)
    assert "no status yet" in status.subtitle.text()
    assert deploy.headline.label.text() == "No run yet"
    assert not deploy.lock_box.isVisible()

    # Back to A: its last run and status are read back from its workspace.
    assert window.open_project(project)
    qtbot.waitUntil(lambda: bool(deploy.tree.row_texts(TABLE)), timeout=WAIT_MS)
    assert deploy.title.text() == "Deploy"
    assert deploy.outcome.title.text() == "✔ The twin is deployed."
    qtbot.waitUntil(lambda: _today(window.steps.detail(DEPLOY_STEP), "deployed"), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: review.destroy_summary.text() == THREE, timeout=WAIT_MS)
    assert status.outputs.shown_value("hot_table_name") == "factory-twin-hot"


def test_a_finished_run_outdates_the_plan_and_rereads_the_destroy_preview(opened, qtbot):
    review = opened.review_page
    qtbot.waitUntil(lambda: review.destroy_summary.text() == NOTHING, timeout=WAIT_MS)
    review.show_plan(_plan())
    review.review_tick.setChecked(True)
    assert review.deploy_button.isEnabled()

    run(opened, qtbot, "deploy")
    assert review.stale
    assert review.status_label.text() == "Outdated: a deploy ran since this plan — plan again."
    assert not review.review_tick.isEnabled() and not review.deploy_button.isEnabled()
    qtbot.waitUntil(lambda: review.destroy_summary.text() == THREE, timeout=WAIT_MS)

    run(opened, qtbot, "destroy")
    assert review.status_label.text() == "Outdated: a destroy ran since this plan — plan again."
    qtbot.waitUntil(lambda: review.destroy_summary.text() == NOTHING, timeout=WAIT_MS)


def test_after_a_destroy_every_page_says_what_is_true(opened, project, qtbot):
    window, deploy, status = opened, opened.deploy_page, opened.status_page
    run(window, qtbot, "deploy")
    gate = threading.Event()
    workspace = DeploymentWorkspace(project, "sandbox")
    with qtbot.waitSignal(deploy.run_finished, timeout=WAIT_MS):
        try:
            deploy.start_run("destroy", scripted_run(workspace, "destroy", gate))
            assert deploy.title.text() == "Destroy"
            assert window.steps.detail(DEPLOY_STEP) == "destroying…"
        finally:
            gate.set()
    assert deploy.title.text() == "Destroy"
    assert deploy.outcome.title.text() == "✔ The twin is destroyed."
    assert _today(window.steps.detail(DEPLOY_STEP), "destroyed")
    assert window.steps.state(DEPLOY_STEP) is StepState.PENDING  # no green tick: nothing is up
    qtbot.waitUntil(lambda: window.steps.detail(STATUS_STEP) == "nothing deployed", timeout=WAIT_MS)
    assert "nothing deployed" in status.subtitle.text()
    assert status.outputs.shown_value("hot_table_name") is None

    # Reopened later: the same words, read from the workspace.
    assert window.open_project(project)
    qtbot.waitUntil(lambda: deploy.title.text() == "Destroy", timeout=WAIT_MS)
    assert deploy.outcome.title.text() == "✔ The twin is destroyed."
    qtbot.waitUntil(lambda: _today(window.steps.detail(DEPLOY_STEP), "destroyed"), timeout=WAIT_MS)
    assert window.steps.detail(STATUS_STEP) == "nothing deployed"
