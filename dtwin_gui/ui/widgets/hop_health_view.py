"""The Status page's cross-cloud hops: the flow diagram coloured by each hop's health and a
table of every hop with its last good message and its recent failures (from the glue logs,
see :mod:`dtwin_gui.deploy.hop_health`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dtwin_gui.core.providers import CLOUD_TITLES, parse_cloud
from dtwin_gui.deploy.hop_health import FAILING, HEALTHY, IDLE, UNKNOWN, HopHealth
from dtwin_gui.ui.widgets.flow_diagram import HEALTH_COLORS, FlowDiagram

COLUMNS = ("Hop", "Clouds", "Health", "Last message", "Failures", "Latest failure")
STATE_TEXT = {HEALTHY: "healthy", FAILING: "failing", IDLE: "no message yet", UNKNOWN: "unknown"}


def when(iso: str | None, now: datetime | None = None) -> str:
    """``14:02:31`` today, ``2 Dec 14:02`` before (local time); ``—`` for none."""
    if not iso:
        return "—"
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return iso
    today = (now or datetime.now(UTC)).astimezone().date()
    return moment.strftime("%H:%M:%S" if moment.date() == today else "%-d %b %H:%M")


def _clouds(hop: HopHealth) -> str:
    def title(name: str) -> str:
        cloud = parse_cloud(name)
        return CLOUD_TITLES[cloud] if cloud else name

    return f"{title(hop.source_cloud)} → {title(hop.target_cloud)}"


def badge_text(hop: HopHealth) -> str:
    """The diagram badge's second line."""
    if hop.state == HEALTHY:
        return f"✓ {when(hop.last_ok)}"
    if hop.state == FAILING:
        return f"✗ {hop.failed} failed"
    return STATE_TEXT[hop.state]


def tooltip(hop: HopHealth) -> str:
    lines = [f"{STATE_TEXT[hop.state]}: {hop.description}"]
    if hop.last_ok:
        lines.append(
            f"last message {when(hop.last_ok)} ({hop.delivered} since the deploy, "
            "the last hour at most)"
        )
    for failure in hop.failures[:3]:
        lines.append(f"{when(failure.time)} {failure.side}: {failure.message}")
    if hop.detail:
        lines.append(hop.detail)
    return "\n".join(lines)


class HopHealthView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 6, 4, 4)
        self.note = QLabel()
        self.note.setProperty("role", "muted")
        self.note.setWordWrap(True)
        self.diagram = FlowDiagram()
        self.diagram.setAccessibleName("Data flow by hop health")
        self.table = QTreeWidget()
        self.table.setHeaderLabels(list(COLUMNS))
        self.table.setRootIsDecorated(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.header()
        header.setStretchLastSection(True)
        for column in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.note)
        layout.addWidget(self.diagram)
        layout.addWidget(self.table, 1)

    def show_hops(
        self,
        providers: Mapping,
        topology,
        hops: Sequence[HopHealth] | None,
        error: str = "",
    ) -> None:
        """Show ``hops`` (None: not read yet) over the twin's ``providers``/``topology``."""
        self.diagram.set_state(providers, topology)
        self.table.clear()
        crossing = bool(topology and topology.boundaries)
        if not crossing:
            self.diagram.set_hop_health(None)
            self.note.setText("Every layer of this twin runs on one cloud: no hop crosses clouds.")
            self.table.hide()
            return
        self.table.show()
        if error or hops is None:
            self.diagram.set_hop_health(None)
            self.note.setText(
                f"The glue logs could not be read: {error}"
                if error
                else "Refresh to read how each cross-cloud hop is doing."
            )
            return
        health = {h.boundary: (h.state, badge_text(h), tooltip(h)) for h in hops}
        self.diagram.set_hop_health(health)
        failing = [h.title for h in hops if h.state == FAILING]
        self.note.setText(
            f"{len(failing)} hop(s) failing: {', '.join(failing)}. The latest failure of each "
            "is in the table; fix its cause and send test telemetry to see it recover."
            if failing
            else "From the glue functions' logs since the deploy (the last hour at most), "
            "read again with every status refresh."
        )
        for hop in hops:
            latest = hop.failures[0] if hop.failures else None
            item = QTreeWidgetItem(
                [
                    hop.title,
                    _clouds(hop),
                    STATE_TEXT[hop.state],
                    when(hop.last_ok),
                    str(hop.failed),
                    f"{when(latest.time)} {latest.side}: {latest.message}" if latest else "",
                ]
            )
            item.setForeground(2, QColor(HEALTH_COLORS[hop.state]))
            for column in range(len(COLUMNS)):
                item.setToolTip(column, tooltip(hop))
            item.setData(0, 256, hop.boundary)  # Qt.UserRole
            self.table.addTopLevelItem(item)
        self._fit_rows()

    def _fit_rows(self) -> None:
        """Tall enough for every hop's row (a twin has seven at most): none hides behind a
        scroll bar under the diagram."""
        rows = self.table.topLevelItemCount()
        row_h = self.table.sizeHintForRow(0) if rows else 0
        frame = 2 * self.table.frameWidth()
        height = self.table.header().sizeHint().height() + rows * row_h + frame + 2
        self.table.setMinimumHeight(height)
