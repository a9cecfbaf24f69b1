"""An inline message strip (error, info or success) shown at the top of a page or dialog."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton

_MARKS = {"error": "✖", "info": "ℹ", "ok": "✔"}


class Banner(QFrame):
    """Hidden until :meth:`show_message`; the user can dismiss it."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setProperty("role", "banner")
        self.setProperty("kind", "info")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self._mark = QLabel()
        self._mark.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss this message")
        close.clicked.connect(self.clear)
        layout.addWidget(self._mark)
        layout.addWidget(self.label, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    @property
    def kind(self) -> str:
        return str(self.property("kind"))

    def text(self) -> str:
        return self.label.text() if self.isVisibleTo(self.parentWidget()) else ""

    def show_message(self, kind: str, text: str) -> None:
        """Show ``text``; ``kind`` is ``error``, ``info`` or ``ok``."""
        self.setProperty("kind", kind)
        self._mark.setText(_MARKS.get(kind, ""))
        self.label.setText(text)
        self.style().unpolish(self)
        self.style().polish(self)
        self.show()

    def clear(self) -> None:
        self.label.clear()
        self.hide()
