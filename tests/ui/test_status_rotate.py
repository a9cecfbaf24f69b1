"""Status page → "Rotate glue secrets…": confirm, rotate off the GUI thread, say what was done
(never a secret); a project on one cloud is told there is nothing to rotate."""

from __future__ import annotations

import threading

import pytest
from helpers import edit_json
from PySide6.QtWidgets import QMessageBox

from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.deploy import glue_secrets
from dtwin_gui.deploy.glue_secrets import GlueSecrets
from dtwin_gui.ui.pages.status_page import StatusPage
from dtwin_gui.ui.session import ProjectSession
from dtwin_gui.ui.target_choice import TargetChoice
from dtwin_gui.ui.workers import TaskRunner

from .conftest import WAIT_MS

pytestmark = pytest.mark.gui


@pytest.fixture
def make_page(qtbot, project):
    made = []

    def make():
        runner = TaskRunner()
        session = ProjectSession(runner)
        choice = TargetChoice(sandbox_factory=lambda: sandbox_target("http://127.0.0.1:9"))
        session.open(project)
        page = StatusPage(session, runner, choice)
        made.append((runner, page))
        return page

    yield make
    for runner, page in made:
        qtbot.waitUntil(lambda r=runner: r.active == 0, timeout=WAIT_MS)
        runner.shutdown()
        page.close()
        page.deleteLater()


def multi_cloud(project) -> None:
    edit_json(project / "config_providers.json", lambda d: d.update(layer_2_provider="azure"))


def press(box: QMessageBox, button: QMessageBox.StandardButton) -> None:
    box.button(button).click()


def test_rotate_asks_then_rotates_in_a_worker_and_tells_what_was_rotated(
    make_page, project, qtbot, monkeypatch
):
    multi_cloud(project)
    store = GlueSecrets(project, "sandbox")
    store.ensure()
    before = store.get("l1-l2-ingestion").current
    threads = []
    real = glue_secrets.GlueSecrets.rotate

    def recording(self):
        threads.append(threading.current_thread())
        return real(self)

    monkeypatch.setattr(glue_secrets.GlueSecrets, "rotate", recording)
    page = make_page()
    rotation = page.rotation
    assert rotation.button.text() == "Rotate glue secrets…" and rotation.button.isEnabled()

    rotation.button.click()
    box = rotation.question
    assert box is not None and threads == []  # nothing happens before the answer
    assert "2 cross-cloud boundaries" in box.text()
    assert "• l1-l2-ingestion" in box.text() and "• l2-l3hot-writer" in box.text()
    press(box, QMessageBox.StandardButton.Yes)

    qtbot.waitUntil(lambda: rotation.message is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not rotation.running, timeout=WAIT_MS)
    assert threads and threads[0] is not threading.main_thread()
    text = rotation.message.text()
    assert rotation.message.icon() == QMessageBox.Icon.Information
    assert "Rotated 2 glue secret(s)" in text
    assert "l1-l2-ingestion: new secret (generation 2)" in text
    assert "Kept in the OS keyring" in text and "Deploy again" in text
    after = store.get("l1-l2-ingestion")
    assert after.previous == before
    assert not any(v in text for v in [before, *store.secret_values()])
    assert rotation.button.isEnabled()


def test_cancel_rotates_nothing(make_page, project, qtbot):
    multi_cloud(project)
    store = GlueSecrets(project, "sandbox")
    store.ensure()
    before = store.secret_values()
    page = make_page()
    page.rotation.button.click()
    press(page.rotation.question, QMessageBox.StandardButton.Cancel)
    assert page.rotation.message is None and not page.rotation.running
    assert store.secret_values() == before


def test_a_project_on_one_cloud_is_told_there_is_nothing_to_rotate(make_page):
    page = make_page()
    page.rotation.button.click()
    assert page.rotation.question is None  # no confirmation for nothing
    box = page.rotation.message
    assert box.icon() == QMessageBox.Icon.Information
    assert "no cross-cloud boundary" in box.text()


def test_a_failure_is_a_message_not_a_traceback(make_page, project, qtbot, monkeypatch):
    multi_cloud(project)

    def refuse(self):
        raise glue_secrets.GlueSecretsError("the OS keyring refused it; unlock your keyring")

    monkeypatch.setattr(glue_secrets.GlueSecrets, "rotate", refuse)
    page = make_page()
    page.rotation.button.click()
    press(page.rotation.question, QMessageBox.StandardButton.Yes)
    qtbot.waitUntil(lambda: page.rotation.message is not None, timeout=WAIT_MS)
    box = page.rotation.message
    assert box.icon() == QMessageBox.Icon.Warning
    assert "were not rotated: the OS keyring refused it; unlock your keyring" in box.text()
    assert "Traceback" not in box.text()
