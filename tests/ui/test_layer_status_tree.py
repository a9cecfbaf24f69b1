"""The Status page's layer tree: each resource row says what it is."""

from __future__ import annotations

import pytest

from dtwin_gui.deploy.status import LayerStatus, ResourceStatus, StatusReport
from dtwin_gui.ui.widgets.layer_status_tree import LayerStatusTree

pytestmark = pytest.mark.gui


def l1_report() -> StatusReport:
    """What the L1 layer of the example holds: one function's role, logs and permission."""
    dispatcher = "factory-twin-dispatcher"
    rows = [
        ('aws_iam_role.function["dispatcher"]', "aws_iam_role", dispatcher),
        ('aws_iam_role_policy.logs["dispatcher"]', "aws_iam_role_policy", "logs"),
        ('aws_iam_role_policy.logs["connector"]', "aws_iam_role_policy", "logs"),
        ("aws_lambda_function.dispatcher", "aws_lambda_function", dispatcher),
        ("aws_lambda_permission.dispatcher_from_iot", "aws_lambda_permission", dispatcher),
        ("sdk:iot-certificate:pump", "iot-certificate", "pump"),
    ]
    resources = [
        ResourceStatus(f"module.aws_l1.{a}" if "sdk:" not in a else a, c, n, "present")
        for a, c, n in rows
    ]
    return StatusReport(
        "sandbox", "factory-twin", {"L1": LayerStatus("L1", "aws", "deployed", resources)}, {}
    )


def test_l1_rows_show_their_kind_and_read_apart(qtbot):
    tree = LayerStatusTree()
    qtbot.addWidget(tree)
    tree.set_report(l1_report())
    layer = tree.layer_item("L1")
    texts = [layer.child(i).text(0) for i in range(layer.childCount())]
    assert texts == [
        "IAM role · factory-twin-dispatcher",
        "IAM role policy · logs (dispatcher)",
        "IAM role policy · logs (connector)",
        "Lambda function · factory-twin-dispatcher",
        "Lambda permission · factory-twin-dispatcher",
        "IoT certificate · pump",
    ]
    assert len(set(texts)) == len(texts)
    assert layer.child(3).toolTip(0).startswith("module.aws_l1.aws_lambda_function.dispatcher")
