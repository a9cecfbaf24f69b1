"""The problems list: errors and warnings with location and hint, filterable, activatable."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPolygonF
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from dtwin_gui.core.problems import Problem, Severity, ValidationReport
from dtwin_gui.ui import theme

PROBLEM_ROLE = Qt.ItemDataRole.UserRole + 1
PAD = 8
ICON = 18
TEXT_LEFT = PAD + ICON + 10


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def paint_severity_icon(painter: QPainter, rect: QRect, severity: Severity) -> None:
    """A red disc with a cross for errors, an amber triangle with '!' for warnings."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    if severity is Severity.ERROR:
        painter.setBrush(QColor(theme.ERROR))
        painter.drawEllipse(rect)
        mark = "✕"
    else:
        painter.setBrush(QColor("#F0A000"))
        painter.drawPolygon(
            QPolygonF(
                [
                    QPointF(rect.center().x() + 0.5, rect.top()),
                    QPointF(rect.right() + 1, rect.bottom() + 1),
                    QPointF(rect.left(), rect.bottom() + 1),
                ]
            )
        )
        mark = "!"
    font = QFont()
    font.setBold(True)
    font.setPointSizeF(8)
    painter.setFont(font)
    painter.setPen(QColor("white"))
    text_rect = rect.adjusted(0, 2 if mark == "!" else 0, 0, 0)
    painter.drawText(text_rect, Qt.AlignmentFlag.AlignCenter, mark)
    painter.restore()


class _ProblemDelegate(QStyledItemDelegate):
    """Three parts per problem: message (bold), location (monospace), hint."""

    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont, QFont]:
        message = QFont(option.font)
        message.setBold(True)
        location = theme.monospace_font(option.font.pointSizeF() - 1)
        hint = QFont(option.font)
        hint.setPointSizeF(option.font.pointSizeF() - 0.5)
        return message, location, hint

    def _parts(self, problem: Problem) -> tuple[str, str, str]:
        hint = f"→ {problem.hint}" if problem.hint else ""
        return problem.message, problem.location, hint

    def _width(self, option: QStyleOptionViewItem) -> int:
        view = self.parent()
        width = view.viewport().width() if isinstance(view, QListView) else option.rect.width()
        return max(120, width - TEXT_LEFT - PAD)

    def _heights(self, option: QStyleOptionViewItem, problem: Problem) -> list[int]:
        width = self._width(option)
        heights = []
        for font, text in zip(self._fonts(option), self._parts(problem), strict=True):
            if not text:
                heights.append(0)
                continue
            metrics = QFontMetrics(font)
            flags = Qt.TextFlag.TextWordWrap
            heights.append(metrics.boundingRect(QRect(0, 0, width, 10_000), flags, text).height())
        return heights

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:
        problem = index.data(PROBLEM_ROLE)
        if problem is None:
            return super().sizeHint(option, index)
        heights = self._heights(option, problem)
        return QSize(self._width(option), sum(heights) + 2 * PAD + 4 * (len(heights) - 1))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        problem: Problem | None = index.data(PROBLEM_ROLE)
        if problem is None:
            super().paint(painter, option, index)
            return
        painter.save()
        rect = option.rect
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, QColor(theme.INFO_BG))
            painter.fillRect(QRect(rect.left(), rect.top(), 3, rect.height()), QColor(theme.ACCENT))
        elif option.state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(rect, QColor("#F5F7FA"))
        painter.setPen(QColor("#E6E9EE"))
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        icon_rect = QRect(rect.left() + PAD, rect.top() + PAD + 1, ICON, ICON)
        paint_severity_icon(painter, icon_rect, problem.severity)
        colors = (QColor(theme.TEXT), QColor(theme.MUTED), QColor("#3E4C59"))
        y = rect.top() + PAD
        width = self._width(option)
        flags = Qt.TextFlag.TextWordWrap
        for font, color, text, height in zip(
            self._fonts(option),
            colors,
            self._parts(problem),
            self._heights(option, problem),
            strict=True,
        ):
            if not text:
                continue
            painter.setFont(font)
            painter.setPen(color)
            painter.drawText(QRect(rect.left() + TEXT_LEFT, y, width, height), flags, text)
            y += height + 4
        painter.restore()


