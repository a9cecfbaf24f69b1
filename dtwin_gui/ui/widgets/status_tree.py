"""The live resource tree of a run: layer → component → resource, with state, time, error.

Rows are updated in place from a :class:`~dtwin_gui.deploy.run_model.RunModel`; only rows
that changed are touched, and :meth:`StatusTree.tick` refreshes just the elapsed time of
the changes still in progress (the page calls it from its one timer).
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeView, QWidget

from dtwin_gui.core.providers import CLOUD_TITLES, LEFT_OUT_MEANING, NOT_IN_TWIN, Slot
from dtwin_gui.deploy.run_model import (
    DONE,
    IN_PROGRESS,
    LAYER_ORDER,
    ResourceRow,
    RunModel,
    format_duration,
    layer_label,
    resource_labels,
    short_address,
)
from dtwin_gui.ui import theme

COLUMNS = ("Resource", "State", "Time", "Detail")
#: State → (mark, theme colour name).
STATE_LOOK = {
    "pending": ("○", "MUTED"),
    "creating": ("◐", "ACCENT"),
    "updating": ("◐", "ACCENT"),
    "deleting": ("◐", "WARNING"),
    "created": ("✔", "OK"),
    "updated": ("✔", "OK"),
    "deleted": ("✔", "OK"),
    "failed": ("✖", "ERROR"),
    "unchanged": ("–", "MUTED"),
}
ADDRESS_ROLE = Qt.ItemDataRole.UserRole + 1


#: The address without its module prefix (``aws_lambda_function.processor["a"]``).
short_name = short_address


def _elapsed_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds:.1f} s" if seconds < 60 else format_duration(seconds)


def _items(text: str = "", count: int = len(COLUMNS)) -> list[QStandardItem]:
    items = [QStandardItem(text if i == 0 else "") for i in range(count)]
    for item in items:
        item.setEditable(False)
    return items


class StatusTree(QTreeView):
    """A tree of the run's resources; call :meth:`update_from` with the addresses changed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model_ = QStandardItemModel(self)
        self.model_.setHorizontalHeaderLabels(list(COLUMNS))
        self.setModel(self.model_)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 330)
        header.resizeSection(1, 110)
        header.resizeSection(2, 70)
        self._layers: dict[str, list[QStandardItem]] = {}
        self._components: dict[tuple[str, str], list[QStandardItem]] = {}
        self._rows: dict[str, list[QStandardItem]] = {}
        self._group_rows: dict[tuple[str, str], list[str]] = {}
        self._batching = False  # show_run labels each group once, at the end
        self._run: RunModel | None = None
        self._left_out: list[str] = []  # kept across clear_run: show_run shows them again
        #: ``{layer: cloud title}``: each layer row names its cloud ("L3 hot · Azure").
        self._clouds: dict[str, str] = {}

    # --- building ------------------------------------------------------------------------
    def clear_run(self) -> None:
        self.model_.removeRows(0, self.model_.rowCount())
        self._layers.clear()
        self._components.clear()
        self._rows.clear()
        self._group_rows.clear()
        self._run = None

    def show_run(self, run: RunModel, now: float | None = None) -> None:
        """Rebuild from scratch (a replay, or a view opened late)."""
        self.clear_run()
        self._batching = True
        try:
            self.update_from(run, set(run.resources), now)
        finally:
            self._batching = False
        for group in self._group_rows.values():
            self._apply_labels(group)
        self.show_left_out(self._left_out)

    def update_from(self, run: RunModel, changed: set[str], now: float | None = None) -> None:
        """Bring the rows of ``changed`` addresses (and their parents) up to date."""
        self._run = run
        now = run.now(time.time() if now is None else now)
        touched: set[str] = set()
        for address in changed:
            row = run.resources.get(address)
            if row is None:
                continue
            self._resource_items(row)
            self._paint_resource(row, now)
            touched.add(row.layer)
        for layer in touched:
            self._paint_layer(run, layer)

    def set_clouds(self, clouds) -> None:
        """Name each layer's cloud on its row (``{slot or layer: Cloud}``; kept across runs)."""
        self._clouds = {str(layer): CLOUD_TITLES[cloud] for layer, cloud in clouds.items()}
        for layer, items in self._layers.items():
            items[0].setText(self._layer_text(layer))

    def _layer_text(self, layer: str) -> str:
        cloud = self._clouds.get(layer)
        return f"{layer_label(layer)} · {cloud}" if cloud else layer_label(layer)

    def _layer_items(self, layer: str) -> list[QStandardItem]:
        items = self._layers.get(layer)
        if items is None:
            items = _items(self._layer_text(layer))
            font = items[0].font()
            font.setBold(True)
            items[0].setFont(font)
            order = {name: i for i, name in enumerate(LAYER_ORDER)}
            rank = order.get(layer, len(order))
            position = sum(1 for other in self._layers if order.get(other, len(order)) <= rank)
            self.model_.insertRow(position, items)
            self._layers[layer] = items
            self.expand(items[0].index())
        return items

    def _component_items(self, layer: str, component: str) -> list[QStandardItem]:
        key = (layer, component)
        items = self._components.get(key)
        if items is None:
            parent = self._layer_items(layer)[0]
            items = _items(component or "other")
            parent.appendRow(items)
            self._components[key] = items
            self.expand(items[0].index())
        return items

    def _resource_items(self, row: ResourceRow) -> list[QStandardItem]:
        items = self._rows.get(row.address)
        if items is None:
            parent = self._component_items(row.layer, row.component)[0]
            items = _items(short_name(row.address))
            items[0].setToolTip(row.address)
            items[0].setData(row.address, ADDRESS_ROLE)
            parent.appendRow(items)
            self._rows[row.address] = items
            self._relabel(row.layer, row.component, row.address)
        return items

    def _relabel(self, layer: str, component: str, added: str) -> None:
        """Rows show what tells them apart within their type (the full address is the
        tooltip); a new sibling can change what that is, e.g. the shared key prefix."""
        group = self._group_rows.setdefault((layer, component), [])
        group.append(added)
        if not self._batching:  # a replay of 100 rows of one type: once, not 100 times
            self._apply_labels(group)

    def _apply_labels(self, group: list[str]) -> None:
        for address, label in resource_labels(group).items():
            item = self._rows[address][0]
            if item.text() != label:
                item.setText(label)

    def show_left_out(self, layers) -> None:
        """A muted row per optional layer the twin leaves out (``Topology.left_out``): not
        part of this twin, so nothing runs there (unless an earlier deploy's resources are
        removed: then their rows come below it as usual)."""
        self._left_out = [str(slot) for slot in layers]
        for layer in self._left_out:
            items = self._layer_items(layer)
            if items[0].rowCount():
                continue  # the run has rows there: _paint_layer says what happens
            items[1].setText(f"– {NOT_IN_TWIN}")
            items[3].setText(LEFT_OUT_MEANING.get(Slot(layer), ""))
            for item in items:
                item.setForeground(QColor(theme.MUTED))

    # --- painting ------------------------------------------------------------------------
    def _paint_resource(self, row: ResourceRow, now: float) -> None:
        items = self._rows[row.address]
        mark, color = STATE_LOOK.get(row.state, ("·", "MUTED"))
        state_text = f"{mark} {row.state}"
        if row.action == "replace" and row.state not in ("unchanged",):
            state_text += " (replace)"
        items[1].setText(state_text)
        items[1].setForeground(QColor(getattr(theme, color)))
        items[2].setText(_elapsed_text(row.elapsed(now)))
        items[3].setText(row.error.splitlines()[0] if row.error else "")
        items[3].setToolTip(row.error)
        items[3].setForeground(QColor(theme.ERROR))

    def _paint_layer(self, run: RunModel, layer: str) -> None:
        rows = [r for r in run.resources.values() if r.layer == layer]
        changes = [r for r in rows if r.state != "unchanged" and r.action not in ("noop", "read")]
        done = sum(r.state in DONE for r in changes)
        running = sum(r.state in IN_PROGRESS for r in changes)
        failed = sum(r.state == "failed" for r in changes)
        items = self._layer_items(layer)
        if failed:
            text, color = f"✖ {failed} failed", "ERROR"
        elif running:
            text, color = f"◐ {running} in progress", "ACCENT"
        elif changes and done == len(changes):
            text, color = "✔ done", "OK"
        elif not changes:
            text, color = "– no changes", "MUTED"
        else:
            text, color = "○ waiting", "MUTED"
        items[1].setText(text)
        items[1].setForeground(QColor(getattr(theme, color)))
        items[3].setText(f"{done} of {len(changes)} done" if changes else f"{len(rows)} unchanged")
        items[3].setForeground(QColor(theme.MUTED))
        for (row_layer, _component), component_items in self._components.items():
            if row_layer == layer:
                count = component_items[0].rowCount()
                component_items[3].setText(f"{count} resource{'s' if count != 1 else ''}")
                component_items[3].setForeground(QColor(theme.MUTED))

    def tick(self, now: float | None = None) -> None:
        """Refresh the elapsed time of the changes in progress (only those rows repaint)."""
        run = self._run
        if run is None:
            return
        now = run.now(time.time() if now is None else now)
        for address, items in self._rows.items():
            row = run.resources.get(address)
            if row is not None and row.in_progress:
                items[2].setText(_elapsed_text(row.elapsed(now)))

    # --- reading (tests, accessibility) ---------------------------------------------------
    def row_tooltip(self, address: str) -> str:
        items = self._rows.get(address)
        return items[0].toolTip() if items else ""

    def row_texts(self, address: str) -> list[str]:
        """The cells of ``address``'s row as shown."""
        items = self._rows.get(address)
        return [item.text() for item in items] if items else []

    def layer_names(self) -> list[str]:
        return [self.model_.item(i, 0).text() for i in range(self.model_.rowCount())]
