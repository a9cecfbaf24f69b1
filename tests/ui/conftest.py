"""Fixtures for the GUI tests: offscreen Qt, a themed app, windows on temporary projects."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if os.environ["QT_QPA_PLATFORM"] == "offscreen":
    # The offscreen screen is 800×800 by default; Qt would squeeze restored windows into it.
    screen = Path(__file__).with_name("offscreen-screen.json")
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={screen}"

import gc
import json

import pytest
from PySide6.QtCore import QObject, QSettings, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from dtwin_gui.ui.app import create_main_window
from dtwin_gui.ui.main_window import MainWindow
from dtwin_gui.ui.theme import apply_theme

#: Generous: validation takes milliseconds, the file watcher waits 300 ms for quiet.
WAIT_MS = 5000


class UrlRecorder(QObject):
    """Stands in for the desktop's file opener, so no test launches an editor."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)

    def paths(self) -> list[Path]:
        return [Path(u.toLocalFile()) for u in self.urls]


@pytest.fixture(autouse=True)
def _themed(qapp):
    apply_theme(qapp)


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_gui_thread_only():
    """As the app does (MainThreadGarbageCollector): no collection inside worker threads."""
    gc.collect()
    gc.disable()
    yield
    gc.enable()
    gc.collect()


@pytest.fixture(autouse=True)
def opened_urls(qapp):
    """Every file URL the code under test asked the desktop to open."""
    recorder = UrlRecorder()
    QDesktopServices.setUrlHandler("file", recorder, "open")
    yield recorder
    QDesktopServices.unsetUrlHandler("file")


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def no_sandbox():
    """The window fixture's sandbox: GUI tests that need one start the emulator themselves."""
    raise RuntimeError("this test has no sandbox (use the aws fixture and sandbox_factory)")


@pytest.fixture
def window(qtbot, settings):
    """The main window with no project open; no thread may outlive it."""
    win = create_main_window(settings, sandbox_factory=no_sandbox)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
    assert win.runner.active == 0, "a worker thread outlived the window"


def wait_checked(qtbot, win: MainWindow) -> None:
    """Wait until the latest validation of ``win``'s project has arrived."""
    session = win.session
    qtbot.waitUntil(lambda: session.report is not None and not session.validating, timeout=WAIT_MS)


@pytest.fixture
def opened(window, project, qtbot) -> MainWindow:
    """The main window on a fresh copy of the example project, validated."""
    assert window.open_project(project)
    wait_checked(qtbot, window)
    return window


def write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
