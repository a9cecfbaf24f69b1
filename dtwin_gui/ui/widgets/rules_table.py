"""Event rules: each condition with its action and feedback target underneath."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFontMetrics
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem

from dtwin_gui.core.project import EventRule
from dtwin_gui.ui import theme


def action_text(rule: EventRule) -> str:
    if rule.action_type == "function":
        return f"run function {rule.function_name or '(no name)'}"
    if rule.action_type == "workflow":
        return "start the workflow of the L2 cloud"
    return rule.action_type or "(no action)"


def feedback_text(rule: EventRule) -> str:
    if not rule.feedback_device:
        return "none"
    payload = json.dumps(rule.feedback_payload) if rule.feedback_payload else "{}"
    return f"{rule.feedback_device} ← {payload}"


FULL_TEXT = Qt.ItemDataRole.UserRole + 1


def wrap_text(text: str, metrics: QFontMetrics, width: int) -> str:
    """``text`` broken into lines no wider than ``width`` (at spaces; a longer word is cut
    where it must be), so nothing is elided."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if metrics.horizontalAdvance(candidate) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
        while metrics.horizontalAdvance(line) > width and len(line) > 1:
            cut = len(line)
            while cut > 1 and metrics.horizontalAdvance(line[:cut]) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    lines.append(line)
    return "\n".join(lines)


class RulesTable(QTreeWidget):
    """One entry per rule: the condition, then its action and feedback target."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setColumnCount(2)
        self.setHeaderLabels(["Rule", "Condition / detail"])
        self.setWordWrap(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAccessibleName("Event rules")
        self.setColumnWidth(0, 120)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.header().sectionResized.connect(lambda column, *_: column == 1 and self._rewrap())

    def show_rules(self, rules: list[EventRule]) -> None:
        self.clear()
        mono = theme.monospace_font(9.5)
        muted = QBrush(QColor(theme.MUTED))
        for number, rule in enumerate(rules, start=1):
            item = QTreeWidgetItem([f"#{number}", rule.condition])
            item.setFont(1, mono)
            item.setData(1, FULL_TEXT, rule.condition)
            item.setToolTip(0, f"Rule #{number}: {rule.condition}")
            item.setToolTip(1, rule.condition)
            for label, text in (("action", action_text(rule)), ("feedback", feedback_text(rule))):
                child = QTreeWidgetItem([label, text])
                child.setForeground(0, muted)
                child.setData(1, FULL_TEXT, text)
                child.setToolTip(1, text)
                item.addChild(child)
            self.addTopLevelItem(item)
        self.expandAll()
        self._rewrap()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._rewrap()

    def _rewrap(self) -> None:
        """Wrap every condition and detail to the column's width (rows grow), never elide."""
        width = self.columnWidth(1) - 12
        if width <= 40:
            return
        for i in range(self.topLevelItemCount()):
            item = self.topLevelItem(i)
            for entry in [item, *(item.child(n) for n in range(item.childCount()))]:
                full = entry.data(1, FULL_TEXT) or ""
                wrapped = wrap_text(full, QFontMetrics(entry.font(1)), width)
                if entry.text(1) != wrapped:
                    entry.setText(1, wrapped)

    def conditions(self) -> list[str]:
        """The conditions as written (the cells may show them wrapped)."""
        return [self.topLevelItem(i).data(1, FULL_TEXT) for i in range(self.topLevelItemCount())]

    def details(self, row: int) -> dict[str, str]:
        item = self.topLevelItem(row)
        return {
            item.child(i).text(0): item.child(i).data(1, FULL_TEXT)
            for i in range(item.childCount())
        }
