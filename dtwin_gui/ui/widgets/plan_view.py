"""Trees for the Review page: the plan per layer, and the SDK steps per layer."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem

from dtwin_gui.core.providers import CLOUD_TITLES, NOT_IN_TWIN, SLOTS
from dtwin_gui.deploy.review import PlanReview, SdkStepInfo, layer_title, left_out_text
from dtwin_gui.ui import theme

#: How each action reads in the tree (symbol, words).
ACTION_TEXT = {
    "create": ("+", "create"),
    "update": ("~", "update in place"),
    "delete": ("−", "destroy"),
    "replace": ("±", "destroy and re-create"),
}
WARNING_MARK = "⚠"
PROVISIONED_ACTION = "provisioned"
PROVISIONED_ROW = "on the sandbox's {cloud} emulators"
PROVISIONED_DETAIL = (
    "Made on the sandbox's {cloud} emulators when you deploy: the sandbox has no Terraform "
    "provider for {cloud}, so there is no Terraform plan for this layer."
)
_MODULE_PREFIX = re.compile(r"^module\.[a-z]+_[a-z0-9_]+(?:\[[^\]]*\])?\.")


def short_address(address: str) -> str:
    """The address without its layer module (the layer is the row above it)."""
    return _MODULE_PREFIX.sub("", address, count=1)


def _bold(item: QTreeWidgetItem) -> None:
    font = QFont(item.font(0))
    font.setBold(True)
    for column in range(item.columnCount()):
        item.setFont(column, font)


def provisioned_layers(topology, clouds) -> dict[str, object]:
    """``{"L1": Cloud.AZURE, ...}``: the layers on ``clouds`` (those the deploy provisions on
    the sandbox's emulators), in slot order."""
    if topology is None or not clouds:
        return {}
    providers = topology.providers
    return {str(s): providers[s] for s in SLOTS if providers.get(s) in clouds}


def provisioned_sentence(review: PlanReview, provisioned: dict[str, object]) -> str:
    """The Review status line when some layers have no Terraform plan (provisioned)."""
    names = " and ".join(dict.fromkeys(CLOUD_TITLES[c] for c in provisioned.values()))
    count = len(provisioned)
    text = (
        f"{count} layer{'s' if count != 1 else ''} on {names}: no Terraform plan, the deploy "
        "provisions them on the sandbox's emulators (the SDK steps follow)."
    )
    plan = review.plan
    if review.has_resource_changes:
        text = (
            f"Terraform: {plan.add} to add, {plan.change} to change, {plan.destroy} to destroy. "
            + text
        )
    return text


class PlanTree(QTreeWidget):
    """One top-level row per layer (``+3 ~1 -0``), one child per resource and its action.

    Destructive rows (destroy, replace) are marked with ⚠ in the theme's error colour.
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setColumnCount(2)
        self.setHeaderLabels(["Resource", "Action"])
        self.setRootIsDecorated(True)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(False)
        self.header().setStretchLastSection(False)
        self.header().setSectionResizeMode(0, self.header().ResizeMode.Stretch)
        self.header().setSectionResizeMode(1, self.header().ResizeMode.ResizeToContents)

    def show_review(
        self, review: PlanReview | None, provisioned: dict[str, object] | None = None
    ) -> None:
        """The plan per layer; then the ``provisioned`` layers (``{layer: cloud}``), which
        have no Terraform plan, each with a row saying where the deploy makes it."""
        self.clear()
        if review is None:
            return
        self._show_plan(review)
        for layer, cloud in (provisioned or {}).items():
            if layer in self.layer_rows():
                continue
            head = QTreeWidgetItem([layer_title(layer), PROVISIONED_ACTION])
            head.setData(0, Qt.ItemDataRole.UserRole, layer)
            _bold(head)
            self.addTopLevelItem(head)
            name = CLOUD_TITLES[cloud]
            row = QTreeWidgetItem([PROVISIONED_ROW.format(cloud=name), ""])
            for item in (head, row):
                item.setToolTip(0, PROVISIONED_DETAIL.format(cloud=name))
            head.addChild(row)
            head.setExpanded(True)
        self._show_left_out(review)

    def _show_left_out(self, review: PlanReview) -> None:
        """A grey row per layer the twin leaves out: nothing is planned there, on purpose."""
        for layer in review.left_out:
            if layer in self.layer_rows():
                continue  # an earlier deploy's resources are destroyed: the plan shows them
            head = QTreeWidgetItem([layer_title(layer), NOT_IN_TWIN])
            head.setData(0, Qt.ItemDataRole.UserRole, layer)
            for column in (0, 1):
                head.setForeground(column, QBrush(QColor(theme.MUTED)))
                head.setToolTip(column, left_out_text(layer))
            self.addTopLevelItem(head)

    def _show_plan(self, review: PlanReview) -> None:
        error, error_bg = QBrush(QColor(theme.ERROR)), QBrush(QColor(theme.ERROR_BG))
        for layer in review.layers:
            head = QTreeWidgetItem([layer.title, layer.counts_text])
            head.setData(0, Qt.ItemDataRole.UserRole, layer.layer)
            head.setToolTip(1, "to add ~ to change in place - to destroy")
            _bold(head)
            if layer.destructive:
                head.setForeground(1, error)
            self.addTopLevelItem(head)
            # Destructive changes first, then by address (Terraform's order is arbitrary).
            for item in sorted(layer.items, key=lambda i: (not i.destructive, i.address)):
                symbol, words = ACTION_TEXT.get(item.action, ("?", item.action))
                mark = f"{WARNING_MARK} " if item.destructive else ""
                row = QTreeWidgetItem([f"{mark}{short_address(item.address)}", f"{symbol} {words}"])
                row.setData(0, Qt.ItemDataRole.UserRole, item)
                row.setToolTip(0, item.address)
                if item.destructive:
                    for column in (0, 1):
                        row.setForeground(column, error)
                        row.setBackground(column, error_bg)
                head.addChild(row)
            head.setExpanded(True)

    # --- for the page and for tests -------------------------------------------------------
    def layer_rows(self) -> dict[str, QTreeWidgetItem]:
        return {
            str(self.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole)): self.topLevelItem(i)
            for i in range(self.topLevelItemCount())
        }

    def resource_rows(self) -> list[QTreeWidgetItem]:
        return [
            head.child(j) for head in self.layer_rows().values() for j in range(head.childCount())
        ]

    def destructive_rows(self) -> list[QTreeWidgetItem]:
        return [row for row in self.resource_rows() if row.text(0).startswith(WARNING_MARK)]


class SdkStepTree(QTreeWidget):
    """What the deploy creates with the cloud's SDK after the apply, grouped by layer."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setColumnCount(1)
        self.setHeaderHidden(True)
        self.setUniformRowHeights(True)

    def show_steps(self, steps: list[SdkStepInfo]) -> None:
        self.clear()
        heads: dict[str, QTreeWidgetItem] = {}
        for step in steps:
            head = heads.get(step.layer)
            if head is None:
                head = heads[step.layer] = QTreeWidgetItem([layer_title(step.layer)])
                _bold(head)
                self.addTopLevelItem(head)
                head.setExpanded(True)
            row = QTreeWidgetItem([step.title])
            row.setToolTip(0, step.detail)
            row.setData(0, Qt.ItemDataRole.UserRole, step)
            head.addChild(row)
        if not steps:
            self.addTopLevelItem(QTreeWidgetItem(["No SDK steps: no layer needs them"]))

    def step_titles(self) -> list[str]:
        return [
            self.topLevelItem(i).child(j).text(0)
            for i in range(self.topLevelItemCount())
            for j in range(self.topLevelItem(i).childCount())
        ]