class ValidationPanel(QWidget):
    """Every problem of the latest validation. Activate one (double-click or Enter) to open it."""

    problem_activated = Signal(object)  # Problem
    recheck_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._report: ValidationReport | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)

        header = QHBoxLayout()
        title = QLabel("Problems")
        title.setProperty("role", "section")
        header.addWidget(title)
        self.errors_button = QPushButton()
        self.warnings_button = QPushButton()
        for button, tip in (
            (self.errors_button, "Show or hide errors"),
            (self.warnings_button, "Show or hide warnings"),
        ):
            button.setProperty("role", "filter")
            button.setCheckable(True)
            button.setChecked(True)
            button.setToolTip(tip)
            button.toggled.connect(self._apply_filter)
            header.addWidget(button)
        header.addStretch(1)
        self.status = QLabel()
        self.status.setProperty("role", "muted")
        header.addWidget(self.status)
        self.recheck_button = QPushButton("Check again")
        self.recheck_button.setToolTip("Validate the project files again")
        self.recheck_button.clicked.connect(self.recheck_requested)
        header.addWidget(self.recheck_button)
        layout.addLayout(header)

        self.stack = QStackedWidget()
        self.list = QListWidget()
        self.list.setItemDelegate(_ProblemDelegate(self.list))
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setMouseTracking(True)
        self.list.setAccessibleName("Problems")
        self.list.itemActivated.connect(self._activated)
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setProperty("role", "muted")
        self.stack.addWidget(self.list)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)
        self.set_report(None)

    # --- state -----------------------------------------------------------------------------
    def set_running(self, running: bool) -> None:
        self.status.setText("Checking…" if running else self.status.text())
        if not running and self._report is not None:
            self._update_status()

    def set_failed(self, message: str) -> None:
        self.status.setText("Check failed")
        self.empty.setText(message)
        if not self._report or not self._report.problems:
            self.stack.setCurrentWidget(self.empty)

    def set_report(self, report: ValidationReport | None) -> None:
        """Show ``report``'s problems (errors first); None means not checked yet."""
        self._report = report
        self.list.clear()
        problems = report.problems if report else []
        ordered = sorted(problems, key=lambda p: (p.severity is not Severity.ERROR,))
        for problem in ordered:
            item = QListWidgetItem()
            item.setData(PROBLEM_ROLE, problem)
            item.setData(Qt.ItemDataRole.DisplayRole, problem.message)
            item.setToolTip(f"{problem.location}\nDouble-click or press Enter to open the file.")
            spoken = f"{problem.severity}: {problem.message}"
            item.setData(Qt.ItemDataRole.AccessibleTextRole, spoken)
            self.list.addItem(item)
        errors = len(report.errors) if report else 0
        warnings = len(report.warnings) if report else 0
        self.errors_button.setText(f"✖ {plural(errors, 'error')}")
        self.warnings_button.setText(f"▲ {plural(warnings, 'warning')}")
        if report is None:
            self.empty.setText("The project has not been checked yet.")
        elif not problems:
            self.empty.setText("✔ No problems found: the project is valid.")
        self._apply_filter()
        self._update_status()

    def _update_status(self) -> None:
        if self._report is None:
            self.status.setText("")
        else:
            self.status.setText("valid" if self._report.valid else "")

    def _apply_filter(self) -> None:
        show = {
            Severity.ERROR: self.errors_button.isChecked(),
            Severity.WARNING: self.warnings_button.isChecked(),
        }
        for row in range(self.list.count()):
            item = self.list.item(row)
            item.setHidden(not show[item.data(PROBLEM_ROLE).severity])
        if self._report is not None and self._report.problems:
            self.stack.setCurrentWidget(self.list)
        else:
            self.stack.setCurrentWidget(self.empty)

    def _activated(self, item: QListWidgetItem) -> None:
        self.problem_activated.emit(item.data(PROBLEM_ROLE))

    # --- queries ---------------------------------------------------------------------------
    def visible_problems(self) -> list[Problem]:
        return [
            self.list.item(r).data(PROBLEM_ROLE)
            for r in range(self.list.count())
            if not self.list.item(r).isHidden()
        ]

    def row_of(self, problem: Problem) -> int:
        for row in range(self.list.count()):
            if self.list.item(row).data(PROBLEM_ROLE) == problem:
                return row
        return -1
