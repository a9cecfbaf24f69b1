"""The Status page's "Function logs" tab: what the deployed functions printed, errors first.

A function picker (every function, or one), how far back, Refresh; then the error lines
(newest first) and every line (oldest first) from
:func:`dtwin_gui.deploy.function_logs.deployment_logs`, read on a worker. A record's trace id
is a link: it shows that record's lines across every function (and, for the traced test
message, its hop-by-hop trace: :attr:`FunctionLogsView.trace_clicked`).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

from PySide6.QtCore import QUrl, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from dtwin_gui.ui.widgets.hop_health_view import when

ALL = ""
#: The windows offered, as ``--since`` takes them.
WINDOWS = (("last 10 minutes", "10m"), ("last hour", "1h"), ("last day", "1d"))
ERROR_COLOR, MUTED_COLOR = "#c62828", "#6b7280"


def _line_html(line) -> str:
    level = "print" if line.level == "PRINT" else line.level.lower()
    color = ERROR_COLOR if line.is_error else MUTED_COLOR
    text = html.escape(line.text).replace("\n", "<br>&nbsp;&nbsp;&nbsp;&nbsp;")
    trace = (
        f' <a href="trace:{html.escape(line.trace_id)}">trace {html.escape(line.trace_id[:8])}</a>'
        if line.trace_id
        else ""
    )
    return (
        f'<tr><td style="color:{MUTED_COLOR}">{when(line.time)}</td>'
        f"<td>{html.escape(line.function)}</td>"
        f'<td style="color:{color}">{level}</td>'
        f'<td style="font-family:monospace">{text}{trace}</td></tr>'
    )


def logs_html(logs, trace_filter: str = "") -> str:
    """The lines of ``logs`` (a FunctionLogs) as HTML: errors, then every line."""
    lines = [line for line in logs.lines if not trace_filter or line.trace_id == trace_filter]
    errors = [line for line in reversed(lines) if line.is_error]
    parts = []
    if trace_filter:
        parts.append(
            f"<p>The lines of record trace {html.escape(trace_filter)} in every function. "
            '<a href="all:">Show every line</a></p>'
        )
    if errors:
        parts.append(f'<h4 style="color:{ERROR_COLOR}">Errors ({len(errors)}, newest first)</h4>')
        parts.append('<table cellspacing="6">' + "".join(map(_line_html, errors)) + "</table>")
    if lines:
        parts.append(f"<h4>Every line ({len(lines)}, oldest first)</h4>")
        parts.append('<table cellspacing="6">' + "".join(map(_line_html, lines)) + "</table>")
    else:
        parts.append(f"<p>No line logged since {html.escape(when(logs.since))}.</p>")
    for name, why in logs.unread.items():
        parts.append(f'<p style="color:{MUTED_COLOR}">{html.escape(name)}: not read ({why})</p>')
    return "".join(parts)


class FunctionLogsView(QWidget):
    #: A record's trace id was clicked.
    trace_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: Set by the page: ``reader(function or None, since)`` gives the job a worker runs,
        #: which returns a FunctionLogs.
        self.reader: Callable | None = None
        self.runner = None
        self._logs = None
        self._trace = ""
        self._reading = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 6, 4, 4)
        bar = QHBoxLayout()
        self.function = QComboBox()
        self.function.setAccessibleName("Function")
        self.function.setMinimumContentsLength(24)
        self.since = QComboBox()
        self.since.setAccessibleName("How far back")
        for label, value in WINDOWS:
            self.since.addItem(label, value)
        self.since.setCurrentIndex(1)
        self.refresh_button = QPushButton("Read logs")
        self.refresh_button.clicked.connect(self.refresh)
        self.note = QLabel()
        self.note.setProperty("role", "muted")
        bar.addWidget(QLabel("Function"))
        bar.addWidget(self.function)
        bar.addWidget(self.since)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.note, 1)
        self.view = QTextBrowser()
        self.view.setOpenLinks(False)
        self.view.anchorClicked.connect(self._clicked)
        self.view.setPlaceholderText("Read logs to see what the deployed functions printed.")
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)

    def set_functions(self, names: Sequence[str]) -> None:
        current = self.function.currentData()
        self.function.clear()
        self.function.addItem("every function", ALL)
        for name in names:
            self.function.addItem(name, name)
        index = self.function.findData(current)
        self.function.setCurrentIndex(max(index, 0))

    def refresh(self) -> None:
        if self.reader is None or self.runner is None or self._reading:
            return
        self._reading = True
        self.refresh_button.setEnabled(False)
        self.note.setText("reading…")
        job = self.reader(self.function.currentData() or None, self.since.currentData())
        self.runner.start(
            job,
            name="function-logs",
            on_result=self.show_logs,
            on_error=lambda failure: self.show_error(failure.message),
            on_finished=self._finished,
        )

    def _finished(self) -> None:
        self._reading = False
        self.refresh_button.setEnabled(True)

    def show_logs(self, logs) -> None:
        self._logs = logs
        errors = len(logs.errors)
        self.note.setText(
            f"{len(logs.lines)} line(s), {errors} error(s)" + (" — errors first" if errors else "")
        )
        self.view.setHtml(logs_html(logs, self._trace))

    def show_error(self, message: str) -> None:
        self.note.setText("")
        self.view.setHtml(
            f'<p style="color:{ERROR_COLOR}">The logs could not be read: {html.escape(message)}'
            "</p><p>Check that the twin is deployed and the clouds reachable, then read again.</p>"
        )

    def show_trace(self, trace_id: str) -> None:
        """Only the lines of record ``trace_id`` ("" shows every line again)."""
        self._trace = trace_id
        if self._logs is not None:
            self.view.setHtml(logs_html(self._logs, trace_id))

    def _clicked(self, url: QUrl) -> None:
        text = url.toString()
        if text.startswith("trace:"):
            trace_id = text[len("trace:") :]
            self.show_trace(trace_id)
            self.trace_clicked.emit(trace_id)
        elif text.startswith("all:"):
            self.show_trace("")
