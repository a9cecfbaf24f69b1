"""The run log view: sticky autoscroll, filters, structured/raw, copy and save."""

from __future__ import annotations

import json

import pytest
from PySide6.QtGui import QGuiApplication

from dtwin_gui.core.run_events import (
    DiagnosticEvent,
    LogEvent,
    PhaseEvent,
    ResourceEvent,
    event_from_json,
)
from dtwin_gui.ui.widgets.log_view import LogView

pytestmark = pytest.mark.gui


@pytest.fixture
def view(qtbot):
    widget = LogView()
    widget.resize(700, 300)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def lines(start: int, count: int, source: str = "terraform", level: str = "info") -> list:
    return [LogEvent(source, level, f"line {i}") for i in range(start, start + count)]


def scrollbar(view: LogView):
    return view.view.verticalScrollBar()


def at_bottom(view: LogView) -> bool:
    bar = scrollbar(view)
    return bar.maximum() > 0 and bar.value() == bar.maximum()


def test_follows_new_lines_only_while_at_the_bottom(view, qtbot):
    view.append_events(lines(0, 200))
    qtbot.waitUntil(lambda: at_bottom(view))
    view.append_events(lines(200, 50))
    qtbot.waitUntil(lambda: at_bottom(view))
    assert view.following and not view.jump_button.isVisible()

    scrollbar(view).setValue(10)  # the user scrolls up to read
    assert not view.following and view.jump_button.isVisible()
    view.append_events(lines(250, 100))
    qtbot.wait(50)
    assert scrollbar(view).value() == 10, "scrolled up: new lines do not move the view"
    assert view.model.rowCount() == 350

    view.jump_button.click()
    assert at_bottom(view) and view.following and not view.jump_button.isVisible()
    view.append_events(lines(350, 20))
    qtbot.waitUntil(lambda: at_bottom(view))
    bottom_row = view.view.indexAt(view.view.viewport().rect().bottomLeft()).row()
    assert view.model.line(bottom_row).message.startswith("line 36")


def test_filter_by_source_level_and_text(view):
    view.append_events(
        lines(0, 3, "terraform")
        + lines(3, 2, "aws")
        + [LogEvent("build", "warning", "processor: built"), LogEvent("sdk", "error", "boom")]
    )
    sources = [view.source_box.itemText(i) for i in range(view.source_box.count())]
    assert sources == ["All sources", "terraform", "aws", "build", "sdk"]
    view.set_source("aws")
    assert [ln.message for ln in view.model.visible_lines()] == ["line 3", "line 4"]
    view.set_source(None)
    view.level_box.setCurrentIndex(2)  # warnings and errors
    assert [ln.message for ln in view.model.visible_lines()] == ["processor: built", "boom"]
    view.level_box.setCurrentIndex(0)
    view.search_box.setText("LINE 1")
    assert [ln.message for ln in view.model.visible_lines()] == ["line 1"]


def test_structured_and_raw(view):
    view.append_events(
        [
            PhaseEvent("apply", "started", ts="2026-01-01T10:00:01.000Z"),
            LogEvent("terraform", "info", "Apply complete!", ts="2026-01-01T10:00:02.500Z"),
            ResourceEvent("module.aws_l2.x.y", "L2", "x", "create", "created", elapsed=2.0),
            DiagnosticEvent("error", "bad thing", "first\nsecond", "module.aws_l2.x.y"),
        ]
    )
    model = view.model
    assert [model.data(model.index(1, c)) for c in range(4)] == [
        "10:00:02.500",
        "info",
        "terraform",
        "Apply complete!",
    ]
    assert [ln.message for ln in model.visible_lines()] == [
        "apply started",
        "Apply complete!",
        "module.aws_l2.x.y: created after 2.0 s",
        "Error: bad thing (module.aws_l2.x.y)",
        "first",
        "second",
    ]
    view.raw_button.click()
    assert view.view.isColumnHidden(0) and view.view.isColumnHidden(2)
    assert not view.view.isColumnHidden(3)
    assert (
        view.selected_text()
        == "Apply complete!\nError: bad thing (module.aws_l2.x.y)\nfirst\nsecond"
    )
    view.structured_button.click()
    assert not view.view.isColumnHidden(0) and model.rowCount() == 6


def test_copy_the_selection_or_everything(view):
    view.append_events(lines(0, 5))
    view.raw_button.click()
    view.copy()
    assert QGuiApplication.clipboard().text() == "\n".join(f"line {i}" for i in range(5))
    view.view.setCurrentIndex(view.model.index(3, 3))
    view.copy_button.click()
    assert QGuiApplication.clipboard().text() == "line 3"


def test_save_as_text_or_as_events(view, tmp_path):
    events = [*lines(0, 3), PhaseEvent("plan", "finished", elapsed=1.5)]
    view.append_events(events)
    view.set_source("terraform")  # saving keeps the whole run, whatever is filtered
    assert view.save_to(tmp_path / "run.log")
    text = (tmp_path / "run.log").read_text().splitlines()
    assert len(text) == 4 and text[0].endswith("line 0") and "INFO" in text[0]
    assert "plan finished after 1.5 s" in text[3]
    assert view.save_to(tmp_path / "run.jsonl")
    saved = [
        event_from_json(json.loads(ln)) for ln in (tmp_path / "run.jsonl").read_text().splitlines()
    ]
    assert [e.to_json() for e in saved] == [e.to_json() for e in events]


def test_a_failed_save_says_why(view, tmp_path, qtbot):
    with qtbot.waitSignal(view.save_failed) as failed:
        assert not view.save_to(tmp_path / "missing-folder" / "run.log")
    assert "could not be saved" in failed.args[0] and "Choose another folder" in failed.args[0]


def test_fifty_thousand_lines_in_batches(view, qtbot):
    for start in range(0, 50_000, 2_000):
        view.append_events(lines(start, 2_000))
    assert view.model.rowCount() == 50_000
    qtbot.waitUntil(lambda: at_bottom(view))
    view.set_source("terraform")
    assert view.model.rowCount() == 50_000
    view.search_box.setText("line 49999")
    assert view.model.rowCount() == 1
