"""A read-only view of a project file, scrolled to a line which is highlighted.

The view follows the file: :meth:`FileViewer.reload` reads it again after it changed on disk
(the Twin page calls it whenever the project watcher reports a change), so a fixed line
never lingers on screen.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from dtwin_gui.ui import theme
from dtwin_gui.ui.open_file import Launcher, OpenFailedNote, open_or_explain

MAX_BYTES = 2_000_000


class _LineNumbers(QWidget):
    def __init__(self, view: CodeView) -> None:
        super().__init__(view)
        self._view = view

    def sizeHint(self) -> QSize:
        return QSize(self._view.gutter_width(), 0)

    def paintEvent(self, event) -> None:
        self._view.paint_gutter(event)


class CodeView(QPlainTextEdit):
    """Monospace, read-only text with line numbers and one highlighted line."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(theme.monospace_font(9.5))
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self._gutter = _LineNumbers(self)
        self._marked_line: int | None = None
        self.blockCountChanged.connect(self._update_margin)
        self.updateRequest.connect(self._scroll_gutter)
        self._update_margin()

    def gutter_width(self) -> int:
        digits = max(3, len(str(self.blockCount())))
        return 12 + self.fontMetrics().horizontalAdvance("9") * digits

    def _update_margin(self) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _scroll_gutter(self, rect: QRect, dy: int) -> None:
        if dy:
            self._gutter.scroll(0, dy)
        else:
            self._gutter.update(0, rect.y(), self._gutter.width(), rect.height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        area = self.contentsRect()
        self._gutter.setGeometry(QRect(area.left(), area.top(), self.gutter_width(), area.height()))

    def paint_gutter(self, event) -> None:
        painter = QPainter(self._gutter)
        painter.fillRect(event.rect(), QColor("#F3F5F8"))
        block = self.firstVisibleBlock()
        number = block.blockNumber()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        bottom = top + round(self.blockBoundingRect(block).height())
        height = self.fontMetrics().height()
        while block.isValid() and top <= event.rect().bottom():
            if block.isVisible() and bottom >= event.rect().top():
                marked = self._marked_line == number + 1
                painter.setPen(QColor(theme.ERROR if marked else theme.NEUTRAL))
                painter.drawText(
                    0,
                    top,
                    self._gutter.width() - 6,
                    height,
                    Qt.AlignmentFlag.AlignRight,
                    str(number + 1),
                )
            block = block.next()
            top = bottom
            bottom = top + round(self.blockBoundingRect(block).height())
            number += 1
        painter.end()

    def mark_line(self, line: int | None, column: int | None = None) -> None:
        """Highlight 1-based ``line`` (if any), put the cursor there and scroll to it."""
        self._marked_line = line
        selections = []
        if line is not None and 1 <= line <= self.blockCount():
            block = self.document().findBlockByNumber(line - 1)
            cursor = QTextCursor(block)
            if column:
                cursor.movePosition(
                    QTextCursor.MoveOperation.Right,
                    QTextCursor.MoveMode.MoveAnchor,
                    min(column - 1, max(0, block.length() - 1)),
                )
            highlight = QTextEdit.ExtraSelection()
            highlight.format.setBackground(QColor("#FFE9A8"))
            highlight.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            highlight.cursor = QTextCursor(block)
            selections.append(highlight)
            self.setTextCursor(cursor)
            self.centerCursor()
        else:
            self.moveCursor(QTextCursor.MoveOperation.Start)
        self.setExtraSelections(selections)
        self._gutter.update()

    def cursor_line(self) -> int:
        return self.textCursor().blockNumber() + 1


class FileViewer(QWidget):
    """A header naming the file and place, an 'open in editor' button, and the text.

    ``launcher`` opens the file in the user's editor (the desktop's by default; a test can
    pass one that fails). When it fails, :attr:`open_failed` says so with the path.
    """

    open_requested = Signal(object)  # Path

    def __init__(self, parent=None, *, launcher: Launcher | None = None) -> None:
        super().__init__(parent)
        self.launcher = launcher
        self.current_path: Path | None = None
        self.current_line: int | None = None
        self.current_column: int | None = None
        self._label = ""
        self._text: str | None = None  # the file's text as last read
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        header = QHBoxLayout()
        self.title = QLabel("File")
        self.title.setProperty("role", "section")
        self.where = QLabel()
        self.where.setProperty("role", "muted")
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_button = QPushButton("Open in editor")
        self.open_button.setToolTip("Open this file in your default editor")
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_in_editor)
        header.addWidget(self.title)
        header.addWidget(self.where, 1)
        header.addWidget(self.open_button)
        layout.addLayout(header)
        self.open_failed = OpenFailedNote()
        layout.addWidget(self.open_failed)
        self.code = CodeView()
        self.code.setPlaceholderText(
            "Double-click a problem (or select it and press Enter) to see it in its file here."
        )
        self.code.setAccessibleName("File contents")
        layout.addWidget(self.code, 1)

    def show_file(
        self, path: Path, line: int | None = None, column: int | None = None, label: str = ""
    ) -> None:
        """Show ``path`` read-only, with ``line`` highlighted and scrolled into view."""
        path = Path(path)
        if path != self.current_path:
            self.open_failed.hide()
        self.current_path = path
        self.current_line, self.current_column = line, column
        self._label = label
        self.title.setText(label or path.name)
        text = self._read()
        if text is not None:
            self._show_text(text)
            self.where.setText(self._place())
            self.code.mark_line(line, column)

    def reload(self) -> bool:
        """Read the shown file again; True when its text changed (the place is kept)."""
        if self.current_path is None:
            return False
        text = self._read()
        if text is None or text == self._text:
            return False
        scroll = self.code.verticalScrollBar().value()
        self._show_text(text)
        self.where.setText(self._place())
        self.code.mark_line(self.current_line, self.current_column)
        self.code.verticalScrollBar().setValue(scroll)
        return True

    def mark(self, line: int | None, column: int | None = None, note: str = "") -> None:
        """Move the highlight to ``line`` (None: no line); ``note`` replaces the place text."""
        self.current_line, self.current_column = line, column
        if self._text is None:
            return
        self.where.setText(note or self._place())
        self.code.mark_line(line, column)

    def clear(self) -> None:
        """Show no file."""
        self.current_path = self.current_line = self.current_column = None
        self._text = None
        self.code.setPlainText("")
        self.title.setText("File")
        self.where.clear()
        self.open_button.setEnabled(False)
        self.open_failed.hide()

    def _place(self) -> str:
        line, column = self.current_line, self.current_column
        return f"line {line}" + (f", column {column}" if column else "") if line else "top"

    def _read(self) -> str | None:
        """The current file's text; None (the view says why) when it cannot be read."""
        assert self.current_path is not None
        try:
            data = self.current_path.read_bytes()[:MAX_BYTES]
        except OSError as exc:
            self._text = None
            self.code.setPlainText("")
            self.where.setText(f"cannot be read: {exc.strerror or exc}")
            self.open_button.setEnabled(False)
            return None
        return data.decode("utf-8", errors="replace")

    def _show_text(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.code.setPlainText(text)
        self.open_button.setEnabled(True)

    def open_in_editor(self) -> bool:
        """Open the shown file in the user's editor; when none starts, say so (with Copy)."""
        if self.current_path is None:
            return False
        opened = open_or_explain(self.current_path, self.open_failed, self.launcher)
        self.open_requested.emit(self.current_path)
        return opened
