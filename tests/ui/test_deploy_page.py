"""The Deploy page driven by scripted runs: live tree, headline, stages, failure, cancel,
forced stop (real process group), a stale state lock and replaying a past run."""

from __future__ import annotations

import json
import shutil
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from dtwin_gui.core.run_events import (
    DiagnosticEvent,
    EventLog,
    LogEvent,
    OutcomeEvent,
    PhaseEvent,
    ResourceEvent,
)
from dtwin_gui.deploy.orchestrator import RunResult
from dtwin_gui.iac.cli_config import TerraformSettings
from dtwin_gui.iac.runner import Terraform, TerraformCancelled
from dtwin_gui.ui.pages.deploy_page import FORCED_NOTE, SAFE_NOTE, DeployPage
from dtwin_gui.ui.session import ProjectSession
from dtwin_gui.ui.target_choice import TargetChoice
from dtwin_gui.ui.workers import TaskRunner

pytestmark = pytest.mark.gui
WAIT_MS = 10_000
LAMBDA = "module.aws_l2.aws_lambda_function.processor"
ROLE = "module.aws_l2.aws_iam_role.processor"
TABLE = "module.aws_l3_hot.aws_dynamodb_table.hot"


def no_target():
    raise RuntimeError("no AWS credentials are set: check them on the Credentials page")


@pytest.fixture
def runner():
    runner = TaskRunner()
    yield runner
    runner.shutdown()


@pytest.fixture
def session(runner):
    return ProjectSession(runner)


@pytest.fixture
def page(qtbot, runner, session):
    widget = DeployPage(session, runner, TargetChoice(sandbox_factory=no_target))
    widget.resize(1100, 800)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    qtbot.waitUntil(lambda: not widget.busy, timeout=WAIT_MS)


def res(address, layer, component, state, **kw) -> ResourceEvent:
    return ResourceEvent(address, layer, component, "create", state, **kw)


def test_a_live_run_shows_rows_states_headline_and_stages(page, qtbot, tmp_path):
    gate = threading.Event()

    def work(sink):
        for name in ("validate", "build", "init", "plan"):
            sink(PhaseEvent(name, "started"))
            time.sleep(0.01)
            sink(PhaseEvent(name, "finished", 0.01))
        for address, layer, component in (
            (ROLE, "L2", "aws_iam_role"),
            (LAMBDA, "L2", "aws_lambda_function"),
            (TABLE, "L3_hot", "aws_dynamodb_table"),
        ):
            sink(res(address, layer, component, "pending"))
        sink(PhaseEvent("apply", "started"))
        sink(res(ROLE, "L2", "aws_iam_role", "creating"))
        sink(res(TABLE, "L3_hot", "aws_dynamodb_table", "creating"))
        time.sleep(0.05)
        sink(res(ROLE, "L2", "aws_iam_role", "created", elapsed=1.5))
        sink(res(LAMBDA, "L2", "aws_lambda_function", "creating"))
        sink(LogEvent("terraform", "info", "Still creating..."))
        gate.wait(10)
        for address, layer, component in (
            (LAMBDA, "L2", "aws_lambda_function"),
            (TABLE, "L3_hot", "aws_dynamodb_table"),
        ):
            sink(res(address, layer, component, "created", elapsed=2.0))
        sink(PhaseEvent("apply", "finished", 2.0))
        sink(OutcomeEvent("succeeded", "deploy finished"))
        return RunResult("r1", "succeeded", "deploy finished")

    assert page.start_run("deploy", work, cancel=gate.set)
    assert page.busy and page.cancel_button.isVisible()
    qtbot.waitUntil(lambda: page.tree.row_texts(LAMBDA)[1:2] == ["◐ creating"], timeout=WAIT_MS)
    assert page.tree.layer_names() == ["L2", "L3 hot"]
    assert page.tree.row_texts(ROLE)[:3] == ["processor", "✔ created", "1.5 s"]
    assert page.headline.label.text().startswith("L2 · 1 of 3 done · 2 in progress · 00:0")
    assert page.headline.stages.states() == [
        ("Validate", "finished"),
        ("Build", "finished"),
        ("Init", "finished"),
        ("Plan", "finished"),
        ("Apply", "running"),
        ("SDK steps", "waiting"),
        ("Verify", "waiting"),
    ]
    qtbot.waitUntil(lambda: page.tree.row_texts(LAMBDA)[2] not in ("", "0.0 s"), timeout=WAIT_MS)
    assert "Still creating..." in [ln.message for ln in page.log.model.lines]
    page.grab().save(str(tmp_path / "deploy_page_running.png"))

    with qtbot.waitSignal(page.run_finished, timeout=WAIT_MS) as finished:
        gate.set()
    assert finished.args[0].status == "succeeded"
    assert not page.busy and not page.cancel_button.isVisible()
    assert page.headline.label.text().startswith("Finished · 3 of 3 done · 00:0")
    assert page.outcome.isVisible() and page.outcome.browse_button.isVisible()
    with qtbot.waitSignal(page.status_requested, timeout=1000):
        page.outcome.browse_button.click()


