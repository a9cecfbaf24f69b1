"""Two small lists beside the matrix: the cross-cloud hops, and the glue each cloud hosts."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QListWidget, QListWidgetItem

from dtwin_gui.core.providers import CLOUD_TITLES, Cloud, Slot
from dtwin_gui.core.topology import Topology
from dtwin_gui.ui import theme

NAME_ROLE = Qt.ItemDataRole.UserRole + 1
CLOUD_ROLE = Qt.ItemDataRole.UserRole + 2
GLUE_ROLE = Qt.ItemDataRole.UserRole + 3


def slot_label(slot: Slot) -> str:
    """``L3_hot`` as ``L3 hot``."""
    return str(slot).replace("_", " ")


def cloud_icon(cloud: Cloud, size: int = 12) -> QIcon:
    """A rounded square in the cloud's colour."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(theme.cloud_color(cloud))
    painter.drawRoundedRect(0, 0, size, size, 3, 3)
    painter.end()
    return QIcon(pixmap)


class _InfoList(QListWidget):
    """A read-only list with word-wrapped, multi-line entries and a title row."""

    def __init__(self, title: str, parent=None) -> None:
        super().__init__(parent)
        self._title = title
        self.setWordWrap(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setIconSize(QSize(12, 12))
        self.setSpacing(2)
        self.setAccessibleName(title)

    def _reset(self, count: int | None) -> None:
        self.clear()
        heading = QListWidgetItem(self._title + (f" ({count})" if count is not None else ""))
        font = QFont()
        font.setBold(True)
        heading.setFont(font)
        heading.setForeground(QBrush(QColor(theme.MUTED)))
        heading.setFlags(Qt.ItemFlag.NoItemFlags)
        self.addItem(heading)

    def _note(self, text: str) -> None:
        item = QListWidgetItem(text)
        font = QFont()
        font.setItalic(True)
        item.setFont(font)
        item.setForeground(QBrush(QColor(theme.MUTED)))
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        self.addItem(item)


class HopList(_InfoList):
    """Each boundary the provider choice crosses: slots, clouds and the glue pair."""

    def __init__(self, parent=None) -> None:
        super().__init__("Cross-cloud hops", parent)

    def show_topology(self, topology: Topology | None, error: str | None = None) -> None:
        if topology is None:
            self._reset(None)
            self._note(error or "no provider choice yet")
            return
        self._reset(len(topology.boundaries))
        if not topology.boundaries:
            self._note("None: every hop stays on one cloud, so no glue is needed.")
            return
        for boundary in topology.boundaries:
            spec = boundary.spec
            source = CLOUD_TITLES[boundary.source_cloud]
            target = CLOUD_TITLES[boundary.target_cloud]
            item = QListWidgetItem(
                f"{slot_label(spec.source)} → {slot_label(spec.target)}\n"
                f"{spec.sender} → {spec.receiver}"
            )
            item.setData(NAME_ROLE, boundary.name)
            item.setIcon(cloud_icon(boundary.target_cloud))
            item.setToolTip(
                f"{spec.description}, {source} → {target}.\n"
                f"{spec.sender} on {source} sends; {spec.receiver} on {target} receives."
            )
            self.addItem(item)

    def hop_names(self) -> list[str]:
        """Boundary names shown (e.g. ``l2-l3hot-writer``)."""
        names = (self.item(i).data(NAME_ROLE) for i in range(self.count()))
        return [n for n in names if n]

    def hop_texts(self) -> list[str]:
        return [self.item(i).text() for i in range(self.count()) if self.item(i).data(NAME_ROLE)]


class GlueList(_InfoList):
    """Per cloud in use, the glue functions it hosts (senders and receivers)."""

    def __init__(self, parent=None) -> None:
        super().__init__("Glue on each cloud", parent)

    def show_topology(self, topology: Topology | None, error: str | None = None) -> None:
        if topology is None:  # the hop list says why (once is enough)
            self._reset(None)
            self._note("Listed once every layer has a cloud that can host it.")
            return
        self._reset(None)
        for cloud in topology.clouds:
            glue = topology.glue_on(cloud)
            names = ", ".join(fn.name for fn in glue) if glue else "no glue needed"
            item = QListWidgetItem(f"{CLOUD_TITLES[cloud]}: {names}")
            item.setIcon(cloud_icon(cloud))
            item.setData(CLOUD_ROLE, str(cloud))
            item.setData(GLUE_ROLE, [fn.name for fn in glue])
            item.setToolTip(
                "\n".join(f"{fn.name}: {fn.role} for {fn.slot}" for fn in glue)
                or f"{CLOUD_TITLES[cloud]} hosts no glue"
            )
            self.addItem(item)

    def glue_names(self, cloud: Cloud) -> list[str]:
        for i in range(self.count()):
            if self.item(i).data(CLOUD_ROLE) == str(cloud):
                return list(self.item(i).data(GLUE_ROLE))
        return []
