"""The Twin page's file preview follows the file on disk, and says when it cannot open it."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from dtwin_gui.core.problems import Severity
from dtwin_gui.core.project import EVENTS
from dtwin_gui.ui.main_window import TWIN_STEP

from .conftest import WAIT_MS

pytestmark = pytest.mark.gui

BROKEN = """[
  {
    "condition": "temperature-sensor-1.temperature > DOUBLE(40.5)",
    "action": {"type": "function", "functionName": "high-temperature-alert"}
  },
  {
    "condition": "pressure-sensor-1.pressure > 3"
    "action": {"type": "function"}
  }
]
"""
FIXED = BROKEN.replace(
    '"pressure-sensor-1.pressure > 3"', '"pressure-sensor-1.pressure > 3",'
).replace('{"type": "function"}', '{"type": "function", "functionName": "high-temperature-alert"}')


@pytest.fixture
def twin(opened):
    opened.go_to(TWIN_STEP)
    return opened.twin_page


def event_errors(twin):
    return [
        p
        for p in twin.problems.visible_problems()
        if p.file == EVENTS and p.severity is Severity.ERROR
    ]


def open_first_error(twin, qtbot):
    qtbot.waitUntil(lambda: bool(event_errors(twin)), timeout=WAIT_MS)
    twin.problems.list.setCurrentRow(twin.problems.row_of(event_errors(twin)[0]))
    twin.problems.list.setFocus()
    qtbot.keyClick(twin.problems.list, Qt.Key.Key_Return)


def line_text(viewer, line: int) -> str:
    return viewer.code.document().findBlockByNumber(line - 1).text()


def save(path, text: str, how: str) -> None:
    """As an editor saves: in place, or atomically (a new file renamed over the old one)."""
    if how == "in place":
        path.write_text(text, encoding="utf-8")
    else:
        temporary = path.with_name(path.name + ".tmp~")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)


@pytest.mark.parametrize("how", ["in place", "atomically"])
def test_the_preview_reloads_when_the_broken_file_is_fixed(twin, project, qtbot, how):
    (project / EVENTS).write_text(BROKEN, encoding="utf-8")
    open_first_error(twin, qtbot)
    viewer = twin.viewer
    assert viewer.current_line == 8 and "line 8" in viewer.where.text()
    assert line_text(viewer, 7) == '    "condition": "pressure-sensor-1.pressure > 3"'

    save(project / EVENTS, FIXED, how)
    qtbot.waitUntil(lambda: not event_errors(twin), timeout=WAIT_MS)
    assert viewer.code.toPlainText() == FIXED  # the new content, not the broken line
    assert line_text(viewer, 7) == '    "condition": "pressure-sensor-1.pressure > 3",'
    assert viewer.code.extraSelections() == []  # nothing is highlighted as wrong any more
    assert viewer.where.text() == "that problem is fixed"
    assert viewer.current_path == project.resolve() / EVENTS


def test_the_preview_follows_a_problem_that_moved(twin, project, qtbot):
    (project / EVENTS).write_text(BROKEN, encoding="utf-8")
    open_first_error(twin, qtbot)
    viewer = twin.viewer
    assert viewer.code.cursor_line() == 8
    # two lines more above it: the same problem is now on line 10, and shown there
    (project / EVENTS).write_text("\n\n" + BROKEN, encoding="utf-8")
    qtbot.waitUntil(lambda: viewer.current_line == 10, timeout=WAIT_MS)
    assert viewer.code.toPlainText() == "\n\n" + BROKEN
    assert viewer.code.cursor_line() == 10 and "line 10" in viewer.where.text()
    assert viewer.code.extraSelections()[0].cursor.blockNumber() == 9


def test_no_launcher_says_so_with_the_path_and_a_copy_button(twin, project, qtbot):
    tried = []
    twin.viewer.launcher = lambda url: tried.append(url.toLocalFile()) or False
    (project / EVENTS).write_text(BROKEN, encoding="utf-8")
    open_first_error(twin, qtbot)
    path = str(project.resolve() / EVENTS)
    assert tried == [path]
    note = twin.viewer.open_failed
    assert note.isVisibleTo(twin.viewer)
    assert f"No editor could be started for {path}" in note.label.text()
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(note.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == path
    assert note.copy_button.text() == "Copied"

    twin.viewer.launcher = lambda url: True  # an editor now starts: the note goes
    qtbot.mouseClick(twin.viewer.open_button, Qt.MouseButton.LeftButton)
    assert not note.isVisibleTo(twin.viewer)


def test_after_no_editor_started_other_problems_only_show_here(twin, project, qtbot):
    tried = []
    twin.viewer.launcher = lambda url: tried.append(url.toLocalFile()) or False
    (project / EVENTS).write_text(BROKEN, encoding="utf-8")
    open_first_error(twin, qtbot)
    note = twin.viewer.open_failed
    assert len(tried) == 1 and note.isVisibleTo(twin.viewer)
    note.dismiss()

    twin.viewer.clear()
    open_first_error(twin, qtbot)  # the user double-clicks the problem again

    assert twin.viewer.current_path == project.resolve() / EVENTS  # shown here
    assert len(tried) == 1  # no second try, no second note over the preview
    assert not note.isVisibleTo(twin.viewer)

    twin.viewer.launcher = lambda url: tried.append(url.toLocalFile()) or True
    qtbot.mouseClick(twin.viewer.open_button, Qt.MouseButton.LeftButton)  # still tries
    assert len(tried) == 2
    open_first_error(twin, qtbot)  # an editor starts again: problems open in it again
    assert len(tried) == 3
