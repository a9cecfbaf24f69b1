"""The last known status is kept in the workspace and survives a restart; junk is ignored."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime

from dtwin_gui.deploy.last_status import last_status_file, load_last_status, save_last_status
from dtwin_gui.deploy.status import LayerStatus, ResourceStatus, StatusReport
from dtwin_gui.deploy.workspace import DeploymentWorkspace

WHEN = datetime(2026, 11, 25, 14, 2, tzinfo=UTC)


def a_report() -> StatusReport:
    return StatusReport(
        target="sandbox",
        twin_name="factory-twin",
        layers={
            "L1": LayerStatus(
                "L1",
                "aws",
                "deployed",
                [ResourceStatus("module.aws_l1.aws_iot_thing.t", "aws_iot_thing", "t", "present")],
            ),
            "L4": LayerStatus(
                "L4",
                "aws",
                "partial",
                [
                    ResourceStatus(
                        "sdk:twinmaker-entity:e", "twinmaker-entity", "e", "missing", "gone", "sdk"
                    )
                ],
                ["twinmaker-entity e (missing)"],
            ),
        },
        outputs={"hot_table_name": "factory-twin-hot"},
        setup=[ResourceStatus("module.aws_setup.x", "aws_iam_role", "r", "present")],
    )


def test_round_trip(project):
    workspace = DeploymentWorkspace(project, "sandbox")
    assert load_last_status(workspace) is None
    save_last_status(workspace, a_report(), now=WHEN)
    assert oct(os.stat(last_status_file(workspace)).st_mode & 0o777) == "0o600"
    # A new workspace object (as after reopening the app) reads the same back.
    saved = load_last_status(DeploymentWorkspace(project, "sandbox"))
    assert saved.saved_at == WHEN
    report = saved.report
    assert report.to_json() == a_report().to_json()
    assert report.setup == a_report().setup
    assert report.layers["L4"].resources[0].source == "sdk"
    assert load_last_status(DeploymentWorkspace(project, "aws")) is None  # per target


def test_a_broken_file_is_ignored_with_a_warning(project, caplog):
    workspace = DeploymentWorkspace(project, "sandbox")
    path = last_status_file(workspace)
    for junk in ("{not json", '{"format": 1, "saved_at": "x", "report": {}}', "[]"):
        path.write_text(junk)
        with caplog.at_level(logging.WARNING):
            assert load_last_status(workspace) is None
    assert sum("cannot be read" in r.getMessage() for r in caplog.records) == 3
