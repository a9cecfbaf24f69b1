"""Save a screenshot of each wizard page to docs/images/ (offscreen, 1280×800).

Runs on a temporary copy of upload/template (the repository's template is never touched):
the Project page; the Layers page with a mixed-cloud choice so cross-cloud hops (and the
layers this version cannot deploy yet) show; the Twin page on the valid project (devices,
then the Azure hierarchy); the Twin page on a
deliberately broken copy with a problem opened in the viewer; the import dialog's report
for a small older-format project and the imported project's Code page at a placeholder the
importer generated. Then, on a second copy against an in-process sandbox:
Credentials (sandbox, and AWS keys checked against the emulator), Code after a test run,
Review with a real plan, Deploy in progress and finished, the Status browser (tree, chart,
traced test telemetry), Settings; the twin is destroyed at the end. Last, an all-Azure copy
against the sandbox with its Azure emulator running too (Azurite, cosmosdb-server and the
HTTPS gateway): Credentials, Review, Deploy finished and Status with every Azure layer; that
twin is destroyed and the emulator stopped at the end. The same for an all-Google twin (L1-L3
on Google, L4/L5 "None"; the Pub/Sub and Firestore emulators, fake-gcs-server and the
gateway), with its Layers matrix and the Google sign-in form first. Last, a twin on all
three clouds (Google L1 and cold storage, AWS L2, archive and dashboards, Azure hot storage and
the twin model) on all three emulators: Layers, Credentials, Review, Deploy, Status, the
traced test message hop by hop, the cross-cloud hops' health and the function logs.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py [--out docs/images]
        [--only azure|google|three]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget

from dtwin_gui.core.providers import Cloud, Slot
from dtwin_gui.core.scaffold import template_dir
from dtwin_gui.ui.app import create_main_window
from dtwin_gui.ui.main_window import (
    CODE_STEP,
    CREDENTIALS_STEP,
    LAYERS_STEP,
    PROJECT_STEP,
    REVIEW_STEP,
    STATUS_STEP,
    TWIN_STEP,
)
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


ALL_AWS = {slot: Cloud.AWS for slot in Slot}


def wait_for(app: QApplication, condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the expected state in time")
        app.processEvents()
        time.sleep(0.01)
    for _ in range(5):
        app.processEvents()


def settle(app: QApplication, seconds: float) -> None:
    """Run the event loop for ``seconds`` (debounced reactions, such as the file watcher's)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


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
    put(
        "config_hierarchy.json",
        [
            {
                "type": "entity",
                "id": "bed-1",
                "children": [
                    {"type": "component", "name": "soil-sensor", "iotDeviceId": "soil-sensor"}
                ],
            }
        ],
    )
    put("config_credentials.json", {"aws": {"aws_access_key_id": "AKIAEXAMPLE"}})
    put("config_inter_cloud.json", {"token": "shared", "urls": {}})
    put(
        "lambda_functions/processors/soil-sensor/lambda_function.py",
        "def lambda_handler(event, context):\n    return event\n",
    )
    put("iot_device_simulator/payloads.json", [{"iotDeviceId": "soil-sensor", "moisture": 18.0}])
    return root


LIMITED_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["sts:*", "iam:*", "iot:*", "lambda:*", "logs:*", "s3:*"],
            "Resource": "*",
        }
    ],
}


