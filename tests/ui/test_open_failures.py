"""Log folders and console links that no desktop application opens are explained, not lost."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QGuiApplication

from dtwin_gui.ui.open_file import OpenFailedDialog
from dtwin_gui.ui.pages.deploy_page import DeployPage
from dtwin_gui.ui.pages.status_page import StatusPage
from dtwin_gui.ui.session import ProjectSession
from dtwin_gui.ui.target_choice import TargetChoice
from dtwin_gui.ui.workers import TaskRunner

pytestmark = pytest.mark.gui


def _fails(url) -> bool:
    return False


def _dialogs(parent) -> list[OpenFailedDialog]:
    return [d for d in parent.findChildren(OpenFailedDialog) if d.isVisible()]


@pytest.fixture
def runner():
    runner = TaskRunner()
    yield runner
    runner.shutdown()


def test_the_log_folder_of_the_window_is_explained_when_it_cannot_open(window, tmp_path):
    window._log_dir = tmp_path
    window.launcher = _fails
    window._open_log_folder()
    [dialog] = _dialogs(window)
    assert str(tmp_path) in dialog.note.label.text()


def test_the_run_logs_of_the_deploy_page_are_explained_when_they_cannot_open(
    qtbot, runner, tmp_path
):
    page = DeployPage(ProjectSession(runner), runner, TargetChoice())
    qtbot.addWidget(page)
    page.log_path = tmp_path / "runs" / "run.jsonl"
    page.log_path.parent.mkdir()
    page.launcher = _fails
    page.open_logs()
    [dialog] = _dialogs(page)
    assert str(tmp_path / "runs") in dialog.note.label.text()


def test_a_console_link_with_no_browser_is_copied_and_explained(qtbot, runner):
    page = StatusPage(ProjectSession(runner), runner, TargetChoice())
    qtbot.addWidget(page)
    page.launcher = _fails
    url = "https://console.aws.amazon.com/lambda/home?region=eu-west-1"
    page.open_console(url)
    assert QGuiApplication.clipboard().text() == url
    assert url in page.console_failure.text()
    page.console_failure.close()
