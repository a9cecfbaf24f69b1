"""A read-only view of a project file, scrolled to a line which is highlighted."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QPainter, QTextCursor, QTextFormat
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
    """A header naming the file and place, an 'open in editor' button, and the text."""

    open_requested = Signal(object)  # Path

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.current_path: Path | None = None
        self.current_line: int | None = None
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
        self.current_path = path
        self.current_line = line
        name = label or path.name
        try:
            data = path.read_bytes()[:MAX_BYTES]
        except OSError as exc:
            self.code.setPlainText("")
            self.title.setText(name)
            self.where.setText(f"cannot be read: {exc.strerror or exc}")
            self.open_button.setEnabled(False)
            return
        self.code.setPlainText(data.decode("utf-8", errors="replace"))
        self.title.setText(name)
        place = f"line {line}" + (f", column {column}" if column else "") if line else "top"
        self.where.setText(place)
        self.open_button.setEnabled(True)
        self.code.mark_line(line, column)

    def open_in_editor(self) -> None:
        if self.current_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.current_path)))
            self.open_requested.emit(self.current_path)