def failing_run(log_path: Path):
    def work(sink):
        sink(PhaseEvent("apply", "started"))
        sink(res(LAMBDA, "L2", "aws_lambda_function", "creating"))
        time.sleep(0.02)
        sink(res(LAMBDA, "L2", "aws_lambda_function", "failed", error="AccessDenied: iam:PassRole"))
        sink(DiagnosticEvent("error", "creating Lambda function", "AccessDenied", LAMBDA))
        sink(PhaseEvent("apply", "failed", 0.1, "terraform apply failed"))
        sink(OutcomeEvent("failed", "terraform apply failed", "give the role iam:PassRole"))
        return RunResult(
            "r2",
            "failed",
            "terraform apply failed: creating Lambda function",
            "give the deploying identity iam:PassRole, then retry",
            log_path=log_path,
        )

    return work


def test_a_failure_says_what_why_and_what_to_do(page, qtbot, tmp_path, opened_urls):
    calls = []
    log_path = tmp_path / "runs" / "r2.jsonl"
    work = failing_run(log_path)

    def counted(sink):
        calls.append(1)
        return work(sink)

    with qtbot.waitSignal(page.run_finished, timeout=WAIT_MS):
        page.start_run("deploy", counted)
    outcome = page.outcome
    assert outcome.isVisible() and outcome.property("kind") == "error"
    assert outcome.title.text() == (
        "✖ The deploy failed during Apply: aws_lambda_function.processor"
    )
    assert "terraform apply failed: creating Lambda function" in outcome.reason.text()
    assert "AccessDenied: iam:PassRole" in outcome.reason.text()
    assert outcome.hint.text() == (
        "What to do: give the deploying identity iam:PassRole, then retry"
    )
    assert page.tree.row_texts(LAMBDA)[1:] == [
        "✖ failed",
        page.tree.row_texts(LAMBDA)[2],
        "AccessDenied: iam:PassRole",
    ]
    assert page.headline.stages.states()[4] == ("Apply", "failed")
    page.grab().save(str(tmp_path / "deploy_page_failed.png"))

    with qtbot.waitSignal(page.destroy_requested, timeout=1000):
        outcome.destroy_button.click()
    outcome.logs_button.click()
    assert opened_urls.paths() == [log_path.parent]

    with qtbot.waitSignal(page.run_finished, timeout=WAIT_MS):
        outcome.retry_button.click()
    assert len(calls) == 2


def test_a_run_that_cannot_start_explains_itself(page, qtbot, project, session):
    session.root = project
    page.start_deploy()
    qtbot.waitUntil(lambda: page.outcome.isVisible(), timeout=WAIT_MS)
    assert page.outcome.title.text() == "✖ The deploy could not run"
    assert "check them on the Credentials page" in page.outcome.reason.text()
    assert "Traceback" not in page.outcome.reason.text()


