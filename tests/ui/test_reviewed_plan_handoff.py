"""The plan reviewed on the Review page is the plan the Deploy page applies (no new plan),
and the Deploy page's "Check for drift" runs the full plan."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.deploy.fingerprint import PlanTicket
from dtwin_gui.iac.runner import Terraform
from dtwin_gui.ui.app import create_main_window

from .conftest import wait_checked

pytestmark = [pytest.mark.gui, pytest.mark.slow, pytest.mark.e2e]


def test_deploy_after_review_applies_the_reviewed_plan(
    qtbot, settings, project, aws, monkeypatch, tmp_path
):
    commands: list[str] = []
    original = Terraform._run

    def run(self, command, args, **kwargs):
        commands.append(command)
        return original(self, command, args, **kwargs)

    monkeypatch.setattr(Terraform, "_run", run)
    target = sandbox_target(aws.endpoint, aws.region)
    window = create_main_window(settings, sandbox_factory=lambda: target)
    qtbot.addWidget(window)
    window.show()
    assert window.open_project(project)
    wait_checked(qtbot, window)
    review, deploy = window.review_page, window.deploy_page

    with qtbot.waitSignal(review.bridge.idle, timeout=600_000):
        qtbot.mouseClick(review.make_plan_button, Qt.MouseButton.LeftButton)
    assert review.review is not None and review.review.plan.add > 0, review.banner.label.text()
    assert isinstance(review.ticket, PlanTicket)
    assert "plan" in commands
    commands.clear()

    review.review_tick.setChecked(True)
    with qtbot.waitSignal(deploy.run_finished, timeout=600_000) as finished:
        qtbot.mouseClick(review.deploy_button, Qt.MouseButton.LeftButton)
    result = finished.args[0]
    assert result.status == "succeeded", result.message + " / " + result.hint
    assert result.applied
    assert "plan" not in commands and "apply" in commands
    stages = dict(deploy.headline.stages.states())
    assert stages["Plan"] == "skipped" and stages["Apply"] == "finished"
    assert any(
        "the reviewed plan is still current" in line.message for line in deploy.log.model.lines
    )
    deploy.grab().save(str(tmp_path / "deploy_reviewed.png"))
    qtbot.waitUntil(lambda: not deploy.busy and not review.bridge.running, timeout=60_000)

    # "Check for drift" runs the full plan although nothing changed since that deploy.
    commands.clear()
    assert deploy.drift_button.isEnabled()
    with qtbot.waitSignal(deploy.run_finished, timeout=600_000) as finished:
        qtbot.mouseClick(deploy.drift_button, Qt.MouseButton.LeftButton)
    result = finished.args[0]
    assert result.status == "succeeded", result.message + " / " + result.hint
    assert "plan" in commands and not result.applied
    assert dict(deploy.headline.stages.states())["Plan"] == "finished"
    qtbot.waitUntil(lambda: not deploy.busy, timeout=60_000)
