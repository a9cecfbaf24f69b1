"""The Status page names what the cloud no longer has and offers Deploy (issue 11, item 2)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from dtwin_gui.deploy.last_status import save_last_status
from dtwin_gui.deploy.status import LayerStatus, ResourceStatus, StatusReport
from dtwin_gui.deploy.workspace import DeploymentWorkspace
from dtwin_gui.ui.main_window import DEPLOY_STEP, STATUS_STEP

pytestmark = pytest.mark.gui


def resource(address: str, component: str, name: str, state: str = "present"):
    return ResourceStatus(address, component, name, state)


def report_with(l2_state: str, missing: list[str], l2_resources) -> StatusReport:
    return StatusReport(
        "sandbox",
        "factory-twin",
        {
            "L1": LayerStatus(
                "L1",
                "aws",
                "deployed",
                [resource("module.aws_l1.aws_iot_policy.p", "aws_iot_policy", "p")],
            ),
            "L2": LayerStatus("L2", "aws", l2_state, l2_resources, missing),
        },
        {},
    )


def incomplete_report() -> StatusReport:
    gone = resource(
        "module.aws_l2.aws_lambda_function.processor",
        "aws_lambda_function",
        "factory-twin-proc",
        "missing",
    )
    others = [
        resource(f"module.aws_l2.aws_iam_role.r{i}", "aws_iam_role", f"r{i}") for i in range(2)
    ]
    missing = [f"Lambda function factory-twin-proc (missing: {gone.address})"]
    return report_with("partial", missing, [gone, *others])


def test_missing_resources_are_named_and_deploy_goes_to_the_deploy_step(opened, project, qtbot):
    window = opened
    save_last_status(DeploymentWorkspace(project, "sandbox"), incomplete_report())
    page = window.status_page
    assert page.restore_last()
    assert page.deploy_button.isVisibleTo(page)
    assert "L2: 1 of 3 missing" in page.banner.text()
    assert "1 of 3 missing: Lambda function factory-twin-proc" in page.tree.layer_item("L2").text(2)

    window.go_to(STATUS_STEP)
    qtbot.mouseClick(page.deploy_button, Qt.MouseButton.LeftButton)
    assert window.current_step == DEPLOY_STEP

    # Once everything is back, neither the note nor the button stays.
    fine = report_with(
        "deployed",
        [],
        [resource("module.aws_l2.aws_iam_role.r0", "aws_iam_role", "r0")],
    )
    save_last_status(DeploymentWorkspace(project, "sandbox"), fine)
    assert page.restore_last()
    assert not page.deploy_button.isVisibleTo(page)
    assert "Missing" not in page.banner.text()
