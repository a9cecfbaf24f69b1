"""The deployed twin per layer: state, resources, what is missing, and console links."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem

from dtwin_gui.core.providers import CLOUD_TITLES, LEFT_OUT_MEANING, SLOT_INFO, Cloud, Slot
from dtwin_gui.deploy.cloud_parts import layer_link, resource_cloud, resource_link
from dtwin_gui.deploy.status import (
    DEPLOYED,
    ELSEWHERE,
    LEFT_OUT,
    NOT_DEPLOYED,
    PARTIAL,
    StatusReport,
)
from dtwin_gui.ui import theme

COL_NAME, COL_STATE, COL_DETAIL, COL_CONSOLE = range(4)
URL_ROLE = Qt.ItemDataRole.UserRole + 1
SETUP_TITLE = "Setup (shared by all layers)"

_LAYER_MARKS = {DEPLOYED: "●", PARTIAL: "◐", NOT_DEPLOYED: "○", ELSEWHERE: "–", LEFT_OUT: "–"}
_RESOURCE_MARKS = {"present": "✔", "missing": "✖", "drifted": "⚠", "error": "✖"}


def _state_color(state: str) -> str:
    if state in (DEPLOYED, "present"):
        return theme.OK
    if state in (PARTIAL, "drifted"):
        return theme.WARNING
    if state in ("missing", "error"):
        return theme.ERROR
    return theme.MUTED


def _cloud_title(cloud: str) -> str:
    known = next((c for c in Cloud if str(c) == cloud), None)
    return CLOUD_TITLES[known] if known else cloud


def resource_text(res, twins: int = 1) -> str:
    """``Lambda function · factory-twin-dispatcher``: the kind first, as names repeat across
    a function's role, log group and permission; ``twins`` > 1 rows of the same kind and
    name also show their index key (``IAM role policy · logs (dispatcher)``)."""
    text = f"{res.kind} · {res.name or res.address}"
    if twins > 1 and res.address.endswith("]") and "[" in res.address:
        key = res.address[res.address.rindex("[") + 1 : -1].strip('"')
        text += f" ({key})"
    return text


def _layer_title(layer: str) -> str:
    try:
        return SLOT_INFO[Slot(layer)].title
    except ValueError:
        return layer


def _left_out_detail(layer: str) -> str:
    """``"no twin model (…): "none" on the Layers page"``."""
    try:
        meaning = LEFT_OUT_MEANING[Slot(layer)]
    except (ValueError, KeyError):
        return "not part of this twin"
    return f"{meaning}: None on the Layers page"


class LayerStatusTree(QTreeWidget):
    """One top-level row per layer, its resources below. Console links open on activation."""

    #: A console URL the user asked to open.
    console_requested = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setColumnCount(4)
        self.setHeaderLabels(["Layer / resource", "State", "Detail", "Console"])
        self.setAlternatingRowColors(True)
        self.setUniformRowHeights(True)
        header = self.header()
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_DETAIL, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.setColumnWidth(COL_NAME, 380)
        self.setColumnWidth(COL_STATE, 110)
        self.setColumnWidth(COL_CONSOLE, 110)
        self.report: StatusReport | None = None
        self.itemActivated.connect(self._activated)
        self.itemClicked.connect(self._clicked)

    # --- content --------------------------------------------------------------------------
    def set_report(self, report: StatusReport | None, target=None) -> None:
        """Show ``report``; ``target`` (the deployment's Connections, or its one connection)
        enables console links, each answered by the cloud hosting the layer or resource."""
        self.report = report
        expanded = {
            self.topLevelItem(i).text(COL_NAME)
            for i in range(self.topLevelItemCount())
            if self.topLevelItem(i).isExpanded()
        }
        self.clear()
        if report is None:
            return
        outputs = report.outputs or {}
        things = outputs.get("iot_thing_names") if isinstance(outputs, dict) else None
        for key, layer in report.layers.items():
            item = QTreeWidgetItem([_layer_title(key), "", "", ""])
            cloud = _cloud_title(layer.cloud)
            self._set_state(item, layer.state, _LAYER_MARKS.get(layer.state, ""))
            count = len(layer.resources)
            detail = f"{cloud} · {count} resource(s)" if count else f"{cloud} · nothing deployed"
            detail = detail if cloud else ""
            if layer.state == ELSEWHERE:
                detail = f"on {cloud}: not shown here" if cloud else "no cloud chosen"
            elif layer.state == LEFT_OUT:
                detail = layer.summary if layer.resources else _left_out_detail(key)
            elif layer.missing:
                detail = f"{layer.summary}: " + "; ".join(layer.missing[:3])
                if len(layer.missing) > 3:
                    detail += f" (+{len(layer.missing) - 3} more)"
            item.setText(COL_DETAIL, detail)
            item.setToolTip(COL_DETAIL, "\n".join(layer.missing) or detail)
            item.setData(COL_NAME, Qt.ItemDataRole.UserRole, key)
            if target is not None and layer.state not in (ELSEWHERE, LEFT_OUT):
                link = layer_link(target, key, layer.cloud, outputs, report.twin_name)
                self._set_link(item, link)
            self._add_resources(item, layer.resources, target, things, layer.cloud)
            self.addTopLevelItem(item)
            if item.text(COL_NAME) in expanded or layer.state == PARTIAL:
                item.setExpanded(True)
        if report.setup:
            self._add_setup(report, target, things, expanded)

    def _add_setup(self, report: StatusReport, target, things, expanded: set[str]) -> None:
        """What every layer of a cloud shares (the function-package bucket), below the layers."""
        item = QTreeWidgetItem([SETUP_TITLE, "", "", ""])
        self._set_state(item, DEPLOYED, _LAYER_MARKS[DEPLOYED])
        cloud = str(Cloud.AWS)
        if target is not None:
            cloud = str(resource_cloud(report.setup[0].component, target) or cloud)
        count = len(report.setup)
        item.setText(
            COL_DETAIL, f"{_cloud_title(cloud)} · {count} resource(s): the function packages"
        )
        item.setData(COL_NAME, Qt.ItemDataRole.UserRole, "setup")
        if target is not None:
            link = layer_link(target, "setup", cloud, report.outputs, report.twin_name)
            self._set_link(item, link)
        self._add_resources(item, report.setup, target, things, cloud)
        self.addTopLevelItem(item)
        item.setExpanded(SETUP_TITLE in expanded)

    def _add_resources(self, item: QTreeWidgetItem, resources, target, things, cloud) -> None:
        same: dict[tuple[str, str], int] = {}
        for res in resources:
            same[res.kind, res.name] = same.get((res.kind, res.name), 0) + 1
        for res in resources:
            text = resource_text(res, same[res.kind, res.name])
            child = QTreeWidgetItem([text, "", res.detail, ""])
            child.setToolTip(COL_NAME, f"{res.address}\n{res.component} ({res.source})")
            self._set_state(child, res.state, _RESOURCE_MARKS.get(res.state, ""))
            if target is not None:
                self._set_link(
                    child,
                    resource_link(
                        target,
                        cloud,
                        res.component,
                        res.name,
                        thing_names=things if isinstance(things, dict) else None,
                    ),
                )
            item.addChild(child)

    def _set_state(self, item: QTreeWidgetItem, state: str, mark: str) -> None:
        item.setText(COL_STATE, f"{mark} {state}".strip())
        item.setForeground(COL_STATE, QBrush(QColor(_state_color(state))))

    def _set_link(self, item: QTreeWidgetItem, link) -> None:
        if link.url:
            item.setText(COL_CONSOLE, "Open ↗")
            item.setData(COL_CONSOLE, URL_ROLE, link.url)
            item.setForeground(COL_CONSOLE, QBrush(QColor(theme.ACCENT)))
            item.setToolTip(COL_CONSOLE, link.url)
        else:
            item.setText(COL_CONSOLE, "")
            item.setToolTip(COL_CONSOLE, link.reason)

    # --- queries (tests, accessibility) ------------------------------------------------------
    def layer_item(self, layer: str) -> QTreeWidgetItem | None:
        for i in range(self.topLevelItemCount()):
            item = self.topLevelItem(i)
            if item.data(COL_NAME, Qt.ItemDataRole.UserRole) == layer:
                return item
        return None

    def layer_state(self, layer: str) -> str | None:
        return (
            self.report.layers[layer].state if self.report and layer in self.report.layers else None
        )

    def console_url(self, item: QTreeWidgetItem) -> str | None:
        return item.data(COL_CONSOLE, URL_ROLE)

    # --- links -------------------------------------------------------------------------------
    def _clicked(self, item: QTreeWidgetItem, column: int) -> None:
        if column == COL_CONSOLE:
            self._activated(item, column)

    def _activated(self, item: QTreeWidgetItem, column: int) -> None:
        url = self.console_url(item)
        if url and column == COL_CONSOLE:
            self.console_requested.emit(url)
