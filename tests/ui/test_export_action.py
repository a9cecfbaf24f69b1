"""File → Export project…: enabled with a project, exports in a worker, tells the result."""

from __future__ import annotations

import threading
import zipfile
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from dtwin_gui.core import export

from .conftest import WAIT_MS

FAKE_KEY = "AKIAFAKEGUIEXPORT-never-export-me"


def file_menu_texts(window) -> list[str]:
    menu = window.menuBar().actions()[0].menu()
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def export_to(window, qtbot, out: Path | None) -> list[Path]:
    asked: list[Path] = []
    window.exporter.ask_path = lambda suggested: asked.append(suggested) or out
    window.export_action.trigger()
    if out is not None:
        qtbot.waitUntil(lambda: window.exporter.message is not None, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: not window.exporter.running, timeout=WAIT_MS)
    return asked


def test_export_is_in_the_file_menu_and_needs_a_project(window, project, qtbot):
    assert "&Export project…" in file_menu_texts(window)
    assert window.export_action.shortcut().toString() == "Ctrl+E"
    assert not window.export_action.isEnabled()
    assert window.open_project(project)
    assert window.export_action.isEnabled()


def test_export_writes_the_zip_and_lists_what_was_left_out(opened, project, tmp_path, qtbot):
    (project / "config_credentials.json").write_text(f'{{"key": "{FAKE_KEY}"}}')
    (project / "__pycache__").mkdir()
    out = tmp_path / "for-a-colleague.zip"

    asked = export_to(opened, qtbot, out)

    assert asked == [project.resolve().parent / "project.zip"]  # next to it, never inside
    box = opened.exporter.message
    assert box.icon() == QMessageBox.Icon.Information
    text = box.text()
    assert f"Wrote {out}" in text
    assert "1 file that looks like a secret was left out" in text
    assert "config_credentials.json — looks like a secret" in text
    assert "__pycache__/ — cache" in text
    assert FAKE_KEY not in text
    names = zipfile.ZipFile(out).namelist()
    assert "config.json" in names and "config_credentials.json" not in names
    assert opened.export_action.isEnabled()


def test_export_runs_off_the_gui_thread(opened, tmp_path, qtbot, monkeypatch):
    threads: list[threading.Thread] = []
    real = export.export_project

    def recording(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr("dtwin_gui.ui.export_action.export_project", recording)
    export_to(opened, qtbot, tmp_path / "twin.zip")
    assert threads and threads[0] is not threading.main_thread()


def test_a_name_without_zip_gets_the_suffix(opened, tmp_path, qtbot):
    export_to(opened, qtbot, tmp_path / "twin")
    assert opened.exporter.result.out == tmp_path / "twin.zip"
    assert zipfile.is_zipfile(tmp_path / "twin.zip")


def test_an_export_into_the_project_says_why_and_writes_nothing(opened, project, qtbot):
    export_to(opened, qtbot, project / "inside.zip")

    box = opened.exporter.message
    assert box.icon() == QMessageBox.Icon.Warning
    assert box.text().startswith("Export failed: ")
    assert "lies inside the project" in box.text()
    assert "Traceback" not in box.text()
    assert not (project / "inside.zip").exists()
    assert not [p for p in project.iterdir() if p.name.startswith(".inside.zip")]
    assert opened.export_action.isEnabled()  # one may try again


def test_cancelling_the_dialog_does_nothing(opened, qtbot):
    export_to(opened, qtbot, None)
    assert opened.exporter.message is None and not opened.exporter.running


def test_the_bundled_example_is_exported_to_the_projects_folder(window, qtbot):
    """Next to the bundled example is the app's own folder: suggest the projects folder."""
    from dtwin_gui.core.example import projects_dir, template_dir

    assert window.open_project(template_dir()) and window.session.read_only
    assert window.exporter.suggested_path() == projects_dir() / f"{template_dir().name}.zip"