def test_cancel_reaches_the_run_and_then_a_forced_stop_is_offered(page, qtbot):
    cancelled = threading.Event()
    forced = []

    def work(sink):
        sink(PhaseEvent("apply", "started"))
        assert cancelled.wait(10)
        time.sleep(0.2)  # "Terraform saving its state"
        sink(PhaseEvent("apply", "cancelled", 0.3))
        sink(OutcomeEvent("cancelled", "cancelled during apply"))
        return RunResult("r3", "cancelled", "cancelled during apply", "run again to continue")

    page.start_run("deploy", work, cancel=cancelled.set, force_stop=lambda: forced.append(1))
    assert not page.force_button.isVisible()
    assert page.cancel()
    assert cancelled.is_set()
    assert page.stop_note.text() == SAFE_NOTE and page.force_button.isVisible()
    with qtbot.waitSignal(page.run_finished, timeout=WAIT_MS):
        pass
    assert forced == []
    assert page.outcome.title.text() == "■ The deploy was stopped during Apply"
    assert page.outcome.reason.text() == "cancelled during apply"
    assert page.outcome.retry_button.text() == "Run again"
    assert not page.force_button.isVisible() and not page.cancel()


@pytest.mark.skipif(sys.platform == "win32", reason="process groups and sh are POSIX")
def test_forced_stop_kills_terraform_at_once(page, qtbot, tmp_path):
    stubborn = tmp_path / "stubborn-terraform"
    stubborn.write_text(
        "#!/bin/sh\ntrap '' INT\n"
        'echo \'{"@level":"info","@message":"Terraform 1.11.4","type":"version"}\'\n'
        "sleep 60\n"
    )
    stubborn.chmod(0o755)
    settings = TerraformSettings(mirror_dir=None, binary=str(stubborn), grace_period=60)
    holder = {}

    def work(sink):
        tf = holder["tf"] = Terraform(tmp_path / "root", settings=settings, sink=sink)
        try:
            tf.apply()
        except TerraformCancelled as exc:
            status = "cancelled" if exc.forced else "failed"
            return RunResult("r4", status, str(exc))
        return RunResult("r4", "succeeded")

    page.start_run(
        "deploy",
        work,
        cancel=lambda: holder["tf"].cancel(),
        force_stop=lambda: holder["tf"].kill(),
    )
    qtbot.waitUntil(
        lambda: any(ln.message == "Terraform 1.11.4" for ln in page.log.model.lines),
        timeout=WAIT_MS,
    )
    members = psutil.Process(holder["tf"].pid).children(recursive=True)
    assert page.cancel()  # the stubborn Terraform ignores the interrupt: still running
    qtbot.wait(300)
    assert page.busy
    with qtbot.waitSignal(page.run_finished, timeout=WAIT_MS) as finished:
        assert page.force_stop()
        assert page.stop_note.text() == FORCED_NOTE
    assert finished.args[0].message == "terraform apply stopped forcefully"
    _gone, alive = psutil.wait_procs(members, timeout=10)
    assert not alive
    assert any(
        "stopped forcefully" in ln.message and ln.level == "error" for ln in page.log.model.lines
    )


def write_stale_lock(workdir: Path) -> str:
    """A local state with the lock record a killed Terraform leaves behind."""
    lock_id = "3f1c2f6a-1111-2222-3333-444455556666"
    (workdir / "terraform.tfstate").write_text(json.dumps({"version": 4, "resources": []}))
    info = {
        "ID": lock_id,
        "Operation": "OperationTypeApply",
        "Who": "someone@host",
        "Version": "1.11.4",
        "Created": "2026-01-01T10:00:00.123456Z",
        "Path": "terraform.tfstate",
    }
    (workdir / ".terraform.tfstate.lock.info").write_text(json.dumps(info))
    return lock_id


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not installed")
def test_a_stale_lock_after_a_cancel_is_explained_and_unlocked_on_request(
    page, qtbot, project, session, tmp_path
):
    session.root = project
    workdir = page.terraform_dir()
    write_stale_lock(workdir)
    lock_file = workdir / ".terraform.tfstate.lock.info"

    def work(sink):
        sink(OutcomeEvent("cancelled", "stopped forcefully during apply"))
        return RunResult("r5", "cancelled", "stopped forcefully during apply")

    with qtbot.waitSignal(page.run_finished, timeout=WAIT_MS):
        page.start_run("deploy", work)
    box = page.lock_box
    qtbot.waitUntil(lambda: box.isVisible(), timeout=WAIT_MS)
    assert box.label.text() == (
        "The Terraform state is locked by an apply since 2026-01-01 10:00:00 UTC; no dtwin "
        "process holds it. It was left by a stopped or crashed run."
    )
    assert page.grab().save(str(tmp_path / "deploy_page_locked.png"))

    asked = []
    box.confirm = lambda parent, lock: asked.append(lock.lock_id) or False
    assert not box.unlock()  # the user said no
    assert lock_file.exists()

    gate = threading.Event()
    page.start_run("deploy", lambda sink: gate.wait(10) and RunResult("r6", "cancelled"))
    box.confirm = lambda parent, lock: True
    assert not box.unlock() and lock_file.exists()  # never while a run is going
    assert not box.unlock_button.isEnabled()
    # The run's end starts a new lock check; until it answers, box.lock is the old answer
    # and unlock() refuses, so wait for the check itself, not for "a lock is known".
    with qtbot.waitSignal(box.checked, timeout=WAIT_MS):
        gate.set()
    assert not page.busy and box.lock is not None and box.unlock_button.isEnabled()

    with qtbot.waitSignal(box.unlocked, timeout=WAIT_MS):
        assert box.unlock()
    assert not lock_file.exists()
    assert asked == ["3f1c2f6a-1111-2222-3333-444455556666"]
    assert "unlocked" in box.label.text()


