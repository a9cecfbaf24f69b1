"""Opening a file or folder with the desktop's application, or saying why not, with Copy."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from dtwin_gui.ui.dialogs.crash_dialog import CrashDialog
from dtwin_gui.ui.open_file import open_or_tell
from dtwin_gui.ui.pages.code_page import CodePage
from dtwin_gui.ui.session import ProjectSession
from dtwin_gui.ui.workers import TaskRunner

from .conftest import WAIT_MS

pytestmark = pytest.mark.gui

T1 = "processor:temperature-sensor-1"
T1_FILE = "processors/temperature-sensor-1/process.py"


class Launcher:
    """Stands in for the desktop's opener: records what it was asked and answers ``works``."""

    def __init__(self, works: bool) -> None:
        self.works = works
        self.paths: list[str] = []

    def __call__(self, url) -> bool:
        self.paths.append(url.toLocalFile())
        return self.works


@pytest.fixture
def launcher():
    return Launcher(works=False)


@pytest.fixture
def page(qtbot, project, launcher):
    runner = TaskRunner()
    session = ProjectSession(runner, debounce_ms=100)
    session.open(project)
    widget = CodePage(session, runner, launcher=launcher)
    qtbot.addWidget(widget)
    widget.resize(1000, 900)
    widget.show()
    qtbot.waitUntil(lambda: session.report is not None and not session.validating, timeout=WAIT_MS)
    yield widget
    session.close()
    assert runner.active == 0, "a worker thread outlived the page"


def test_no_launcher_shows_the_path_and_copies_it(page, project, qtbot, launcher):
    card = page.card(T1)
    assert not card.open_failed.isVisibleTo(card)
    qtbot.mouseClick(card.open_button, Qt.MouseButton.LeftButton)
    path = str(project.resolve() / T1_FILE)
    assert launcher.paths == [path]
    assert card.open_failed.isVisibleTo(card)
    text = card.open_failed.label.text()
    assert f"No editor could be started for {path}" in text
    assert "Open the file in your editor yourself" in text
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(card.open_failed.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == path
    assert card.open_failed.copy_button.text() == "Copied"
    # only the card whose file failed says so
    assert not page.card("processor:temperature-sensor-2").open_failed.isVisibleTo(page)


def test_a_working_launcher_opens_the_file_and_shows_nothing(page, project, qtbot, launcher):
    launcher.works = True
    card = page.card(T1)
    qtbot.mouseClick(card.open_button, Qt.MouseButton.LeftButton)
    assert launcher.paths == [str(project.resolve() / T1_FILE)]
    assert not card.open_failed.isVisibleTo(card)


def test_the_desktop_launcher_is_the_default(page, project, qtbot, opened_urls):
    page.launcher = None  # QDesktopServices, here answered by the tests' URL recorder
    card = page.card(T1)
    qtbot.mouseClick(card.open_button, Qt.MouseButton.LeftButton)
    assert opened_urls.paths() == [project.resolve() / T1_FILE]
    assert not card.open_failed.isVisibleTo(card)


def test_the_crash_dialog_shows_the_log_folder_when_no_file_manager_starts(qtbot, tmp_path):
    log_file = tmp_path / "logs" / "dtwin.log"
    log_file.parent.mkdir()
    log_file.write_text("", encoding="utf-8")
    box = CrashDialog(RuntimeError("the disk is full"), "Traceback …", log_file, None)
    qtbot.addWidget(box)
    box.launcher = Launcher(works=False)
    box.show()
    assert "Copy path" not in box.visible_text()
    qtbot.mouseClick(box.open_log_button, Qt.MouseButton.LeftButton)
    assert box.launcher.paths == [str(log_file.parent)]
    assert f"No file manager could be started for {log_file.parent}" in box.visible_text()
    qtbot.mouseClick(box.open_failed.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == str(log_file.parent)


def test_open_or_tell_opens_a_window_with_the_path_only_on_failure(qtbot, tmp_path):
    assert open_or_tell(tmp_path, None, Launcher(works=True)) is None
    dialog = open_or_tell(tmp_path, None, Launcher(works=False))
    qtbot.addWidget(dialog)
    assert dialog.isVisible() and str(tmp_path) in dialog.note.label.text()
    qtbot.mouseClick(dialog.note.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == str(tmp_path)
