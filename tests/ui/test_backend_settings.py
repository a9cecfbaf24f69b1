"""The Settings dialog's state backend section (issue 17): one backend per target, saved in
the app settings (never the project), checked before saving, and "Create it for me" in a
worker against the emulated AWS (moto behind the sandbox gateway)."""

from __future__ import annotations

import json
import time

import pytest

from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.clouds.base import SANDBOX, Connections
from dtwin_gui.iac.backend import parse_backend
from dtwin_gui.settings import TargetBackend, load_settings
from dtwin_gui.ui.dialogs.settings_dialog import SettingsDialog
from dtwin_gui.ui.widgets.backend_settings import BackendSettings
from dtwin_gui.ui.workers import TaskRunner

pytestmark = pytest.mark.gui

WAIT_MS = 20_000


@pytest.fixture
def settings_file(tmp_path):
    return tmp_path / "config" / "settings.json"


@pytest.fixture
def dialog(qtbot, settings_file):
    dlg = SettingsDialog(path=settings_file)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    yield dlg
    dlg.reject()
    assert not dlg.checking


def choose(section: BackendSettings, target: str, kind: str, **fields) -> None:
    section.target.setCurrentIndex(section.target.findData(target))
    section.kind.setCurrentIndex(section.kind.findData(kind))
    for name, value in fields.items():
        section.edits[name].setText(value)


def test_each_target_gets_its_own_backend_and_it_is_saved(qtbot, dialog, settings_file):
    qtbot.waitUntil(lambda: not dialog.checking, timeout=WAIT_MS)
    section = dialog.backends
    assert section.kind.currentData() == "local" and not section.create.isVisibleTo(dialog)
    choose(section, "sandbox", "s3", bucket="team-state", key="dtwin/f/terraform.tfstate")
    assert section.create.isVisibleTo(dialog)
    assert not section.edits["container"].isVisibleTo(dialog)  # only the kind's fields
    section.move_existing.setChecked(True)
    choose(
        section,
        "aws",
        "gcs",
        bucket="team-state-prod",
        prefix="dtwin/f",
    )
    choose(section, "sandbox", "s3")  # back: what was entered is still there
    assert section.edits["bucket"].text() == "team-state"
    dialog.save_button.click()
    assert not dialog.isVisible()
    saved = load_settings(settings_file)
    assert saved.backend_for("sandbox") == parse_backend(
        "s3://team-state/dtwin/f/terraform.tfstate"
    )
    assert saved.moves_state("sandbox")
    assert saved.backend_for("aws") == parse_backend("gcs://team-state-prod/dtwin/f")
    text = settings_file.read_text()
    assert "secret" not in text and "access_key" not in text


def test_a_wrong_backend_blocks_saving_with_the_reason(qtbot, dialog, settings_file):
    qtbot.waitUntil(lambda: not dialog.checking, timeout=WAIT_MS)
    choose(dialog.backends, "sandbox", "s3", bucket="Bad_Bucket", key="k")
    dialog.save_button.click()
    assert "is not an S3 bucket name" in dialog.banner.text()
    assert dialog.isVisible() and not settings_file.exists()


def test_create_it_for_me_runs_in_a_worker(qtbot, aws):
    connections = Connections(SANDBOX, {"aws": sandbox_target(aws.endpoint, aws.region)})
    asked: list[str] = []

    def connect(target):
        asked.append(target)
        time.sleep(0.3)  # a slow sign-in must not hold the GUI thread
        return connections

    runner = TaskRunner()
    section = BackendSettings({}, runner, connect=connect)
    qtbot.addWidget(section)
    choose(section, "sandbox", "s3", bucket="team-state", key="t/terraform.tfstate")
    started = time.monotonic()
    section.create.click()
    assert time.monotonic() - started < 0.25  # returned at once: the work is on a thread
    assert not section.create.isEnabled() and section.status.text().startswith("Creating s3://")
    qtbot.waitUntil(lambda: runner.active == 0, timeout=WAIT_MS)
    assert asked == ["sandbox"] and section.create.isEnabled()
    assert section.status.text().startswith("✔ s3://team-state/t/terraform.tfstate: created")
    s3 = aws.client("s3")
    assert s3.get_bucket_versioning(Bucket="team-state")["Status"] == "Enabled"
    # an unreachable cloud is said, not raised
    section.edits["bucket"].setText("other-bucket")
    section._connect = lambda target: Connections(SANDBOX, {})
    section.create.click()
    qtbot.waitUntil(lambda: runner.active == 0, timeout=WAIT_MS)
    assert "Could not create it: making s3://other-bucket" in section.status.text()
    assert "needs a connection to aws" in section.status.text()
    runner.shutdown()


def test_values_leave_local_targets_out(qtbot):
    kept = {"sandbox": TargetBackend(backend=parse_backend("s3://team-state/k"))}
    section = BackendSettings(kept, TaskRunner())
    qtbot.addWidget(section)
    assert section.values() == kept
    choose(section, "sandbox", "local")
    assert section.values() == {}
    assert json.dumps({k: v.model_dump() for k, v in section.values().items()}) == "{}"
