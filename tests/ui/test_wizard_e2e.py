"""The whole wizard, offscreen, against the sandbox: from a new project to a deployed,
browsable twin and back to nothing. Real Terraform, real function packages in the sandbox's
function host; the GUI is driven the way a user would, through its pages. Never skipped."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.clouds.aws.leftovers import find_leftovers
from dtwin_gui.deploy.status import DEPLOYED
from dtwin_gui.ui.app import create_main_window
from dtwin_gui.ui.main_window import (
    CODE_STEP,
    CREDENTIALS_STEP,
    DEPLOY_STEP,
    LAYERS_STEP,
    REVIEW_STEP,
    STATUS_STEP,
)
from dtwin_gui.ui.widgets.step_list import StepState

pytestmark = [pytest.mark.gui, pytest.mark.slow, pytest.mark.e2e]

AWS_LAYERS = ("L1", "L2", "L3_hot", "L3_cold", "L3_archive", "L4", "L5")
PLAN_MS = 240_000
NOTHING = "Nothing deployed from this project was found on this target."
DEPLOY_MS = 600_000


def click(qtbot, button) -> None:
    assert button.isEnabled(), f"{button.text()!r} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_new_project_to_deployed_twin_and_back_to_nothing(qtbot, settings, aws, tmp_path):
    target = sandbox_target(aws.endpoint, aws.region)
    window = create_main_window(settings, sandbox_factory=lambda: target)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    try:
        # Project: a new project from the bundled example.
        dialog = window.project_page.ask_new_project()
        dialog.location.setText(str(tmp_path))
        dialog.folder.setText("plant")
        dialog.create_project()
        qtbot.waitUntil(lambda: window.session.is_open, timeout=10_000)
        qtbot.waitUntil(lambda: window.session.report is not None, timeout=10_000)
        assert window.session.report.valid
        root = window.session.root
        twin = window.session.project.twin_name

        # Layers: the example puts every layer on AWS.
        window.go_to(LAYERS_STEP)
        assert window.steps.detail(LAYERS_STEP) == "all on AWS"

        # Credentials: the sandbox needs none.
        window.go_to(CREDENTIALS_STEP)
        assert window.choice.mode == "sandbox" and window.choice.ready
        assert window.steps.state(CREDENTIALS_STEP) is StepState.DONE

        # Code: test-run the first device's processor on a sample event.
        window.go_to(CODE_STEP)
        page = window.code_page
        key = next(k for k in page.cards if k.startswith("processor:"))
        card = page.card(key)
        click(qtbot, card.test_button)
        qtbot.waitUntil(lambda: not page.running, timeout=30_000)
        assert card.result.output_box.toPlainText().strip(), "the test run shows an output"
        json.loads(card.result.output_box.toPlainText())

        # Review: make a plan, tick, deploy.
        window.go_to(REVIEW_STEP)
        review = window.review_page
        review.make_plan()
        qtbot.waitUntil(lambda: review.review is not None, timeout=PLAN_MS)
        layers_with_changes = {
            name for name in AWS_LAYERS if (r := review.review.layer(name)) and r.items
        }
        assert layers_with_changes == set(AWS_LAYERS)
        assert not review.deploy_button.isEnabled()
        review.review_tick.setChecked(True)
        with qtbot.waitSignal(window.deploy_page.run_finished, timeout=DEPLOY_MS) as run:
            click(qtbot, review.deploy_button)
            assert window.current_step == DEPLOY_STEP
        result = run.args[0]
        assert result.status == "succeeded", f"{result.message} / {result.hint}"
        deploy = window.deploy_page
        assert not deploy.busy
        assert window.steps.state(DEPLOY_STEP) is StepState.DONE
        assert window.steps.detail(DEPLOY_STEP).startswith("deployed ")
        # The plan reviewed is now outdated; the destroy box reads what the state holds.
        assert review.status_label.text() == "Outdated: a deploy ran since this plan — plan again."
        assert not review.deploy_button.isEnabled()
        qtbot.waitUntil(
            lambda: review.destroy_summary.text().startswith("This deletes "), timeout=10_000
        )
        qtbot.waitUntil(
            lambda: window.steps.detail(STATUS_STEP) == "7 layers deployed",
            timeout=10_000,
        )

        # Status: every layer deployed, a traced test message, the chart shows the data.
        status = window.status_page
        with qtbot.waitSignal(status.refreshed, timeout=60_000) as refreshed:
            window.go_to(STATUS_STEP)
        report = refreshed.args[0]
        assert {k: v.state for k, v in report.layers.items()} == dict.fromkeys(AWS_LAYERS, DEPLOYED)
        with qtbot.waitSignal(status.traced, timeout=120_000) as traced:
            status.send_test_telemetry()
        trace = traced.args[0]
        assert trace.ok, [(h.layer, h.state, h.detail) for h in trace.hops]
        with qtbot.waitSignal(status.values_updated, timeout=60_000):
            status.poll_values()
        qtbot.waitUntil(
            lambda: any(values for _d, _p, values in status.chart.lines()), timeout=30_000
        )

        # Destroy: tick "I understand", destroy, nothing left.
        window.go_to(REVIEW_STEP)
        review.destroy_tick.setChecked(True)
        with qtbot.waitSignal(deploy.run_finished, timeout=DEPLOY_MS) as run:
            click(qtbot, review.destroy_button)
        result = run.args[0]
        assert result.status == "succeeded", f"{result.message} / {result.hint}"
        assert find_leftovers(target, twin) == {}
        assert root.is_dir(), "destroy never touches the project folder"

        # After the destroy every page says what is true.
        assert deploy.title.text() == "Destroy"
        assert deploy.outcome.title.text() == "✔ The twin is destroyed."
        assert window.steps.detail(DEPLOY_STEP).startswith("destroyed ")
        qtbot.waitUntil(
            lambda: window.steps.detail(STATUS_STEP) == "nothing deployed", timeout=10_000
        )
        qtbot.waitUntil(lambda: review.destroy_summary.text() == NOTHING, timeout=10_000)

        # A second project shows nothing of the first one's runs, plans or status.
        dialog = window.project_page.ask_new_project()
        dialog.location.setText(str(tmp_path))
        dialog.folder.setText("second")
        dialog.create_project()
        qtbot.waitUntil(lambda: window.session.root.name == "second", timeout=10_000)
        qtbot.waitUntil(lambda: window.steps.detail(DEPLOY_STEP) == "not run yet", timeout=10_000)
        assert window.steps.detail(STATUS_STEP) == "nothing deployed"
        assert deploy.title.text() == "Deploy"
        assert deploy.headline.label.text() == "No run yet"
        assert deploy.tree.layer_names() == [] and not deploy.outcome.isVisible()
        assert review.review is None and review.destroy_summary.text() == NOTHING
        assert status.tree.layer_item("L1") is None
    finally:
        window.close()
        qtbot.waitUntil(lambda: window.runner.active == 0, timeout=60_000)