def shoot_deploy_flow(app: QApplication, out: Path, tmp_path: Path) -> None:
    """Credentials, Code, Review, Deploy, Status and Settings, against an in-process sandbox."""
    from dtwin_gui.clouds.aws.connection import sandbox_target
    from dtwin_gui.clouds.aws.sandbox.emulator import AwsEmulator

    project = tmp_path / "plant-twin"
    shutil.copytree(template_dir(), project)
    with AwsEmulator(workdir=tmp_path / "functions") as aws:
        target = sandbox_target(aws.endpoint, aws.region)
        settings = QSettings(str(tmp_path / "settings2.ini"), QSettings.Format.IniFormat)
        window = create_main_window(settings, sandbox_factory=lambda: target)
        session = window.session
        window.resize(*SIZE)
        window.show()
        try:
            window.open_project(project)
            wait_for(app, lambda: session.report is not None and not session.validating)

            window.go_to(CREDENTIALS_STEP)
            save(window, out / "credentials.png")
            iam = aws.client("iam")
            iam.create_user(UserName="deployer")
            iam.put_user_policy(
                UserName="deployer", PolicyName="partial", PolicyDocument=json.dumps(LIMITED_POLICY)
            )
            key = iam.create_access_key(UserName="deployer")["AccessKey"]
            page = window.credentials_page
            page.aws_button.setChecked(True)
            page.aws._endpoint_url = aws.endpoint  # the check asks the emulator, not AWS
            page.aws.keys_mode.setChecked(True)
            page.aws.key_id.setText(key["AccessKeyId"])
            page.aws.secret.setText(key["SecretAccessKey"])
            page.aws.region.setCurrentText("us-east-1")
            page.aws.check()
            wait_for(app, lambda: page.aws.last_result is not None, 60)
            save(window, out / "credentials-aws.png")
            page.sandbox_button.setChecked(True)
            wait_for(app, lambda: window.choice.mode == "sandbox")

            window.go_to(CODE_STEP)
            code = window.code_page
            first = next(k for k in code.cards if k.startswith("processor:"))
            code.test_run(code.card(first).target)
            wait_for(app, lambda: not code.running, 60)
            save(window, out / "code.png")

            window.go_to(REVIEW_STEP)
            review = window.review_page
            review.make_plan()
            wait_for(app, lambda: review.review is not None, 300)
            review.review_tick.setChecked(True)
            save(window, out / "review.png")

            deploy = window.deploy_page
            outcome: list = []
            deploy.run_finished.connect(outcome.append)
            window.start_deploy(review.review.plan)
            wait_for(app, lambda: deploy.run.counts().done >= 25 or bool(outcome), 600)
            save(window, out / "deploy-running.png")
            wait_for(app, lambda: bool(outcome), 900)
            save(window, out / "deploy-done.png")

            status = window.status_page
            window.go_to(STATUS_STEP)
            wait_for(
                app, lambda: not status._refreshing and status.tree.topLevelItemCount() > 0, 120
            )
            from dtwin_gui.deploy.simulate import simulate

            simulate(project, target, count=12)
            status.send_test_telemetry()
            wait_for(app, lambda: not status._tracing, 180)
            time.sleep(2)
            status.poll_values()
            wait_for(app, lambda: not status._polling and bool(status.chart.series), 60)
            status.tabs.setCurrentIndex(0)
            save(window, out / "status.png")
            status.tabs.setCurrentIndex(1)
            save(window, out / "status-trace.png")

            dialog = window.open_settings()
            dialog.resize(760, 520)
            wait_for(app, dialog.isVisible)
            save(dialog, out / "settings.png")
            dialog.close()

            outcome.clear()
            window.start_destroy()
            wait_for(app, lambda: bool(outcome), 600)
        finally:
            window.close()
            wait_for(app, lambda: window.runner.active == 0, 120)


AZURE_SPEC, GOOGLE_SPEC = (
    "dtwin_gui.clouds.azure.sandbox.spec",
    "dtwin_gui.clouds.google.sandbox.spec",
)
#: A twin on all three clouds (the issue-16 matrix's last listed row).
THREE = {
    Slot.L1: Cloud.GOOGLE,
    Slot.L2: Cloud.AWS,
    Slot.L3_HOT: Cloud.AZURE,
    Slot.L3_COLD: Cloud.GOOGLE,
    Slot.L3_ARCHIVE: Cloud.AWS,
    Slot.L4: Cloud.AZURE,
    Slot.L5: Cloud.AWS,
}
CLOUD_FLOWS = {
    # pass (the pictures' prefix) -> (the emulators started beside AWS's, the Layers preset)
    "azure": ((AZURE_SPEC,), "All Azure"),
    "google": ((GOOGLE_SPEC,), "All Google where possible"),
    "three": ((AZURE_SPEC, GOOGLE_SPEC), THREE),
}


