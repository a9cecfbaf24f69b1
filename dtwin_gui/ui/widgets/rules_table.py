"""Event rules: each condition with its action and feedback target underneath."""

from __future__ import annotations

import json

from PySide6.QtGui import QBrush, QColor
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

    def show_rules(self, rules: list[EventRule]) -> None:
        self.clear()
        mono = theme.monospace_font(9.5)
        muted = QBrush(QColor(theme.MUTED))
        for number, rule in enumerate(rules, start=1):
            item = QTreeWidgetItem([f"#{number}", rule.condition])
            item.setFont(1, mono)
            item.setToolTip(1, rule.condition)
            for label, text in (("action", action_text(rule)), ("feedback", feedback_text(rule))):
                child = QTreeWidgetItem([label, text])
                child.setForeground(0, muted)
                child.setToolTip(1, text)
                item.addChild(child)
            self.addTopLevelItem(item)
        self.expandAll()

    def conditions(self) -> list[str]:
        return [self.topLevelItem(i).text(1) for i in range(self.topLevelItemCount())]

    def details(self, row: int) -> dict[str, str]:
        item = self.topLevelItem(row)
        return {item.child(i).text(0): item.child(i).text(1) for i in range(item.childCount())}
