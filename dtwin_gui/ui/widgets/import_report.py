"""The importer's per-file report as a table, coloured by what happened to each file."""

from __future__ import annotations

from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
)

from dtwin_gui.core.importer import ImportReport
from dtwin_gui.ui import theme

NEEDS_ATTENTION = "needs-attention"

#: (background, text colour) per importer action.
ACTION_COLORS: dict[str, tuple[str, str]] = {
    "copied": ("#FFFFFF", theme.TEXT),
    "converted": ("#EAF2FF", "#1D4ED8"),
    "wrapped": ("#F1EAFE", "#6B21A8"),
    "skipped": ("#F3F4F6", theme.MUTED),
    "ignored": ("#F3F4F6", theme.MUTED),
    NEEDS_ATTENTION: (theme.WARNING_BG, theme.WARNING),
}


def summary_line(report: ImportReport) -> str:
    """``12 files: 5 copied, 3 converted, … · 1 needs your attention``."""
    counts = report.counts()
    parts = [f"{n} {action}" for action, n in counts.items() if action != NEEDS_ATTENTION]
    total = len(report.entries)
    text = f"{total} file{'s' if total != 1 else ''}: " + (", ".join(parts) or "nothing")
    attention = len(report.needs_attention)
    if attention:
        text += f" · {attention} need{'s' if attention == 1 else ''} your attention"
    else:
        text += " · nothing needs your attention"
    return text


class ImportReportTable(QTableWidget):
    """Action, source, target and message per file; needs-attention rows stand out."""

    def __init__(self, parent=None) -> None:
        super().__init__(0, 4, parent)
        self.setHorizontalHeaderLabels(["What happened", "Imported file", "New file", "Details"])
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setWordWrap(True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.setColumnWidth(1, 260)
        self.setColumnWidth(2, 220)
        self.setAccessibleName("Import report")

    def show_report(self, report: ImportReport) -> None:
        entries = sorted(report.entries, key=lambda e: e.action != NEEDS_ATTENTION)
        self.setRowCount(len(entries))
        bold = QFont()
        bold.setBold(True)
        for row, entry in enumerate(entries):
            action = str(entry.action)
            background, foreground = ACTION_COLORS.get(action, ("#FFFFFF", theme.TEXT))
            label = "⚠ needs attention" if action == NEEDS_ATTENTION else action
            cells = [label, entry.source, entry.target or "—", entry.message]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                item.setBackground(QBrush(QColor(background)))
                if col == 0 or action == NEEDS_ATTENTION:
                    item.setForeground(QBrush(QColor(foreground)))
                if action == NEEDS_ATTENTION:
                    item.setFont(bold)
                self.setItem(row, col, item)
        self.resizeRowsToContents()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.resizeRowsToContents()  # wrapped text needs new heights at a new width

    def selected_text(self) -> str:
        """The selected rows, one line each, cells separated by tabs."""
        rows = sorted({index.row() for index in self.selectedIndexes()})
        return "".join(
            "\t".join(self.item(row, col).text() for col in range(self.columnCount())) + "\n"
            for row in rows
        )

    def keyPressEvent(self, event) -> None:
        if event.matches(QKeySequence.StandardKey.Copy) and self.selectedIndexes():
            QApplication.clipboard().setText(self.selected_text())
            return
        super().keyPressEvent(event)

    def actions(self) -> list[str]:
        return [self.item(r, 0).text() for r in range(self.rowCount())]
