"""The wizard's step list: one row per step with a state mark and a one-line status."""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from dtwin_gui.ui import theme

STATE_ROLE = Qt.ItemDataRole.UserRole + 1
DETAIL_ROLE = Qt.ItemDataRole.UserRole + 2


class StepState(StrEnum):
    LOCKED = "locked"  # needs a project first
    PENDING = "pending"
    DONE = "done"
    WARNING = "warning"
    ERROR = "error"


_MARK_COLORS = {
    StepState.LOCKED: theme.NEUTRAL,
    StepState.PENDING: theme.ACCENT,
    StepState.DONE: theme.OK,
    StepState.WARNING: theme.WARNING,
    StepState.ERROR: theme.ERROR,
}
_MARK_TEXT = {StepState.DONE: "✓", StepState.WARNING: "!", StepState.ERROR: "✕"}


class _StepDelegate(QStyledItemDelegate):
    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:
        return QSize(option.rect.width(), 58)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        enabled = bool(index.flags() & Qt.ItemFlag.ItemIsEnabled)
        if selected:
            painter.fillRect(rect, QColor(theme.SURFACE))
            painter.fillRect(QRect(rect.left(), rect.top(), 4, rect.height()), QColor(theme.ACCENT))
        elif option.state & QStyle.StateFlag.State_MouseOver and enabled:
            painter.fillRect(rect, QColor("#E2E7ED"))
        state = StepState(index.data(STATE_ROLE) or StepState.PENDING)
        color = QColor(_MARK_COLORS[state])
        circle = QRect(rect.left() + 16, rect.center().y() - 13, 26, 26)
        if state in (StepState.LOCKED, StepState.PENDING):
            painter.setPen(QPen(color, 2))
            painter.setBrush(QColor(theme.SURFACE))
            mark = str(index.row() + 1)
        else:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            mark = _MARK_TEXT[state]
        painter.drawEllipse(circle)
        font = QFont(option.font)
        font.setBold(True)
        painter.setFont(font)
        filled = state not in (StepState.LOCKED, StepState.PENDING)
        painter.setPen(QColor("white") if filled else color)
        painter.drawText(circle, Qt.AlignmentFlag.AlignCenter, mark)

        text_left = circle.right() + 12
        title_rect = QRect(text_left, rect.top() + 9, rect.right() - text_left - 8, 20)
        font.setPointSizeF(option.font.pointSizeF() + 1)
        painter.setFont(font)
        painter.setPen(QColor(theme.TEXT if enabled else theme.NEUTRAL))
        painter.drawText(title_rect, Qt.AlignmentFlag.AlignVCenter, index.data())
        small = QFont(option.font)
        small.setPointSizeF(option.font.pointSizeF() - 1)
        painter.setFont(small)
        detail_color = {
            StepState.ERROR: theme.ERROR,
            StepState.WARNING: theme.WARNING,
        }.get(state, theme.MUTED)
        painter.setPen(QColor(detail_color))
        detail_rect = QRect(text_left, rect.top() + 30, title_rect.width(), 18)
        detail = painter.fontMetrics().elidedText(
            index.data(DETAIL_ROLE) or "", Qt.TextElideMode.ElideRight, detail_rect.width()
        )
        painter.drawText(detail_rect, Qt.AlignmentFlag.AlignVCenter, detail)
        painter.restore()


class StepList(QListWidget):
    """The left-hand list of wizard steps; rows can be locked until a project is open."""

    def __init__(self, titles: list[str], parent=None) -> None:
        super().__init__(parent)
        self.setProperty("role", "steps")
        self.setItemDelegate(_StepDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setMouseTracking(True)
        self.setFixedWidth(210)
        self.setAccessibleName("Wizard steps")
        for title in titles:
            item = QListWidgetItem(title)
            item.setData(STATE_ROLE, StepState.PENDING)
            self.addItem(item)

    def set_step(self, row: int, state: StepState, detail: str, *, enabled: bool = True) -> None:
        """Show ``state`` and ``detail`` for step ``row``; disabled rows cannot be chosen."""
        item = self.item(row)
        item.setData(STATE_ROLE, state)
        item.setData(DETAIL_ROLE, detail)
        item.setToolTip(f"{item.text()}: {detail}")
        flags = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
        item.setFlags(flags if enabled else Qt.ItemFlag.NoItemFlags)

    def state(self, row: int) -> StepState:
        return StepState(self.item(row).data(STATE_ROLE))

    def detail(self, row: int) -> str:
        return self.item(row).data(DETAIL_ROLE) or ""