def test_a_past_run_is_replayed_from_its_log(page, qtbot, tmp_path, opened_urls):
    path = tmp_path / "runs" / "20260101T100000Z-destroy-abc123.jsonl"
    with EventLog(path, "20260101T100000Z-destroy-abc123") as log:
        log(PhaseEvent("sdk-destroy", "started", ts="2026-01-01T10:00:00.000Z"))
        log(PhaseEvent("sdk-destroy", "finished", 1.0, ts="2026-01-01T10:00:01.000Z"))
        log(PhaseEvent("destroy", "started", ts="2026-01-01T10:00:01.000Z"))
        log(
            ResourceEvent(
                TABLE,
                "L3_hot",
                "aws_dynamodb_table",
                "delete",
                "deleted",
                3.0,
                ts="2026-01-01T10:00:04.000Z",
            )
        )
        log(LogEvent("terraform", "info", "Destroy complete!", ts="2026-01-01T10:00:05.000Z"))
        log(OutcomeEvent("succeeded", "destroy finished", ts="2026-01-01T10:00:06.000Z"))
    assert page.replay_file(path)
    qtbot.waitUntil(lambda: page.tree.row_texts(TABLE) != [], timeout=WAIT_MS)
    assert page.tree.row_texts(TABLE)[1:3] == ["✔ deleted", "3.0 s"]
    assert page.headline.label.text() == "Finished · 1 of 1 done · 00:06"
    assert [label for label, _state in page.headline.stages.states()] == [
        "SDK clean-up",
        "Init",
        "Destroy",
        "Verify",
    ]
    assert "Destroy complete!" in [ln.message for ln in page.log.model.lines]
    assert page.outcome.isVisible()
    page.open_logs()
    assert opened_urls.paths() == [path.parent]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not installed")
def test_a_plan_that_changed_since_the_review_is_not_applied(qtbot, runner, session, project, aws):
    """Real deploy of the example project on the emulated AWS, up to the plan."""
    from dtwin_gui.clouds.aws.connection import sandbox_target
    from dtwin_gui.iac.runner import PlannedResource, PlanSummary

    choice = TargetChoice(sandbox_factory=lambda: sandbox_target(aws.endpoint, aws.region))
    page = DeployPage(session, runner, choice)
    qtbot.addWidget(page)
    session.root = project
    reviewed = PlanSummary(
        add=1,
        resources=[PlannedResource("module.aws_l2.aws_lambda_function.other", "create", "L2")],
        has_changes=True,
    )
    with qtbot.waitSignal(page.run_finished, timeout=300_000) as finished:
        assert page.start_deploy(reviewed_plan=reviewed)
    result = finished.args[0]
    assert result.status == "cancelled" and not result.applied
    assert result.message == "the plan changed since you reviewed it: review it again"
    assert page.outcome.title.text() == "■ The deploy was stopped during Apply"
    assert page.outcome.reason.text() == result.message
    assert page.run.counts().total > 0 and page.run.counts().done == 0
    assert ("Plan", "finished") in page.headline.stages.states()
    assert result.log_path is not None and result.log_path.is_file()