def shoot_cloud_flow(app: QApplication, out: Path, tmp_path: Path, cloud: str) -> None:
    """Credentials, Review, Deploy and Status for an all-Azure or all-Google twin, against the
    in-process sandbox with that cloud's emulator running next to the AWS one (as the daemon
    runs them all)."""
    import importlib

    from dtwin_gui.clouds import sandbox_connections
    from dtwin_gui.clouds.aws.sandbox.emulator import AwsEmulator

    # The sandbox's clients do not verify the emulators' self-signed certificates.
    warnings.filterwarnings("ignore", "Unverified HTTPS request")

    spec_modules, preset = CLOUD_FLOWS[cloud]
    project = tmp_path / f"{cloud}-twin"
    shutil.copytree(template_dir(), project)
    emulators = []
    try:
        for n, module in enumerate(spec_modules):  # one after the other, as the daemon does
            start = importlib.import_module(module).start
            emulators.append(start(tmp_path / f"{cloud}-emulator-{n}"))
        with AwsEmulator(workdir=tmp_path / f"{cloud}-functions") as aws:
            endpoints = {Cloud.AWS: aws.endpoint}
            for emulator in emulators:
                endpoints.update(emulator.endpoints)
            settings = QSettings(str(tmp_path / f"{cloud}.ini"), QSettings.Format.IniFormat)
            window = create_main_window(
                settings, sandbox_factory=lambda: sandbox_connections(endpoints, aws.region)
            )
            _cloud_pages(app, window, project, out, cloud, preset)
    finally:
        for emulator in emulators:
            emulator.stop()


