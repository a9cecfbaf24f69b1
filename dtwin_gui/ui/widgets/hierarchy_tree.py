"""The twin hierarchy of the chosen L4 cloud, read tolerantly and shown as a tree.

AWS (IoT TwinMaker) hierarchies are nested entities and components. Azure Digital Twins
hierarchies are a graph; it is shown as a tree from the twins no relationship points at.
Whatever cannot be understood is left out; the validator reports it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dtwin_gui.core.project import HIERARCHY_FILES
from dtwin_gui.core.providers import CLOUD_TITLES, SLOT_INFO, Cloud, Slot
from dtwin_gui.ui import theme

MAX_DEPTH = 32


@dataclass
class HierarchyNode:
    label: str
    kind: str
    detail: str = ""
    children: list[HierarchyNode] = field(default_factory=list)


class HierarchyUnreadable(ValueError):
    """The hierarchy file is missing or not JSON; the message says which."""


def _load(path: Path) -> object:
    if not path.is_file():
        raise HierarchyUnreadable(f"{path.name} does not exist yet")
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise HierarchyUnreadable(
            f"{path.name} cannot be read ({exc}); see the problems list"
        ) from None


def _aws_nodes(items: object, depth: int = 0) -> list[HierarchyNode]:
    if not isinstance(items, list) or depth > MAX_DEPTH:
        return []
    out = []
    for item in items:
        if not isinstance(item, dict):
            continue
        if item.get("type") == "component":
            device = item.get("iotDeviceId")
            detail = f"device {device}" if isinstance(device, str) else ""
            if not detail and isinstance(item.get("componentTypeId"), str):
                detail = f"type {item['componentTypeId']}"
            out.append(HierarchyNode(str(item.get("name", "(unnamed)")), "component", detail))
        else:
            node = HierarchyNode(str(item.get("id", "(no id)")), "entity")
            node.children = _aws_nodes(item.get("children"), depth + 1)
            out.append(node)
    return out


def read_aws_hierarchy(path: Path) -> list[HierarchyNode]:
    """Entities and components of ``aws_hierarchy.json``."""
    return _aws_nodes(_load(path))


def read_azure_hierarchy(path: Path) -> list[HierarchyNode]:
    """Twins as a tree along their relationships, then the models."""
    data = _load(path)
    data = data if isinstance(data, dict) else {}
    models = {}
    for model in data.get("models") or []:
        if isinstance(model, dict) and isinstance(model.get("@id"), str):
            name = model.get("displayName")
            models[model["@id"]] = name if isinstance(name, str) else model["@id"]
    twins: dict[str, str] = {}
    for twin in data.get("twins") or []:
        if isinstance(twin, dict) and isinstance(twin.get("$dtId"), str):
            meta = twin.get("$metadata")
            model = meta.get("$model") if isinstance(meta, dict) else None
            twins[twin["$dtId"]] = model if isinstance(model, str) else ""
    edges: dict[str, list[tuple[str, str]]] = {}
    targets: set[str] = set()
    for rel in data.get("relationships") or []:
        if not isinstance(rel, dict):
            continue
        src, dst = rel.get("$dtId"), rel.get("$targetId")
        if isinstance(src, str) and isinstance(dst, str):
            edges.setdefault(src, []).append((dst, str(rel.get("$relationshipName", ""))))
            targets.add(dst)

    def twin_node(twin_id: str, relation: str, seen: tuple[str, ...]) -> HierarchyNode:
        model = twins.get(twin_id, "")
        detail = f"{models.get(model, model)}" if model else "unknown twin"
        if relation:
            detail = f"{relation} · {detail}"
        node = HierarchyNode(twin_id, "twin", detail)
        if twin_id in seen or len(seen) > MAX_DEPTH:
            node.detail += " (cycle)"
            return node
        node.children = [twin_node(d, r, (*seen, twin_id)) for d, r in edges.get(twin_id, [])]
        return node

    roots = [t for t in twins if t not in targets] or list(twins)[:1]
    out = [twin_node(t, "", ()) for t in roots]
    if models:
        group = HierarchyNode(f"Models ({len(models)})", "models")
        group.children = [HierarchyNode(name, "model", mid) for mid, name in models.items()]
        out.append(group)
    return out


class HierarchyView(QWidget):
    """Which hierarchy applies (from the L4 choice), and its tree."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setProperty("role", "muted")
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Node", "Kind", "Details"])
        self.tree.setAccessibleName("Twin hierarchy")
        self.tree.setColumnWidth(1, 80)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.caption)
        layout.addWidget(self.tree, 1)

    def show_for(self, root: Path | None, l4_cloud: Cloud | None) -> None:
        self.tree.clear()
        if root is None:
            self.caption.setText("Open a project to see its twin hierarchy.")
            return
        if l4_cloud not in HIERARCHY_FILES:
            self.caption.setText(
                "Choose AWS or Azure for L4 (twin model) on the Layers step; the hierarchy "
                "shown here depends on that choice."
            )
            return
        rel = HIERARCHY_FILES[l4_cloud]
        service = SLOT_INFO[Slot.L4].services[l4_cloud]
        try:
            reader = read_aws_hierarchy if l4_cloud is Cloud.AWS else read_azure_hierarchy
            nodes = reader(Path(root) / rel)
        except HierarchyUnreadable as exc:
            self.caption.setText(f"L4 runs on {CLOUD_TITLES[l4_cloud]} ({service}): {exc}.")
            return
        self.caption.setText(f"L4 runs on {CLOUD_TITLES[l4_cloud]} ({service}); from {rel}.")
        for node in nodes:
            self.tree.addTopLevelItem(self._item(node))
        self.tree.expandAll()

    def _item(self, node: HierarchyNode) -> QTreeWidgetItem:
        item = QTreeWidgetItem([node.label, node.kind, node.detail])
        if node.kind in ("entity", "twin", "models"):
            font = QFont()
            font.setBold(True)
            item.setFont(0, font)
        item.setForeground(1, QBrush(QColor(theme.MUTED)))
        for child in node.children:
            item.addChild(self._item(child))
        return item

    def labels(self) -> list[str]:
        """Every node label, depth first (for tests and accessibility)."""
        out: list[str] = []

        def walk(item: QTreeWidgetItem) -> None:
            out.append(item.text(0))
            for i in range(item.childCount()):
                walk(item.child(i))

        for i in range(self.tree.topLevelItemCount()):
            walk(self.tree.topLevelItem(i))
        return out
