"""The Status page's "Function logs" tab: errors first, the user's prints kept, a record's
trace id followed across functions, the traced test message's id back to its trace. The
lines come from the clouds' logs in tests/e2e (``_printed_lines``); here what a user sees."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QUrl

from dtwin_gui.deploy.function_logs import FunctionLogs, LogLine
from dtwin_gui.ui.widgets.function_logs_view import FunctionLogsView

pytestmark = pytest.mark.gui


def logs() -> FunctionLogs:
    return FunctionLogs(
        lines=[
            LogLine(
                "processor-pump-1",
                "aws",
                "2026-12-03T10:00:00.000Z",
                "INFO",
                "processed",
                "processed",
                "trace-aaaa1111",
            ),
            LogLine(
                "processor-pump-1",
                "aws",
                "2026-12-03T10:00:00.000Z",
                "PRINT",
                "converted to Fahrenheit: 69.8",
            ),
            LogLine(
                "persister",
                "aws",
                "2026-12-03T10:00:01.000Z",
                "INFO",
                "stored",
                "stored",
                "trace-aaaa1111",
            ),
            LogLine(
                "processor-pump-1",
                "aws",
                "2026-12-03T10:01:00.000Z",
                "ERROR",
                "the processor failed: ValueError: bad reading",
                "processor-failed",
                "trace-bbbb2222",
            ),
        ],
        unread={"hot-writer": "no Azure connection"},
        functions=["processor-pump-1", "persister", "hot-writer"],
        since="2026-12-03T09:00:00.000Z",
    )


def test_errors_come_first_and_prints_are_kept(qtbot):
    view = FunctionLogsView()
    qtbot.addWidget(view)
    view.show_logs(logs())
    text = view.view.toPlainText()
    assert text.index("Errors (1") < text.index("Every line (4")
    assert text.index("bad reading") < text.index("converted to Fahrenheit: 69.8")
    assert "hot-writer: not read (no Azure connection)" in text
    assert view.note.text() == "4 line(s), 1 error(s) — errors first"


def test_a_trace_link_shows_that_records_lines_in_every_function(qtbot):
    view = FunctionLogsView()
    qtbot.addWidget(view)
    view.show_logs(logs())
    with qtbot.waitSignal(view.trace_clicked) as clicked:
        view._clicked(QUrl("trace:trace-aaaa1111"))
    assert clicked.args == ["trace-aaaa1111"]
    text = view.view.toPlainText()
    assert "processed" in text and "stored" in text
    assert "bad reading" not in text and "converted" not in text
    view._clicked(QUrl("all:"))
    assert "bad reading" in view.view.toPlainText()


def test_the_page_reads_on_a_worker_and_the_test_messages_trace_opens(qtbot, project):
    from dtwin_gui.clouds.aws.connection import sandbox_target
    from dtwin_gui.deploy.trace import TraceResult
    from dtwin_gui.ui.pages.status_page import StatusPage
    from dtwin_gui.ui.session import ProjectSession
    from dtwin_gui.ui.target_choice import TargetChoice
    from dtwin_gui.ui.workers import TaskRunner

    runner = TaskRunner()
    session = ProjectSession(runner)
    session.open(project)
    page = StatusPage(
        session, runner, TargetChoice(sandbox_factory=lambda: sandbox_target("http://127.0.0.1:9"))
    )
    qtbot.addWidget(page)
    names = [page.logs.function.itemData(i) for i in range(page.logs.function.count())]
    assert names[0] == "" and "processor-temperature-sensor-1" in names
    asked = []

    def reader(function, since):
        asked.append((function, since))
        return lambda: logs()

    page.logs.reader = reader
    page.logs.function.setCurrentIndex(names.index("processor-temperature-sensor-1"))
    page.logs.refresh()
    qtbot.waitUntil(lambda: "bad reading" in page.logs.view.toPlainText(), timeout=10_000)
    assert asked == [("processor-temperature-sensor-1", "1h")]
    page._traced(TraceResult("pump-1", "trace-aaaa1111", "2026-12-03T10:00:00.000Z", "t"))
    page.tabs.setCurrentWidget(page.logs)
    page.logs._clicked(QUrl("trace:trace-aaaa1111"))
    assert page.tabs.currentWidget() is page.trace
    qtbot.waitUntil(lambda: runner.active == 0, timeout=10_000)
    runner.shutdown()
