"""The live data-flow diagram of the seven slots, coloured by cloud.

On the Status page the same diagram colours each cross-cloud hop by its health
(:meth:`FlowDiagram.set_hop_health`: healthy, failing, idle, unknown) and says it in the
hop's badge; on the Layers page hops carry the clouds' colours.

Everything drawn comes from :func:`dtwin_gui.core.topology.compute_topology`: the possible
hops are the engine's boundary specs, a hop is cross-cloud exactly when the topology lists
it among its boundaries, and the twin-update hop appears when the topology hosts an
updater for it. Nothing here decides a cross-cloud rule on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from dtwin_gui.core.providers import (
    CLOUD_TITLES,
    CLOUDS,
    LEFT_OUT_MEANING,
    NO_CLOUD,
    NOT_IN_TWIN,
    SLOT_INFO,
    SLOTS,
    Cloud,
    NoCloud,
    Slot,
)
from dtwin_gui.core.topology import ADT_UPDATER, BOUNDARY_SPECS, Topology
from dtwin_gui.deploy.hop_health import FAILING, HEALTHY, HOP_STATES, IDLE, UNKNOWN
from dtwin_gui.ui import theme

HEALTH_COLORS = {HEALTHY: "#2E9E5B", FAILING: "#D0453A", IDLE: "#8C97A6", UNKNOWN: "#B0B7C3"}
HEALTH_LABELS = {
    HEALTHY: "hop healthy",
    FAILING: "hop failing",
    IDLE: "no message yet",
    UNKNOWN: "logs not readable",
}

TOP_ROW = (Slot.L1, Slot.L2, Slot.L3_HOT, Slot.L3_COLD, Slot.L3_ARCHIVE)
#: Column of the slots drawn in the lower row (under L2 and under L3 cold).
BOTTOM_ROW = {Slot.L4: 1, Slot.L5: 3}

MARGIN = 16
BADGE_BAND = 48
NODE_H = 60
ROW_GAP = 84
LEGEND_H = 26
BADGE_MIN_W = 100
BADGE_H = 34


@dataclass(frozen=True)
class DiagramEdge:
    """One arrow of the diagram. ``badge`` names the glue when the hop crosses clouds."""

    name: str
    source: Slot
    target: Slot
    crossing: bool
    sender: str
    receiver: str
    description: str
    source_cloud: Cloud | None = None
    target_cloud: Cloud | None = None

    @property
    def badge(self) -> str:
        return f"{self.sender} → {self.receiver}" if self.crossing else ""


def diagram_edges(topology: Topology | None, left_out: Iterable[Slot] = ()) -> list[DiagramEdge]:
    """The arrows for ``topology`` (all plain when no topology could be computed); none to
    or from a layer the twin leaves out (the topology's, else ``left_out``)."""
    crossing = {b.name: b for b in topology.boundaries} if topology else {}
    gone = set(topology.left_out if topology else left_out)
    has_twin_updates = topology is not None and any(
        f.role == ADT_UPDATER for f in topology.functions
    )
    edges = []
    for spec in BOUNDARY_SPECS:
        if spec.source in gone or spec.target in gone:
            continue
        boundary = crossing.get(spec.name)
        if spec.kind == "twin-update" and boundary is None and not has_twin_updates:
            continue
        edges.append(
            DiagramEdge(
                name=spec.name,
                source=spec.source,
                target=spec.target,
                crossing=boundary is not None,
                sender=spec.sender,
                receiver=spec.receiver,
                description=spec.description,
                source_cloud=boundary.source_cloud if boundary else None,
                target_cloud=boundary.target_cloud if boundary else None,
            )
        )
    return edges


class FlowDiagram(QWidget):
    """Paints the slots as boxes and the hops between them as arrows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._providers: dict[Slot, Cloud | NoCloud | None] = {s: None for s in SLOTS}
        self._edges: list[DiagramEdge] = diagram_edges(None)
        self._error: str | None = None
        self._node_rects: dict[Slot, QRectF] = {}
        self._badge_rects: list[tuple[QRectF, DiagramEdge]] = []
        #: ``{boundary: (state, short text, tooltip)}`` on the Status page, else None.
        self._health: dict[str, tuple[str, str, str]] | None = None
        self.setMinimumSize(760, self.minimum_height())
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self.setAccessibleName("Data-flow diagram")

    @staticmethod
    def minimum_height() -> int:
        return 6 + BADGE_BAND + 2 * NODE_H + ROW_GAP + LEGEND_H + 4

    def sizeHint(self) -> QSize:
        return QSize(980, self.minimum_height())

    # --- state -----------------------------------------------------------------------------
    def set_state(
        self,
        providers: Mapping[Slot, Cloud | NoCloud | None],
        topology: Topology | None,
        error: str | None = None,
    ) -> None:
        """Show ``providers`` (every slot's choice: ``NO_CLOUD`` draws the layer as not part
        of the twin, without arrows); ``topology`` is None when ``error`` says why.

        The boxes and plain arrows are drawn even then, so the diagram does not repeat the
        error: the hop list beside the matrix says it, once.
        """
        self._providers = {s: providers.get(s) for s in SLOTS}
        self._edges = diagram_edges(topology, self.left_out())
        self._error = error
        hops = [f"{e.source}→{e.target} ({e.badge})" for e in self._edges if e.crossing]
        self.setAccessibleDescription(
            error or ("cross-cloud hops: " + "; ".join(hops) if hops else "no cross-cloud hops")
        )
        self.update()

    def set_hop_health(self, health: Mapping[str, tuple[str, str, str]] | None) -> None:
        """Colour each cross-cloud hop by ``health[boundary] = (state, badge text,
        tooltip)`` (states of :data:`HEALTH_COLORS`); None draws the clouds' colours."""
        self._health = None if health is None else dict(health)
        self.update()

    def hop_state(self, boundary: str) -> str | None:
        """The health state the hop is drawn in (None: not in health mode or no such hop)."""
        entry = (self._health or {}).get(boundary)
        return entry[0] if entry else None

    def edges(self) -> list[DiagramEdge]:
        return list(self._edges)

    def left_out(self) -> list[Slot]:
        """The layers drawn as not part of the twin."""
        return [s for s in SLOTS if self._providers.get(s) is NO_CLOUD]

    def crossing_edges(self) -> list[DiagramEdge]:
        return [e for e in self._edges if e.crossing]

    # --- geometry --------------------------------------------------------------------------
    def _layout(self) -> tuple[dict[Slot, QRectF], list[float], float]:
        width = self.width() - 2 * MARGIN
        node_w = max(100.0, min(190.0, (width - 4 * 56) / 5))
        gap = (width - 5 * node_w) / 4
        centers = [MARGIN + node_w / 2 + i * (node_w + gap) for i in range(5)]
        top = 6 + BADGE_BAND
        bottom = top + NODE_H + ROW_GAP
        rects = {
            slot: QRectF(centers[i] - node_w / 2, top, node_w, NODE_H)
            for i, slot in enumerate(TOP_ROW)
        }
        for slot, col in BOTTOM_ROW.items():
            rects[slot] = QRectF(centers[col] - node_w / 2, bottom, node_w, NODE_H)
        return rects, centers, gap

    def _route(self, edge: DiagramEdge, rects: dict[Slot, QRectF]) -> list[QPointF]:
        src, dst = rects[edge.source], rects[edge.target]
        if edge.source in TOP_ROW and edge.target in TOP_ROW:
            y = src.center().y()
            return [QPointF(src.right(), y), QPointF(dst.left(), y)]
        if edge.target in BOTTOM_ROW:  # L2 → L4: straight down
            x = src.center().x()
            return [QPointF(x, src.bottom()), QPointF(x, dst.top())]
        # L4/L5 → L3 hot: sideways from the lower box, then up into the hot store.
        left_of_target = src.center().x() < dst.center().x()
        x = dst.center().x() + (-22 if left_of_target else 22)
        y = src.center().y()
        start = QPointF(src.right() if left_of_target else src.left(), y)
        return [start, QPointF(x, y), QPointF(x, dst.bottom())]

    def _badge_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() - 2)
        return font

    def _badge_lines(self, edge: DiagramEdge) -> tuple[str, str]:
        entry = (self._health or {}).get(edge.name)
        if entry is not None:
            return f"{edge.sender} → {edge.receiver}", entry[1]
        return f"{edge.sender} →", edge.receiver

    def _badge_rect(self, edge: DiagramEdge, route: list[QPointF]) -> QRectF:
        _rects, centers, _gap = self._layout()
        pitch = centers[1] - centers[0]
        metrics = QFontMetricsF(self._badge_font())
        text_w = max(metrics.horizontalAdvance(t) for t in self._badge_lines(edge)) + 16
        top_row = len(route) == 2 and route[0].y() == route[1].y()
        badge_w = max(BADGE_MIN_W, min(text_w, pitch - (12 if top_row else 44)))
        if top_row:  # badge above the gap between two boxes
            x = (route[0].x() + route[1].x()) / 2
            return QRectF(x - badge_w / 2, 4, badge_w, BADGE_H)
        mid_y = (route[-2].y() + route[-1].y()) / 2 if len(route) == 3 else None
        if len(route) == 2:  # vertical L2 → L4: badge to the left of the line
            x = route[0].x()
            mid_y = (route[0].y() + route[1].y()) / 2
            return QRectF(x - 10 - badge_w, mid_y - BADGE_H / 2, badge_w, BADGE_H)
        x = route[-1].x()
        goes_right = route[0].x() < route[-1].x()
        left = x - 8 - badge_w if goes_right else x + 8
        return QRectF(left, mid_y - BADGE_H / 2, badge_w, BADGE_H)

    # --- painting --------------------------------------------------------------------------
    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor(theme.SURFACE))
        rects, _centers, _gap = self._layout()
        self._node_rects = rects
        self._badge_rects = []
        routes = {e.name: self._route(e, rects) for e in self._edges}
        for edge in self._edges:
            self._draw_edge(painter, edge, routes[edge.name])
        for slot, rect in rects.items():
            self._draw_node(painter, slot, rect)
        for edge in self._edges:
            if edge.crossing:
                rect = self._badge_rect(edge, routes[edge.name])
                self._badge_rects.append((rect, edge))
                self._draw_badge(painter, edge, rect, routes[edge.name])
        self._draw_legend(painter)
        painter.end()

    def _draw_edge(self, painter: QPainter, edge: DiagramEdge, route: list[QPointF]) -> None:
        state = self.hop_state(edge.name) if edge.crossing else None
        if state is not None:
            head_color = QColor(HEALTH_COLORS[state])
            pen = QPen(head_color, 3.0 if state in (HEALTHY, FAILING) else 2.4)
            if state not in (HEALTHY, FAILING):
                pen.setStyle(Qt.PenStyle.CustomDashLine)
                pen.setDashPattern([2, 3] if state == UNKNOWN else [4, 3])
        elif edge.crossing:
            gradient = QLinearGradient(route[0], route[-1])
            gradient.setColorAt(0, theme.cloud_color(edge.source_cloud).darker(115))
            gradient.setColorAt(1, theme.cloud_color(edge.target_cloud).darker(115))
            pen = QPen(QBrush(gradient), 2.6, Qt.PenStyle.CustomDashLine)
            pen.setDashPattern([4, 3])
            head_color = theme.cloud_color(edge.target_cloud).darker(115)
        else:
            color = QColor("#8C97A6")
            pen = QPen(color, 2)
            head_color = color
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        end = route[-1]
        before = route[-2]
        direction = QPointF(end.x() - before.x(), end.y() - before.y())
        length = max(1.0, (direction.x() ** 2 + direction.y() ** 2) ** 0.5)
        unit = QPointF(direction.x() / length, direction.y() / length)
        shortened = [*route[:-1], QPointF(end.x() - unit.x() * 9, end.y() - unit.y() * 9)]
        path = QPainterPath(shortened[0])
        for point in shortened[1:]:
            path.lineTo(point)
        painter.drawPath(path)
        normal = QPointF(-unit.y(), unit.x())
        tip = QPointF(end.x() - unit.x(), end.y() - unit.y())
        base = QPointF(end.x() - unit.x() * 11, end.y() - unit.y() * 11)
        head = QPolygonF(
            [
                tip,
                QPointF(base.x() + normal.x() * 5.5, base.y() + normal.y() * 5.5),
                QPointF(base.x() - normal.x() * 5.5, base.y() - normal.y() * 5.5),
            ]
        )
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(head_color)
        painter.drawPolygon(head)

    def _draw_left_out(self, painter: QPainter, slot: Slot, rect: QRectF) -> None:
        """A faint dotted box: the layer is left out of the twin on purpose."""
        path = QPainterPath()
        path.addRoundedRect(rect, 10, 10)
        painter.setPen(QPen(QColor(theme.MUTED), 1.2, Qt.PenStyle.DotLine))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        inner = rect.adjusted(14, 5, -8, -4)
        title_font = QFont(self.font())
        title_font.setBold(True)
        title_font.setPointSizeF(title_font.pointSizeF() - 0.5)
        small = QFont(self.font())
        small.setPointSizeF(small.pointSizeF() - 1.5)
        y = inner.top()
        for font, text in ((title_font, SLOT_INFO[slot].title), (small, NOT_IN_TWIN)):
            metrics = QFontMetricsF(font)
            painter.setFont(font)
            painter.setPen(QColor(theme.MUTED))
            elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, inner.width())
            painter.drawText(
                QRectF(inner.left(), y, inner.width(), metrics.height()),
                Qt.AlignmentFlag.AlignLeft,
                elided,
            )
            y += metrics.height()

    def _draw_node(self, painter: QPainter, slot: Slot, rect: QRectF) -> None:
        cloud = self._providers.get(slot)
        if cloud is NO_CLOUD:
            self._draw_left_out(painter, slot, rect)
            return
        info = SLOT_INFO[slot]
        path = QPainterPath()
        path.addRoundedRect(rect, 10, 10)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme.cloud_tint(cloud, 0.16) if cloud else QColor("#F1F3F5"))
        painter.drawPath(path)
        painter.save()
        painter.setClipPath(path)
        accent = QRectF(rect.left(), rect.top(), 6, rect.height())
        painter.fillRect(accent, theme.cloud_color(cloud))
        painter.restore()
        border = QPen(theme.cloud_color(cloud), 1.6)
        if cloud is None:
            border.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(border)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)

        inner = rect.adjusted(14, 5, -8, -4)
        base = QFont(self.font())
        title_font = QFont(base)
        title_font.setBold(True)
        title_font.setPointSizeF(base.pointSizeF() - 0.5)
        service_font = QFont(base)
        service_font.setPointSizeF(base.pointSizeF())
        cloud_font = QFont(base)
        cloud_font.setPointSizeF(base.pointSizeF() - 1.5)
        cloud_font.setBold(True)
        service = info.services.get(cloud, "") if cloud else "no cloud chosen"
        lines = (
            (title_font, QColor(theme.TEXT), info.title),
            (service_font, QColor(theme.TEXT if cloud else theme.MUTED), service),
            (cloud_font, theme.cloud_text_color(cloud), CLOUD_TITLES[cloud] if cloud else "—"),
        )
        y = inner.top()
        for font, color, text in lines:
            metrics = QFontMetricsF(font)
            painter.setFont(font)
            painter.setPen(color)
            elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, inner.width())
            painter.drawText(
                QRectF(inner.left(), y, inner.width(), metrics.height()),
                Qt.AlignmentFlag.AlignLeft,
                elided,
            )
            y += metrics.height()

    def _draw_badge(
        self, painter: QPainter, edge: DiagramEdge, rect: QRectF, route: list[QPointF]
    ) -> None:
        if len(route) == 2 and route[0].y() == route[1].y():
            x = rect.center().x()
            painter.setPen(QPen(QColor("#8C97A6"), 1, Qt.PenStyle.DotLine))
            painter.drawLine(QPointF(x, rect.bottom()), QPointF(x, route[0].y() - 3))
        state = self.hop_state(edge.name)
        border = QColor(HEALTH_COLORS[state]) if state else theme.cloud_color(edge.target_cloud)
        painter.setPen(QPen(border, 2.0 if state == FAILING else 1.4))
        painter.setBrush(QColor(theme.SURFACE))
        painter.drawRoundedRect(rect, 7, 7)
        font = self._badge_font()
        metrics = QFontMetricsF(font)
        painter.setFont(font)
        painter.setPen(QColor(theme.TEXT))
        inner = rect.adjusted(6, 2, -6, -2)
        for i, text in enumerate(self._badge_lines(edge)):
            elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, inner.width())
            line = QRectF(inner.left(), inner.top() + i * (metrics.height() + 1), inner.width(), 16)
            painter.drawText(line, Qt.AlignmentFlag.AlignHCenter, elided)

    def _draw_legend(self, painter: QPainter) -> None:
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() - 1)
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        y = self.height() - LEGEND_H / 2 - 2
        x = float(MARGIN)

        def sample(pen: QPen, label: str) -> None:
            nonlocal x
            painter.setPen(pen)
            painter.drawLine(QPointF(x, y), QPointF(x + 28, y))
            painter.setPen(QColor(theme.MUTED))
            painter.drawText(QPointF(x + 34, y + metrics.ascent() / 2 - 1), label)
            x += 34 + metrics.horizontalAdvance(label) + 22

        sample(QPen(QColor("#8C97A6"), 2), "same cloud")
        if self._health is not None:  # the Status page: hops by health
            for state in HOP_STATES:
                pen = QPen(QColor(HEALTH_COLORS[state]), 3.0)
                if state not in (HEALTHY, FAILING):
                    pen.setStyle(Qt.PenStyle.CustomDashLine)
                    pen.setDashPattern([2, 3] if state == UNKNOWN else [4, 3])
                sample(pen, HEALTH_LABELS[state])
            return
        dashed = QPen(QColor(theme.TEXT), 2.4, Qt.PenStyle.CustomDashLine)
        dashed.setDashPattern([4, 3])
        sample(dashed, "cross-cloud hop (badge: glue sender → receiver)")
        for cloud in CLOUDS:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(theme.cloud_color(cloud))
            painter.drawRoundedRect(QRectF(x, y - 6, 12, 12), 3, 3)
            painter.setPen(QColor(theme.MUTED))
            label = CLOUD_TITLES[cloud]
            painter.drawText(QPointF(x + 17, y + metrics.ascent() / 2 - 1), label)
            x += 17 + metrics.horizontalAdvance(label) + 16

    # --- tooltips --------------------------------------------------------------------------
    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            text = self._tooltip_at(QPointF(event.pos()))
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def _tooltip_at(self, pos: QPointF) -> str:
        for rect, edge in self._badge_rects:
            if rect.contains(pos) and (self._health or {}).get(edge.name):
                return f"{edge.source} → {edge.target}: {self._health[edge.name][2]}"
            if rect.contains(pos):
                return (
                    f"{edge.source} → {edge.target}: {edge.description}\n"
                    f"{CLOUD_TITLES[edge.source_cloud]} → {CLOUD_TITLES[edge.target_cloud]}; "
                    f"glue: {edge.sender} sends, {edge.receiver} receives"
                )
        for slot, rect in self._node_rects.items():
            if rect.contains(pos):
                info = SLOT_INFO[slot]
                cloud = self._providers.get(slot)
                if cloud is NO_CLOUD:
                    return f"{info.title}: {NOT_IN_TWIN}\n{LEFT_OUT_MEANING[slot]}"
                where = (
                    f"{CLOUD_TITLES[cloud]} ({info.services.get(cloud, '')})"
                    if cloud
                    else "no cloud chosen"
                )
                return f"{info.title}: {info.role}\n{where}"
        return ""