def _cloud_pages(app: QApplication, window, project: Path, out: Path, cloud: str, preset) -> None:
    from dtwin_gui.core.providers import PRESETS

    session = window.session
    window.resize(*SIZE)
    window.show()
    try:
        window.open_project(project)
        wait_for(app, lambda: session.report is not None and not session.validating)
        session.set_providers(PRESETS[preset] if isinstance(preset, str) else preset)
        settle(app, 2.0)  # the file watcher's own reload of the choice, before a plan
        wait_for(app, lambda: session.report is not None and not session.validating)
        if cloud in ("google", "three"):  # the matrix with L4/L5 on "None"; the hops
            window.go_to(LAYERS_STEP)
            save(window, out / f"{cloud}-layers.png")

        window.go_to(CREDENTIALS_STEP)
        page = window.credentials_page
        if cloud == "google":  # the Google sign-in form (a key file or ADC)
            page.aws_button.setChecked(True)
            settle(app, 1.0)
            save(window, out / "google-signin.png")
        page.sandbox_button.setChecked(True)
        wait_for(app, lambda: window.choice.mode == "sandbox")
        save(window, out / f"{cloud}-credentials.png")

        window.go_to(REVIEW_STEP)
        review = window.review_page
        review.make_plan()
        wait_for(app, lambda: not review.bridge.running, 300)
        if review.review is None:
            save(window, out / f"{cloud}-review.png")
            raise RuntimeError(f"no plan: {review.banner.label.text()}")
        if review.stale:
            raise RuntimeError(f"the plan went stale: {review.stale_reason}")
        review.review_tick.setChecked(True)
        save(window, out / f"{cloud}-review.png")

        deploy = window.deploy_page
        outcome: list = []
        deploy.run_finished.connect(outcome.append)
        window.start_deploy(review.review.plan)
        wait_for(app, lambda: bool(outcome), 900)
        save(window, out / f"{cloud}-deploy.png")

        status = window.status_page
        window.go_to(STATUS_STEP)
        wait_for(app, lambda: not status._refreshing and status.tree.topLevelItemCount() > 0, 120)
        from dtwin_gui.deploy.simulate import simulate

        # Telemetry in as each device (IoT Hub / Pub/Sub), back through the L3 hot reader.
        simulate(project, window.choice.make_connections(), count=12)
        time.sleep(2)
        status.poll_values()
        wait_for(app, lambda: not status._polling and bool(status.chart.series), 60)
        status.refresh()  # the tree counts the hot store's new items
        wait_for(app, lambda: not status._refreshing and status.tree.topLevelItemCount() > 0, 120)
        for row in range(3):  # L1, L2 and L3 hot opened: what each layer's row stands for
            status.tree.topLevelItem(row).setExpanded(True)
        status.tabs.setCurrentIndex(0)
        save(window, out / f"{cloud}-status.png")
        if cloud == "three":
            # The traced test message hop by hop across the clouds, then every hop's health.
            status.tabs.setCurrentWidget(status.trace)
            status.send_test_telemetry()
            wait_for(app, lambda: not status._tracing, 120)
            save(window, out / "three-trace.png")
            status.refresh()
            wait_for(app, lambda: not status._refreshing, 120)
            status.tabs.setCurrentWidget(status.hops)
            save(window, out / "three-hops.png")
            # What the functions printed, errors first; the processor's lines picked.
            status.tabs.setCurrentWidget(status.logs)
            picker = status.logs.function
            picker.setCurrentIndex(max(picker.findData("processor-temperature-sensor-1"), 0))
            status.logs.refresh()
            wait_for(app, lambda: not status.logs._reading, 120)
            save(window, out / "three-logs.png")

        outcome.clear()
        window.start_destroy()
        wait_for(app, lambda: bool(outcome), 600)
    finally:
        window.close()
        wait_for(app, lambda: window.runner.active == 0, 120)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "images")
    parser.add_argument(
        "--only",
        choices=sorted(CLOUD_FLOWS),
        help="only the all-Azure, all-Google or three-cloud pass (its pictures)",
    )
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

    if args.only:
        with tempfile.TemporaryDirectory(prefix="dtwin-shots-") as tmp:
            try:
                shoot_cloud_flow(app, out, Path(tmp), args.only)
            finally:
                collector.stop()
        return 0

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

            def choose(providers: dict[Slot, Cloud]) -> None:
                session.set_providers(providers)
                wait_for(app, lambda: session.report is not None and not session.validating)

            # Mixed clouds: the hops, and the cells this version cannot deploy yet.
            choose(MIXED)
            window.go_to(LAYERS_STEP)
            save(window, out / "layers.png")

            choose(ALL_AWS)
            window.go_to(TWIN_STEP)
            save(window, out / "twin.png")
            choose({**ALL_AWS, Slot.L4: Cloud.AZURE})
            window.twin_page.tabs.setCurrentIndex(2)
            save(window, out / "twin-hierarchy.png")

            choose(ALL_AWS)
            break_project(project)
            broken = ("config_iot_devices.json", "config_events.json")
            wait_for(
                app,
                lambda: bool(
                    session.report and any(p.file in broken for p in session.report.errors)
                ),
            )
            panel = window.twin_page.problems
            panel.list.setCurrentRow(0)
            # As on a desktop with an editor: the launch works (here it opens nothing).
            window.twin_page.viewer.launcher = lambda _url: True
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
            # The imported project's Code page, at a placeholder the importer generated.
            dialog.open_button.click()
            wait_for(
                app,
                lambda: (
                    session.root == (tmp_path / "older-greenhouse-dtwin").resolve()
                    and session.report is not None
                    and not session.validating
                ),
            )
            window.go_to(CODE_STEP)
            code_page = window.code_page
            wait_for(app, lambda: bool(code_page.generated_cards()))
            code_page.show_next_generated()
            save(window, out / "code-imported.png")
        finally:
            window.close()
        try:
            shoot_deploy_flow(app, out, tmp_path)
            for cloud in CLOUD_FLOWS:
                shoot_cloud_flow(app, out, tmp_path, cloud)
        finally:
            collector.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
