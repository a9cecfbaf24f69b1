"""A push button with a small second line under its text (the Layers matrix's cost).

The button's own ``text()`` stays what it was (the service name, with the ✓ when chosen);
the note is painted under it in a smaller font, through the style, so the stylesheet's
colours and borders for hover, checked and disabled still apply.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QPushButton, QStyle, QStyleOptionButton, QStylePainter

#: The note's font size relative to the button's.
NOTE_SCALE = 0.82


class NotedButton(QPushButton):
    """:class:`QPushButton` with :meth:`set_note`: a second, smaller line of text."""

    def __init__(self, text: str = "", parent=None) -> None:
        super().__init__(text, parent)
        self._note = ""

    def note(self) -> str:
        return self._note

    def set_note(self, note: str) -> None:
        if note != self._note:
            self._note = note
            self.updateGeometry()
            self.update()

    def _note_font(self):
        font = self.font()
        font.setPointSizeF(max(6.5, font.pointSizeF() * NOTE_SCALE))
        return font

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        if not self._note:
            return hint
        metrics = QFontMetrics(self._note_font())
        width = max(hint.width(), metrics.horizontalAdvance(self._note) + 16)
        return QSize(width, hint.height() + metrics.height() - 4)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        if not self._note:
            return hint
        return QSize(hint.width(), max(hint.height(), self.sizeHint().height()))

    def paintEvent(self, event) -> None:
        if not self._note:
            super().paintEvent(event)
            return
        painter = QStylePainter(self)
        option = QStyleOptionButton()
        self.initStyleOption(option)
        text = option.text
        option.text = ""
        painter.drawControl(QStyle.ControlElement.CE_PushButtonBevel, option)
        contents = self.style().subElementRect(
            QStyle.SubElement.SE_PushButtonContents, option, self
        )
        note_font = self._note_font()
        note_height = QFontMetrics(note_font).height()
        text_height = QFontMetrics(self.font()).height()
        top = contents.top() + max(0, (contents.height() - text_height - note_height) // 2)
        label = QStyleOptionButton(option)
        label.text = text
        label.rect = QRect(contents.left(), top, contents.width(), text_height)
        painter.drawControl(QStyle.ControlElement.CE_PushButtonLabel, label)
        painter.setFont(note_font)
        note = QStyleOptionButton(option)
        note.text = self._note
        note.icon = note.icon.__class__()
        note.fontMetrics = QFontMetrics(note_font)
        note.rect = QRect(contents.left(), top + text_height - 1, contents.width(), note_height)
        painter.drawControl(QStyle.ControlElement.CE_PushButtonLabel, note)
        painter.end()  # now, not whenever the wrapper is collected
