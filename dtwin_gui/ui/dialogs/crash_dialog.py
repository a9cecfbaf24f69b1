"""What the user sees after an unexpected error: one plain sentence, never a traceback.

The traceback goes to the log file; "Copy details" puts it on the clipboard only when the
user asks (for a bug report).
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

from PySide6 import __version__ as PYSIDE_VERSION
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dtwin_gui import __version__
from dtwin_gui.ui.open_file import Launcher, OpenFailedNote, open_or_explain

#: Longest exception message shown in the dialog; the rest is in the log.
SUMMARY_LIMIT = 160


def one_line_summary(exc: BaseException) -> str:
    """``exc``'s message as one short sentence fragment (first line, clipped)."""
    text = (str(exc).strip().splitlines() or [""])[0].strip()
    if not text:
        return type(exc).__name__
    if len(text) > SUMMARY_LIMIT:
        text = text[: SUMMARY_LIMIT - 1].rstrip() + "…"
    return text


def bug_report_text(details: str) -> str:
    """The clipboard text of "Copy details": versions, then the traceback."""
    return (
        f"dtwin {__version__} · Python {platform.python_version()} · "
        f"PySide6 {PYSIDE_VERSION} · {platform.platform()}"
        f"{' · frozen' if getattr(sys, 'frozen', False) else ''}\n\n{details.rstrip()}\n"
    )


class CrashDialog(QDialog):
    """Says an unexpected error happened, where the log is, and lets the user go on or quit.

    ``details`` (the traceback) is never displayed; :meth:`copy_details` copies it.
    ``quit_requested`` is emitted when the user chooses "Quit dtwin".
    """

    quit_requested = Signal()

    def __init__(
        self,
        exc: BaseException,
        details: str,
        log_file: Path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.details = details
        self.log_file = Path(log_file)
        self.setWindowTitle("dtwin ran into a problem")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)

        title = QLabel("Something went wrong, and dtwin stopped what it was doing.")
        title.setProperty("role", "section")
        title.setWordWrap(True)
        layout.addWidget(title)

        self.summary = QLabel(f"The error was: {one_line_summary(exc)}")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)

        self.advice = QLabel(
            "Your project files were not changed by this error. You can keep working; if "
            "something looks wrong, reopen the project. To report the problem, copy the "
            "details and attach the log file."
        )
        self.advice.setWordWrap(True)
        layout.addWidget(self.advice)

        self.log_label = QLabel(f"Log file: {self.log_file}")
        self.log_label.setProperty("role", "muted")
        self.log_label.setWordWrap(True)
        self.log_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.log_label)
        #: Opens the log folder (the desktop's file manager by default; replaceable in tests).
        self.launcher: Launcher | None = None
        self.open_failed = OpenFailedNote()  # when no file manager could be started
        layout.addWidget(self.open_failed)

        self.copied = QLabel("")
        self.copied.setProperty("role", "ok")
        layout.addWidget(self.copied)

        buttons = QHBoxLayout()
        self.open_log_button = QPushButton("Open log folder")
        self.copy_button = QPushButton("Copy details")
        self.quit_button = QPushButton("Quit dtwin")
        self.keep_button = QPushButton("Keep working")
        self.keep_button.setProperty("primary", True)
        self.keep_button.setDefault(True)
        self.keep_button.setAutoDefault(True)
        buttons.addWidget(self.open_log_button)
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        buttons.addWidget(self.quit_button)
        buttons.addWidget(self.keep_button)
        layout.addLayout(buttons)

        self.open_log_button.clicked.connect(self.open_log_folder)
        self.copy_button.clicked.connect(self.copy_details)
        self.keep_button.clicked.connect(self.accept)
        self.quit_button.clicked.connect(self._quit)
        self.keep_button.setFocus()

    def visible_text(self) -> str:
        """Everything the dialog shows in words (for tests and accessibility checks)."""
        labels: list = self.findChildren(QLabel)
        buttons: list = self.findChildren(QPushButton)
        shown = [w.text() for w in labels + buttons if w.isVisibleTo(self)]
        return "\n".join(shown)

    def open_log_folder(self) -> None:
        open_or_explain(self.log_file.parent, self.open_failed, self.launcher)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(bug_report_text(self.details))
        self.copied.setText("The details are on the clipboard; paste them into your report.")

    def _quit(self) -> None:
        self.reject()
        self.quit_requested.emit()
