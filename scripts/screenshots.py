"""Save a screenshot of each wizard page to docs/images/ (offscreen, 1280×800).

Runs on a temporary copy of upload/template (the repository's template is never touched):
the Project page; the Layers page with a mixed-cloud choice so cross-cloud hops show; the
Twin page on the valid project (devices, then the Azure hierarchy); the Twin page on a
deliberately broken copy with a problem opened in the viewer; and the import dialog's report
for a small older-format project.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py [--out docs/images]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget

from dtwin_gui.core.providers import Cloud, Slot
from dtwin_gui.core.scaffold import template_dir
from dtwin_gui.ui.app import create_main_window
from dtwin_gui.ui.main_window import LAYERS_STEP, PROJECT_STEP, TWIN_STEP
from dtwin_gui.ui.pyside_fixes import MainThreadGarbageCollector
from dtwin_gui.ui.resources import app_icon
from dtwin_gui.ui.theme import apply_theme

REPO = Path(__file__).resolve().parent.parent
SIZE = (1280, 800)

MIXED = {
    Slot.L1: Cloud.AWS,
    Slot.L2: Cloud.AWS,
    Slot.L3_HOT: Cloud.AZURE,
    Slot.L3_COLD: Cloud.AZURE,
    Slot.L3_ARCHIVE: Cloud.GOOGLE,
    Slot.L4: Cloud.AZURE,
    Slot.L5: Cloud.AWS,
}


def wait_for(app: QApplication, condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the expected state in time")
        app.processEvents()
        time.sleep(0.01)
    for _ in range(5):
        app.processEvents()


def save(widget: QWidget, path: Path) -> None:
    QApplication.processEvents()
    if not widget.grab().save(str(path)):
        raise OSError(f"could not write {path}")
    print(f"wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")


def break_project(root: Path) -> None:
    """Introduce typical mistakes: an unknown data type and a rule naming a missing device."""
    devices_path = root / "config_iot_devices.json"
    devices = json.loads(devices_path.read_text(encoding="utf-8"))
    devices[1]["properties"][0]["dataType"] = "FLOAT"
    devices_path.write_text(json.dumps(devices, indent=2) + "\n", encoding="utf-8")
    events_path = root / "config_events.json"
    events = json.loads(events_path.read_text(encoding="utf-8"))
    events[0]["condition"] = "temperature-sensor-9.temperature > DOUBLE(40.5)"
    events_path.write_text(json.dumps(events, indent=2) + "\n", encoding="utf-8")


def make_older_project(root: Path) -> Path:
    """A small project in the older deployer's format (see reference docs)."""
    root.mkdir(parents=True)

    def put(rel: str, data: object) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        text = data if isinstance(data, str) else json.dumps(data, indent=2)
        path.write_text(text, encoding="utf-8")

    put(
        "config.json",
        {
            "digital_twin_name": "greenhouse",
            "hot_storage_size_in_days": 7,
            "cold_storage_size_in_days": 30,
            "mode": "DEBUG",
        },
    )
    put(
        "config_iot_devices.json",
        [{"id": "soil-sensor", "properties": [{"name": "moisture", "dataType": "DOUBLE"}]}],
    )
    put(
        "config_events.json",
        [
            {
                "condition": "greenhouse.soil-sensor.moisture < DOUBLE(20.5)",
                "action": {
                    "type": "lambda",
                    "functionName": "water-plants",
                    "feedback": {"type": "mqtt", "iotDeviceId": "soil-sensor", "payload": {}},
                },
            }
        ],
    )
    layers = ("1", "2", "3_hot", "3_cold", "3_archive", "4", "5")
    put("config_providers.json", {f"layer_{n}_provider": "aws" for n in layers})
    put(
        "config_optimization.json",
        {"result": {"inputParamsUsed": {"useEventChecking": True, "returnFeedbackToDevice": True}}},
    )
    put("config_credentials.json", {"aws": {"aws_access_key_id": "AKIAEXAMPLE"}})
    put("config_inter_cloud.json", {"token": "shared", "urls": {}})
    put(
        "lambda_functions/processors/soil-sensor/lambda_function.py",
        "def lambda_handler(event, context):\n    return event\n",
    )
    put("iot_device_simulator/payloads.json", [{"iotDeviceId": "soil-sensor", "moisture": 18.0}])
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "images")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("dtwin")
    app.setOrganizationName("dtwin")
    app.setWindowIcon(app_icon())
    apply_theme(app)
    collector = MainThreadGarbageCollector(parent=app)
    collector.start()

    with tempfile.TemporaryDirectory(prefix="dtwin-shots-") as tmp:
        tmp_path = Path(tmp)
        project = tmp_path / "factory-twin"
        shutil.copytree(template_dir(), project)
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        window = create_main_window(settings)
        session = window.session
        window.resize(*SIZE)
        window.show()
        try:
            if not window.open_project(project):
                raise RuntimeError(window.project_page.banner.label.text())
            wait_for(app, lambda: session.report is not None and not session.validating)
            window.go_to(PROJECT_STEP)
            save(window, out / "project.png")

            session.set_providers(MIXED)
            wait_for(app, lambda: session.report is not None and not session.validating)
            window.go_to(LAYERS_STEP)
            save(window, out / "layers.png")

            window.go_to(TWIN_STEP)
            save(window, out / "twin.png")
            window.twin_page.tabs.setCurrentIndex(2)
            save(window, out / "twin-hierarchy.png")

            break_project(project)
            wait_for(app, lambda: bool(session.report and session.report.errors))
            panel = window.twin_page.problems
            panel.list.setCurrentRow(0)
            window.twin_page.open_problem(panel.visible_problems()[0])
            window.twin_page.tabs.setCurrentIndex(1)
            save(window, out / "twin-problems.png")

            older = make_older_project(tmp_path / "older-greenhouse")
            window.go_to(PROJECT_STEP)
            dialog = window.project_page.ask_import()
            dialog.resize(1100, 640)
            dialog.set_source(older)
            dialog.start_import()
            wait_for(app, lambda: not dialog.running)
            save(dialog, out / "import.png")
            dialog.close()
        finally:
            window.close()
            collector.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
