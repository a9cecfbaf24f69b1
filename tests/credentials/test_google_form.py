"""The Credentials page's Google form (pytest-qt, offscreen): ADC or a key file whose path is
remembered and whose key is never copied, the check on a worker, the permission table per
layer and the copyable role list and custom role.

The sign-in and ``testIamPermissions`` go through the real google-auth code over recorded
Google answers (see test_google_permissions: no emulator serves Google IAM or OAuth).
"""

from __future__ import annotations

import functools
import json
import re
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from dtwin_gui.clouds.google import permissions as perms
from dtwin_gui.clouds.google.preflight import check_google
from dtwin_gui.credentials.store import CredentialChoices, GoogleChoice, save_choices
from dtwin_gui.ui.widgets.credentials_google import GoogleCredentialsPanel
from dtwin_gui.ui.workers import TaskRunner

from .test_google_permissions import EMAIL, PROJECT, Recorded, key_file, private_key_pem

pytestmark = pytest.mark.gui
WAIT_MS = 20_000
__all__ = ["key_file", "private_key_pem"]  # fixtures


def _every(layers):
    return {p for ps in perms.required_permissions(layers).values() for p in ps}


@pytest.fixture
def made(qtbot):
    runner = TaskRunner()
    panels = []

    def make(check=check_google, layers=("L1", "L3_hot")):
        panel = GoogleCredentialsPanel(GoogleChoice(), runner, lambda: list(layers), check=check)
        qtbot.addWidget(panel)
        panel.resize(900, 900)
        panel.show()
        panels.append(panel)
        return panel

    yield make
    runner.shutdown()


def _click(qtbot, button):
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_the_key_file_path_is_remembered_and_the_key_never_copied(made, key_file, tmp_path):
    panel = made()
    assert set(panel.mode_buttons) == {"adc", "file"}
    assert panel.adc_hint.isVisible() and not panel.file_row.isVisible()
    panel.mode_buttons["file"].setChecked(True)
    assert panel.file_row.isVisible() and panel.key_note.isVisible()
    assert not panel.adc_hint.isVisible()
    panel.key_file.setText(str(key_file))
    panel.project.setText(PROJECT)
    panel.key_file.editingFinished.emit()
    assert panel.choice.key_file == str(key_file) and panel.choice.project_id == PROJECT
    saved = save_choices(CredentialChoices(google=panel.choice), tmp_path / "credentials.json")
    text = saved.read_text()
    assert json.loads(text)["google"]["key_file"] == str(key_file)
    assert "PRIVATE KEY" not in text
    assert panel.label == "Google Cloud · key file · europe-west1"


def test_the_check_runs_on_a_worker_and_shows_each_layer(made, qtbot, key_file):
    missing = {"pubsub.topics.publish", "datastore.indexes.create"}
    threads = []

    def check(choice, **kw):
        threads.append(threading.current_thread())
        return check_google(choice, adapter=Recorded(held=_every(None) - missing), **kw)

    panel = made(check)
    panel.mode_buttons["file"].setChecked(True)
    panel.key_file.setText(str(key_file))
    _click(qtbot, panel.check_button)
    assert not panel.check_button.isEnabled()  # the GUI goes on while the worker checks
    qtbot.waitUntil(lambda: panel.last_result is not None, timeout=WAIT_MS)
    qtbot.waitUntil(panel.check_button.isEnabled, timeout=WAIT_MS)
    assert threads and threads[0] is not threading.main_thread()
    assert panel.last_result.ok, panel.last_result.message
    assert "Credentials work" in panel.result.text() and EMAIL in panel.result.text()
    table = panel.permissions
    assert table.isVisible() and table.groups() == ["setup", "L1", "L3_hot"]
    assert "Pub/Sub" in table.topLevelItem(1).text(0)
    assert table.summary("L1").endswith("1 denied")
    assert table.summary("setup") == f"{len(perms.required_permissions()['setup'])} allowed"
    assert table.decision("L1", "pubsub.topics.publish") == "✖ denied"
    assert table.decision("L3_hot", "datastore.databases.create") == "✔ allowed"
    note = panel.permissions_note.text()
    assert "2 permissions are missing" in note and "roles/pubsub.editor" in note

    assert panel.copy_roles_button.isVisible() and "missing" in panel.copy_roles_button.text()
    _click(qtbot, panel.copy_roles_button)
    copied = QApplication.clipboard().text()
    assert f'--member="serviceAccount:{EMAIL}" --role="roles/datastore.owner"' in copied
    assert "roles/storage.admin" not in copied  # only what is missing
    _click(qtbot, panel.copy_role_button)
    role = QApplication.clipboard().text()
    assert re.findall(r"^- (\S+)$", role, re.MULTILINE) == sorted(missing)


def test_a_missing_key_file_is_a_sentence_and_no_table(made, qtbot, tmp_path):
    panel = made(functools.partial(check_google, adapter=Recorded()))
    panel.mode_buttons["file"].setChecked(True)
    panel.key_file.setText(str(tmp_path / "gone.json"))
    _click(qtbot, panel.check_button)
    qtbot.waitUntil(lambda: panel.last_result is not None, timeout=WAIT_MS)
    assert "does not exist" in panel.result.text()
    assert not panel.permissions.isVisible() and not panel.copy_roles_button.isVisible()


def test_the_adc_hint_sits_under_the_mode_buttons_without_a_gap(made):
    from PySide6.QtWidgets import QApplication

    panel = made()
    panel.resize(1020, panel.heightForWidth(1020))
    QApplication.processEvents()
    buttons = panel.mode_buttons["adc"]
    below_buttons = buttons.mapTo(panel, buttons.rect().bottomLeft()).y()
    hint = panel.adc_hint
    assert hint.mapTo(panel, hint.rect().topLeft()).y() - below_buttons < 16
    assert hint.height() <= hint.heightForWidth(hint.width()) + 4  # no blank lines kept
