"""Importing an older project from the Project step, with the per-file report."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from dtwin_gui.ui import theme

from .conftest import WAIT_MS, wait_checked

pytestmark = pytest.mark.gui

LAYERS = ("1", "2", "3_hot", "3_cold", "3_archive", "4", "5")


def make_older_project(root: Path) -> Path:
    """A tiny project in the older deployer's format (shared/reference/older-project-format)."""
    files = {
        "config.json": {
            "digital_twin_name": "greenhouse",
            "hot_storage_size_in_days": 7,
            "cold_storage_size_in_days": 30,
            "mode": "DEBUG",
        },
        "config_iot_devices.json": [
            {"id": "soil-sensor", "properties": [{"name": "moisture", "dataType": "DOUBLE"}]}
        ],
        "config_events.json": [
            {
                "condition": "greenhouse.soil-sensor.moisture < DOUBLE(20.5)",
                "action": {
                    "type": "lambda",
                    "functionName": "water-plants",
                    "feedback": {"type": "mqtt", "iotDeviceId": "soil-sensor", "payload": {}},
                },
            }
        ],
        "config_providers.json": {f"layer_{n}_provider": "aws" for n in LAYERS},
        "config_optimization.json": {
            "result": {
                "inputParamsUsed": {"useEventChecking": True, "returnFeedbackToDevice": True}
            }
        },
        "config_credentials.json": {"aws": {"aws_access_key_id": "AKIAEXAMPLE"}},
        "config_inter_cloud.json": {"token": "shared"},
        "iot_device_simulator/payloads.json": [{"iotDeviceId": "soil-sensor", "moisture": 18.0}],
    }
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    processor = root / "lambda_functions/processors/soil-sensor/lambda_function.py"
    processor.parent.mkdir(parents=True)
    processor.write_text("def lambda_handler(event, context):\n    return event\n", "utf-8")
    return root


def test_import_shows_the_report_and_opens_the_new_project(window, tmp_path, qtbot):
    older = make_older_project(tmp_path / "greenhouse-old")
    dialog = window.project_page.ask_import()
    dialog.set_source(older)
    assert dialog.dest.text() == str(tmp_path / "greenhouse-old-dtwin")
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.report is not None and not dialog.running, timeout=WAIT_MS)

    report = dialog.report
    table = dialog.table
    assert table.isVisible()
    assert table.rowCount() == len(report.entries)
    assert dialog.summary.text().startswith(f"{len(report.entries)} files: ")
    actions = table.actions()
    assert "skipped" in actions  # the credentials file is never copied
    assert "ignored" in actions  # config_inter_cloud.json is obsolete
    attention = len(report.needs_attention)
    assert attention >= 1  # the rule's action has no code in the older project
    assert actions[:attention] == ["⚠ needs attention"] * attention
    assert "need" in dialog.summary.text() and "your attention" in dialog.summary.text()
    first = table.item(0, 1)
    assert first.background().color() == QColor(theme.WARNING_BG)
    assert first.font().bold()
    assert not (Path(dialog.dest.text()) / "config_credentials.json").exists()

    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert window.session.root == (tmp_path / "greenhouse-old-dtwin").resolve()
    assert window.project_name.text() == "greenhouse"
    wait_checked(qtbot, window)


def test_import_from_a_zip_with_a_wrapping_folder(window, tmp_path, qtbot):
    older = make_older_project(tmp_path / "src" / "greenhouse")
    archive = tmp_path / "greenhouse.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(older.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(older.parent).as_posix())
    dialog = window.project_page.ask_import()
    dialog.set_source(archive)
    assert dialog.dest.text() == str(tmp_path / "greenhouse-dtwin")
    dialog.start_import()
    qtbot.waitUntil(lambda: dialog.report is not None and not dialog.running, timeout=WAIT_MS)
    assert (tmp_path / "greenhouse-dtwin" / "config.json").is_file()
    assert dialog.report.root_in_source == "greenhouse"
    dialog.reject()


def test_import_failure_is_shown_in_the_dialog(window, tmp_path, qtbot):
    empty = tmp_path / "not-a-project"
    empty.mkdir()
    (empty / "readme.txt").write_text("hello", encoding="utf-8")
    dialog = window.project_page.ask_import()
    dialog.set_source(empty)
    dialog.start_import()
    qtbot.waitUntil(lambda: not dialog.running, timeout=WAIT_MS)
    assert dialog.banner.kind == "error"
    assert dialog.banner.text().startswith("Import failed: ")
    assert dialog.report is None
    assert not dialog.table.isVisible()
    assert dialog.import_button.isEnabled()
    assert not (tmp_path / "not-a-project-dtwin").exists()
    dialog.reject()
