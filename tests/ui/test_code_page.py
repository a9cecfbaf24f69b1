"""The Code page: a card per code file; create, open, replace and test-run from it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from dtwin_gui.ui.pages.code_page import CodePage
from dtwin_gui.ui.session import ProjectSession
from dtwin_gui.ui.widgets.code_card import dropped_python_file
from dtwin_gui.ui.workers import TaskRunner

from .conftest import WAIT_MS

pytestmark = pytest.mark.gui

T1 = "processor:temperature-sensor-1"
T1_FILE = "processors/temperature-sensor-1/process.py"


@pytest.fixture
def page(qtbot, project):
    runner = TaskRunner()
    session = ProjectSession(runner, debounce_ms=100)
    session.open(project)
    widget = CodePage(session, runner)
    qtbot.addWidget(widget)
    widget.resize(1000, 900)
    widget.show()
    settle(qtbot, widget)
    yield widget
    session.close()
    assert runner.active == 0, "a worker thread outlived the page"


def settle(qtbot, page: CodePage) -> None:
    """Wait until no test run is going and the latest validation has arrived."""
    session = page._session
    qtbot.waitUntil(
        lambda: not page.running and session.report is not None and not session.validating,
        timeout=WAIT_MS,
    )


def run_test(qtbot, page: CodePage, key: str):
    card = page.card(key)
    qtbot.mouseClick(card.test_button, Qt.MouseButton.LeftButton)
    assert card.test_button.text() == "Stop"  # no second run while one is going
    qtbot.waitUntil(lambda: not page.running, timeout=20_000)
    assert card.test_button.isEnabled() and card.test_button.text() == "Test run"
    return card


def test_one_card_per_device_action_and_feedback(page):
    assert list(page.cards) == [
        T1,
        "processor:temperature-sensor-2",
        "processor:pressure-sensor-1",
        "action:high-temperature-alert",
        "feedback:feedback",
    ]
    card = page.card(T1)
    assert card.title.text() == "temperature-sensor-1"
    assert T1_FILE in card.file_label.text()
    assert "temperature (DOUBLE)" in card.details.text()
    assert card.status_text() == "✔ No problems found"
    assert not card.create_button.isVisibleTo(card)
    assert "when: temperature-sensor-1.temperature > DOUBLE(40.5)" in (
        page.card("action:high-temperature-alert").details.text()
    )


def test_test_run_shows_input_and_output(qtbot, page):
    card = run_test(qtbot, page, T1)
    view = card.result
    assert view.isVisibleTo(card)
    assert "Ran without errors" in view.status_text()
    assert '"temperature_f": 72.5' in view.output_text()
    assert '"temperature": 22.5' in view.input_text()
    assert "payloads.json, record 1" in view.input_caption.text()


def test_test_run_of_failing_code_shows_the_line(qtbot, page, project):
    (project / T1_FILE).write_text(
        "def process(event):\n    return event['nope'] * 2\n", encoding="utf-8"
    )
    page._session.reload()
    settle(qtbot, page)
    card = run_test(qtbot, page, T1)
    text = card.result.error_text()
    assert "line 2" in text and "KeyError" in text and "nope" in text
    assert "return event['nope'] * 2" in text
    assert "Traceback" not in text
    assert "failed" in card.result.status_text()


def write_endless_loop(qtbot, page: CodePage, project: Path) -> None:
    (project / T1_FILE).write_text("def process(event):\n    while True:\n        pass\n")
    page._session.reload()
    settle(qtbot, page)


def test_an_endless_loop_is_stopped_and_said_plainly(qtbot, page, project):
    write_endless_loop(qtbot, page, project)
    page.timeout = 1.0
    card = run_test(qtbot, page, T1)
    assert "too slow" in card.result.status_text()
    assert "did not finish within 1 s" in card.result.error_text()


def test_stop_ends_a_running_test_at_once(qtbot, page, project):
    write_endless_loop(qtbot, page, project)
    page.timeout = 60.0
    card = page.card(T1)
    qtbot.mouseClick(card.test_button, Qt.MouseButton.LeftButton)
    assert card.test_button.text() == "Stop"
    qtbot.wait(300)
    qtbot.mouseClick(card.test_button, Qt.MouseButton.LeftButton)
    assert card.test_button.text() == "Stopping…" and not card.test_button.isEnabled()
    qtbot.waitUntil(lambda: not page.running, timeout=15_000)  # far below the 60 s limit
    assert card.result.status_text() == "■ Stopped by you"
    assert "you stopped the test run" in card.result.error_text()
    assert card.test_button.text() == "Test run" and card.test_button.isEnabled()


def test_validation_problems_show_on_the_card(qtbot, page, project):
    (project / T1_FILE).write_text("def process(event):\n    return event +\n")
    page._session.reload()
    settle(qtbot, page)
    status = page.card(T1).status_text()
    assert status.startswith("✖ line 2") and "syntax error" in status


def test_create_from_template_creates_the_missing_file(qtbot, page, project):
    (project / T1_FILE).unlink()
    page._session.reload()
    settle(qtbot, page)
    card = page.card(T1)
    assert "has no processor" in card.status_text()
    assert "missing" in card.file_label.text()
    assert not card.test_button.isEnabled()
    assert card.create_button.isVisibleTo(card)
    qtbot.mouseClick(card.create_button, Qt.MouseButton.LeftButton)
    settle(qtbot, page)
    assert "def process(event: dict) -> dict:" in (project / T1_FILE).read_text()
    assert not card.create_button.isVisibleTo(card)
    assert card.status_text() == "✔ No problems found"
    assert page.banner.kind == "ok"


def test_open_in_editor_opens_the_file(qtbot, page, project, opened_urls):
    qtbot.mouseClick(page.card(T1).open_button, Qt.MouseButton.LeftButton)
    assert opened_urls.paths() == [(project / T1_FILE).resolve()]


def test_replace_with_a_good_file_then_undo(qtbot, page, project, tmp_path):
    old = (project / T1_FILE).read_text()
    chosen = tmp_path / "better.py"
    chosen.write_text("def process(event):\n    event['better'] = True\n    return event\n")
    card = page.card(T1)
    card.replace_with(chosen)  # what dropping the file on the card does
    settle(qtbot, page)
    assert (project / T1_FILE).read_text() == chosen.read_text()
    assert page.banner.kind == "ok" and "better.py" in page.banner.text()
    assert card.undo_button.isVisibleTo(card)
    card = run_test(qtbot, page, T1)
    assert '"better": true' in card.result.output_text()
    qtbot.mouseClick(card.undo_button, Qt.MouseButton.LeftButton)
    settle(qtbot, page)
    assert (project / T1_FILE).read_text() == old
    assert not card.undo_button.isVisibleTo(card)


def test_replace_with_a_broken_file_is_refused(qtbot, page, project, tmp_path):
    old = (project / T1_FILE).read_text()
    chosen = tmp_path / "broken.py"
    chosen.write_text("def process(event):\n    return event +\n")
    page.card(T1).replace_with(chosen)
    assert page.banner.kind == "error"
    assert "not replaced" in page.banner.text() and "line 2" in page.banner.text()
    assert (project / T1_FILE).read_text() == old


def test_dropping_a_python_file_on_a_card_replaces_the_code(qtbot, page, project, tmp_path):
    chosen = tmp_path / "dropped.py"
    chosen.write_text("def process(event):\n    return event\n")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(chosen))])
    drop = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    page.card(T1).dropEvent(drop)
    assert drop.isAccepted()
    assert (project / T1_FILE).read_text() == chosen.read_text()


def test_only_a_single_python_file_can_be_dropped(tmp_path):
    py = QUrl.fromLocalFile(str(tmp_path / "a.py"))
    txt = QUrl.fromLocalFile(str(tmp_path / "a.txt"))
    assert dropped_python_file([py]) == Path(tmp_path / "a.py")
    assert dropped_python_file([txt]) is None
    assert dropped_python_file([py, py]) is None


def test_render(qtbot, page, project, tmp_path):
    (project / "processors/pressure-sensor-1/process.py").write_text(
        "def process(event):\n    return event['oops']\n"
    )
    page._session.reload()
    settle(qtbot, page)
    run_test(qtbot, page, T1)
    run_test(qtbot, page, "processor:pressure-sensor-1")
    page.resize(1000, 800)
    qtbot.waitUntil(lambda: page.scroll.widget().width() > 900, timeout=WAIT_MS)
    path = tmp_path / "code_page.png"
    assert page.grab().save(str(path))
