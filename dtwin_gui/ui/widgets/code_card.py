"""A card for one code file: where it is, what validation says, and what to do with it.

The card only shows and asks; the Code page does the work (files, test runs) when the
card's signals fire. A ``.py`` file dropped on the card asks to replace the code.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dtwin_gui.code.kinds import CodeKind, CodeTarget
from dtwin_gui.code.test_run import TestRunResult
from dtwin_gui.core.problems import Problem
from dtwin_gui.ui.open_file import OpenFailedNote
from dtwin_gui.ui.widgets.test_run_view import TestRunView

KIND_LABELS = {
    CodeKind.PROCESSOR: "device processor",
    CodeKind.ACTION: "event action",
    CodeKind.FEEDBACK: "feedback to devices",
}


def dropped_python_file(urls: list) -> Path | None:
    """The one local ``.py`` file among dropped ``urls``, if that is what was dropped."""
    paths = [Path(u.toLocalFile()) for u in urls if u.isLocalFile()]
    if len(paths) == 1 and paths[0].suffix.lower() == ".py":
        return paths[0]
    return None


def problem_text(problem: Problem) -> str:
    where = ""
    if problem.line is not None:
        where = f"line {problem.line}"
        if problem.column is not None:
            where += f", column {problem.column}"
        where += ": "
    hint = f" — {problem.hint}" if problem.hint else ""
    return f"{where}{problem.message}{hint}"


def _restyle(label: QLabel, role: str) -> None:
    label.setProperty("role", role)
    label.style().unpolish(label)
    label.style().polish(label)


class CodeCard(QFrame):
    """One processor, event action or feedback function."""

    create_requested = Signal(object)  # CodeTarget
    open_requested = Signal(object)  # CodeTarget
    replace_requested = Signal(object, object)  # CodeTarget, Path of the chosen file
    undo_requested = Signal(object)  # CodeTarget
    test_requested = Signal(object)  # CodeTarget
    stop_requested = Signal(object)  # CodeTarget: stop its running test

    def __init__(self, target: CodeTarget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.target = target
        self.exists = False
        self.setProperty("role", "card")
        self.setAcceptDrops(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 12)
        layout.setSpacing(4)

        head = QHBoxLayout()
        self.title = QLabel(target.name if target.kind is not CodeKind.FEEDBACK else "Feedback")
        self.title.setProperty("role", "card-title")
        self.kind_label = QLabel(KIND_LABELS[target.kind])
        self.kind_label.setProperty("role", "muted")
        head.addWidget(self.title)
        head.addSpacing(8)
        head.addWidget(self.kind_label, 0, Qt.AlignmentFlag.AlignBottom)
        head.addStretch(1)
        layout.addLayout(head)

        self.details = QLabel()
        self.details.setProperty("role", "muted")
        self.details.setWordWrap(True)
        self.file_label = QLabel()
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.details)
        layout.addWidget(self.file_label)
        layout.addWidget(self.status)

        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        self.create_button = QPushButton("Create from template")
        self.open_button = QPushButton("Open in editor")
        self.replace_button = QPushButton("Replace…")
        self.undo_button = QPushButton("Undo replace")
        self.test_button = QPushButton("Test run")
        self.test_button.setProperty("primary", True)
        self.replace_button.setToolTip(
            "Choose a .py file to use instead (or drop one on this card); "
            "the old file is kept so you can undo"
        )
        self.create_button.clicked.connect(lambda: self.create_requested.emit(self.target))
        self.open_button.clicked.connect(lambda: self.open_requested.emit(self.target))
        self.replace_button.clicked.connect(self.pick_replacement)
        self.undo_button.clicked.connect(lambda: self.undo_requested.emit(self.target))
        self.test_button.clicked.connect(self._test_clicked)
        for button in (
            self.create_button,
            self.open_button,
            self.replace_button,
            self.undo_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.test_button)
        layout.addLayout(buttons)
        #: Shown when "Open in editor" found no application (path and Copy path).
        self.open_failed = OpenFailedNote()
        layout.addWidget(self.open_failed)

        self.result = TestRunView()
        layout.addWidget(self.result)
        self._running = False
        self.undo_button.hide()
        self.set_state(target, "", exists=False)

    # --- what the card shows ---------------------------------------------------------------
    def set_state(self, target: CodeTarget, details: str, *, exists: bool) -> None:
        """Show ``target``: a line about what it is for and whether its file exists."""
        self.target = target
        self.exists = exists
        self.details.setText(details)
        self.details.setVisible(bool(details))
        if exists:
            self.file_label.setText(f"File: {target.rel_path}")
        else:
            self.file_label.setText(
                f"File: {target.rel_path} — missing: create it from the template "
                "or drop a .py file here"
            )
        self.create_button.setVisible(not exists)
        self.open_button.setEnabled(exists)
        self._update_test_button()

    def set_problems(self, problems: list[Problem] | None) -> None:
        """The validator's findings for this file (None while it is being checked)."""
        if problems is None:
            _restyle(self.status, "muted")
            self.status.setText("Checking…")
        elif problems:
            first, more = problems[0], len(problems) - 1
            extra = f" (and {more} more)" if more else ""
            _restyle(self.status, "field-error")
            self.status.setText(f"✖ {problem_text(first)}{extra}")
        else:
            _restyle(self.status, "ok")
            self.status.setText("✔ No problems found")

    def status_text(self) -> str:
        return self.status.text()

    def set_undo_available(self, available: bool) -> None:
        self.undo_button.setVisible(available)

    # --- test runs -------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._running

    def set_running(self, running: bool) -> None:
        self._running = running
        if running:
            self.result.show_running()
        self._update_test_button()

    def show_result(self, result: TestRunResult) -> None:
        self.result.show_result(result)

    def show_failure(self, message: str) -> None:
        self.result.show_failure(message)

    def _test_clicked(self) -> None:
        if self._running:
            self.test_button.setEnabled(False)  # until the run has stopped
            self.test_button.setText("Stopping…")
            self.stop_requested.emit(self.target)
        else:
            self.test_requested.emit(self.target)

    def _update_test_button(self) -> None:
        self.test_button.setEnabled(self.exists or self._running)
        self.test_button.setText("Stop" if self._running else "Test run")
        self.test_button.setToolTip(
            "Stop the test run (its process is killed)"
            if self._running
            else "Run the code on a sample event in a separate process"
        )

    # --- replacing -------------------------------------------------------------------------
    def pick_replacement(self) -> None:
        """Ask for a .py file and request the replacement."""
        chosen, _ = QFileDialog.getOpenFileName(
            self, f"Replace {self.target.rel_path}", "", "Python files (*.py)"
        )
        if chosen:
            self.replace_with(Path(chosen))

    def replace_with(self, path: Path) -> None:
        """Request that ``path`` becomes this card's code (the drop handler calls this)."""
        self.replace_requested.emit(self.target, Path(path))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if mime.hasUrls() and dropped_python_file(mime.urls()) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = dropped_python_file(event.mimeData().urls())
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.replace_with(path)
