"""The entry point, the crash reporter and the icon."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from dtwin_gui.ui import app as app_module
from dtwin_gui.ui.crash import LOG_FILE_NAME, CrashReporter
from dtwin_gui.ui.main_window import MainWindow
from dtwin_gui.ui.resources import ICON_FILES, app_icon, resources_dir

pytestmark = pytest.mark.gui


@pytest.fixture
def isolated_logging():
    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "dtwin_log", False)]:
        root.removeHandler(handler)
        handler.close()


def test_main_opens_the_project_given_on_the_command_line(
    qapp, project, tmp_path, monkeypatch, isolated_logging
):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    QSettings.setPath(
        QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "config")
    )
    seen = {}

    def inspect_and_close():
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        window = windows[-1]
        seen["root"] = window.session.root
        seen["title"] = window.windowTitle()
        seen["icon"] = not qapp.windowIcon().isNull()
        window.close()

    QTimer.singleShot(300, inspect_and_close)
    safety = QTimer()
    safety.setSingleShot(True)
    safety.timeout.connect(qapp.quit)
    safety.start(10_000)
    assert app_module.main(["dtwin-gui", str(project)]) == 0
    safety.stop()
    assert seen["root"] == project.resolve()
    assert "factory-twin" in seen["title"]
    assert seen["icon"]
    assert qapp.applicationName() == "dtwin"
    assert isinstance(sys.excepthook, CrashReporter)
    assert (tmp_path / "state" / "dtwin" / "log" / LOG_FILE_NAME).is_file()


def test_icon_files_exist_and_load(qapp):
    folder = resources_dir()
    assert folder is not None
    for name in ICON_FILES:
        assert (folder / name).is_file()
    assert not app_icon().isNull()
    assert Path(folder / "dtwin.svg").read_text(encoding="utf-8").startswith("<svg")


def test_version_is_answered_without_starting_qt(capsys):
    with pytest.raises(SystemExit) as exit_info:
        app_module.main(["dtwin-gui", "--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == "dtwin 0.1.0"
