"""The result of a test run: input and output side by side, or the error with its line."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from dtwin_gui.code.test_run import TestRunResult
from dtwin_gui.ui import theme

BOX_HEIGHT = 150


def as_json(value: object) -> str:
    """``value`` as indented JSON (repr for what JSON cannot hold)."""
    return json.dumps(value, indent=2, ensure_ascii=False, default=repr)


def _text_box() -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setReadOnly(True)
    box.setFont(theme.monospace_font(9))
    box.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    box.setFixedHeight(BOX_HEIGHT)
    return box


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "muted")
    return label


class TestRunView(QFrame):
    """Hidden until a run starts; then shows "running", the output, or the error."""

    __test__ = False  # not a pytest test class

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "panel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 10)
        layout.setSpacing(6)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)

        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        self.input_caption = _caption("Input")
        self.output_caption = _caption("Output")
        self.input_box = _text_box()
        self.output_box = _text_box()
        grid.addWidget(self.input_caption, 0, 0)
        grid.addWidget(self.output_caption, 0, 1)
        grid.addWidget(self.input_box, 1, 0)
        grid.addWidget(self.output_box, 1, 1)
        layout.addLayout(grid)

        self.error = QLabel()
        self.error.setProperty("role", "field-error")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_line = QLabel()
        self.error_line.setFont(theme.monospace_font(9.5))
        self.error_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.error)
        layout.addWidget(self.error_line)

        self.printed_caption = _caption("What the code printed")
        self.printed = _text_box()
        self.printed.setFixedHeight(80)
        layout.addWidget(self.printed_caption)
        layout.addWidget(self.printed)
        self.hide()

    # --- states ----------------------------------------------------------------------------
    def show_running(self) -> None:
        self._set_status("muted", "Running the code on a sample event…")
        self.input_box.clear()
        self.output_box.clear()
        self._show_error(None, None)
        self._show_printed("")
        self.show()

    def show_result(self, result: TestRunResult) -> None:
        """Show what a finished run gave."""
        self.input_caption.setText(
            f"Input — {result.input_source}" if result.input_source else "Input"
        )
        self.input_box.setPlainText(as_json(result.input))
        if result.ok:
            self._set_status("ok", f"✔ Ran without errors in {result.elapsed:.2f} s")
            self.output_caption.setText("Output")
            self.output_box.setPlainText(as_json(result.output))
            self._show_error(None, None)
        else:
            if result.cancelled:
                self._set_status("muted", "■ Stopped by you")
            else:
                title = "⏱ Stopped: too slow" if result.timed_out else "✖ The code failed"
                self._set_status("error-count", title)
            self.output_caption.setText("Output")
            self.output_box.setPlainText("(no output)")
            line = None
            if result.error_line and result.error_source is not None:
                line = f"{result.error_line:>4} │ {result.error_source}"
            self._show_error(result.message, line)
        self._show_printed(result.stdout)
        self.show()

    def show_failure(self, message: str) -> None:
        """The run could not even start (shown as a sentence, never a traceback)."""
        self._set_status("error-count", "✖ The test run could not start")
        self.input_box.clear()
        self.output_box.clear()
        self._show_error(message, None)
        self._show_printed("")
        self.show()

    # --- for tests and the page ------------------------------------------------------------
    def status_text(self) -> str:
        return self.status.text()

    def output_text(self) -> str:
        return self.output_box.toPlainText()

    def input_text(self) -> str:
        return self.input_box.toPlainText()

    def error_text(self) -> str:
        parts = [self.error.text(), self.error_line.text()]
        return "\n".join(p for p in parts if p)

    # --- helpers ---------------------------------------------------------------------------
    def _set_status(self, role: str, text: str) -> None:
        self.status.setProperty("role", role)
        self.status.setText(text)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

    def _show_error(self, message: str | None, line: str | None) -> None:
        self.error.setText(message or "")
        self.error.setVisible(bool(message))
        self.error_line.setText(line or "")
        self.error_line.setVisible(bool(line))

    def _show_printed(self, text: str) -> None:
        self.printed.setPlainText(text)
        self.printed.setVisible(bool(text.strip()))
        self.printed_caption.setVisible(bool(text.strip()))
