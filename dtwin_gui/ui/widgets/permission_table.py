"""The permission preflight, per layer: each required action as allowed, denied or unknown.

Shows any cloud's :class:`~dtwin_gui.clouds.base.PermissionReport` (AWS's IAM preflight so far).
"""

from __future__ import annotations

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem

from dtwin_gui.clouds.base import Decision, PermissionReport
from dtwin_gui.ui import theme

GROUP_TITLES = {
    "setup": "Setup (identity, function-package bucket, clean-up checks)",
    "L1": "L1 · device ingestion (IoT Core)",
    "L2": "L2 · processing (Lambda, Step Functions)",
    "L3_hot": "L3 hot · DynamoDB",
    "L3_cold": "L3 cold · S3",
    "L3_archive": "L3 archive · S3 Glacier",
    "L4": "L4 · twin model (TwinMaker)",
    "L5": "L5 · dashboards (Managed Grafana)",
}
ALLOWED, DENIED, UNKNOWN = Decision.ALLOWED, Decision.DENIED, Decision.UNKNOWN
_MARKS = {ALLOWED: "✔ allowed", DENIED: "✖ denied", UNKNOWN: "? unknown"}


def _color(decision: str) -> QColor:
    return QColor({ALLOWED: theme.OK, DENIED: theme.ERROR}.get(decision, theme.MUTED))


class PermissionTable(QTreeWidget):
    """One collapsible row per layer with its counts; one child row per action."""

    def __init__(self, parent=None, titles: dict[str, str] | None = None) -> None:
        super().__init__(parent)
        self._titles = titles or GROUP_TITLES
        self.setColumnCount(2)
        self.setHeaderLabels(["Permission", "Result"])
        self.setRootIsDecorated(True)
        self.setUniformRowHeights(True)
        self.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.setMinimumHeight(220)
        self._preflight: PermissionReport | None = None

    def show_preflight(self, preflight: PermissionReport | None) -> None:
        self.clear()
        self._preflight = preflight
        if preflight is None:
            return
        for group, actions in preflight.groups.items():
            counts = preflight.counts(group)
            parts = [f"{n} {d}" for d, n in counts.items() if n]
            top = QTreeWidgetItem([self._titles.get(group, group), " · ".join(parts)])
            worst = DENIED if counts[DENIED] else UNKNOWN if counts[UNKNOWN] else ALLOWED
            top.setForeground(1, QBrush(_color(worst)))
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            top.setData(0, 256, group)
            order = {DENIED: 0, UNKNOWN: 1, ALLOWED: 2}
            for action, decision in sorted(actions.items(), key=lambda i: (order[i[1]], i[0])):
                child = QTreeWidgetItem([action, _MARKS[decision]])
                child.setForeground(1, QBrush(_color(decision)))
                top.addChild(child)
            self.addTopLevelItem(top)
            top.setExpanded(counts[DENIED] > 0)

    # --- for tests and the page ------------------------------------------------------------
    def groups(self) -> list[str]:
        return [self.topLevelItem(i).data(0, 256) for i in range(self.topLevelItemCount())]

    def summary(self, group: str) -> str:
        """The counts text of ``group``'s row, e.g. "40 allowed · 2 denied"."""
        for i in range(self.topLevelItemCount()):
            item = self.topLevelItem(i)
            if item.data(0, 256) == group:
                return item.text(1)
        return ""

    def decision(self, group: str, action: str) -> str:
        """The result text shown for ``action`` under ``group`` ("" if absent)."""
        for i in range(self.topLevelItemCount()):
            item = self.topLevelItem(i)
            if item.data(0, 256) != group:
                continue
            for j in range(item.childCount()):
                if item.child(j).text(0) == action:
                    return item.child(j).text(1)
        return ""
