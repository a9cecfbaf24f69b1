"""A live chart of the hot store's recent values, drawn with QPainter.

Small multiples: one strip per property with its own y range, one line per device in each,
time on the shared x axis, the device legend beside the strips, and pickers to narrow the
lines to one device and/or one property. The page feeds it :meth:`HotChart.set_series`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from dtwin_gui.deploy.hot_values import Series
from dtwin_gui.ui import theme

ALL = "All"
LINE_COLORS = ("#2563EB", "#E67E22", "#2E7D32", "#C62828", "#8E44AD", "#00897B", "#6D4C41")
Line = tuple[str, str, list[tuple[datetime, float]]]


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]."""
    if high <= low:
        low, high = low - 1, high + 1
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks = [round(first, 10)]
    while ticks[-1] < high:
        ticks.append(round(ticks[-1] + step, 10))
    if len(ticks) == 1:
        ticks.append(round(first + step, 10))
    return ticks


@dataclass(frozen=True)
class Strip:
    """One property's plot: its own y range, ticks and label."""

    prop: str
    rect: QRectF  # the plot area (inside the axes)
    ticks: list[float]


class ChartCanvas(QWidget):
    """Small multiples: one strip per property (its own y axis and label, as a pressure of
    ~1000 and temperatures of ~20 share no scale), a shared time axis under the last strip,
    and the device legend to the right, outside every plot."""

    STRIP_MIN_HEIGHT = 36
    AXIS_HEIGHT = 22
    GAP = 8

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.lines: list[Line] = []
        self.empty_text = "No values yet."
        self.setMinimumSize(360, 220)

    def set_lines(self, lines: list[Line]) -> None:
        self.lines = lines
        props = {prop for _, prop, _ in lines}
        self.setMinimumHeight(max(220, len(props) * self.STRIP_MIN_HEIGHT + self.AXIS_HEIGHT + 10))
        self.update()

    # --- geometry (also what tests read) -------------------------------------------------
    def devices(self) -> list[str]:
        return list(dict.fromkeys(device for device, _, _ in self.lines))

    def color_of(self, device: str) -> QColor:
        """One colour per device, the same in every strip."""
        return QColor(LINE_COLORS[self.devices().index(device) % len(LINE_COLORS)])

    def legend_rect(self) -> QRectF:
        """Where the device legend is drawn: right of the strips, never over them."""
        metrics = self.fontMetrics()
        names = self.devices()
        if not names:
            return QRectF()
        width = max(metrics.horizontalAdvance(n) for n in names) + 34
        return QRectF(self.width() - width - 4, 6, width, len(names) * 18 + 10)

    def strips(self) -> list[Strip]:
        """The strip of each property shown, top to bottom."""
        props = sorted({prop for _, prop, values in self.lines if values})
        if not props:
            return []
        metrics = self.fontMetrics()
        top, bottom = 8.0, self.height() - self.AXIS_HEIGHT
        height = (bottom - top - self.GAP * (len(props) - 1)) / len(props)
        # Short strips label only their two ends; taller ones a middle line too.
        count = 2 if height < 3.5 * metrics.height() else 3
        tick_sets = {}
        for prop in props:
            values = [v for _, p, series in self.lines if p == prop for _, v in series]
            ticks = nice_ticks(min(values), max(values), count)
            tick_sets[prop] = [ticks[0], ticks[-1]] if count == 2 else ticks
        tick_width = max(
            metrics.horizontalAdvance(f"{t:g}") for ticks in tick_sets.values() for t in ticks
        )
        left = self.name_width() + tick_width + 18
        right = self.legend_rect().left() - 16
        out = []
        for i, prop in enumerate(props):
            y = top + i * (height + self.GAP)
            out.append(Strip(prop, QRectF(left, y, right - left, height), tick_sets[prop]))
        return out

    def name_width(self) -> int:
        """The column of property names, left of the tick labels."""
        bold = self.font()
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        return max((metrics.horizontalAdvance(p) for _, p, _ in self.lines), default=0) + 8

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor(theme.SURFACE or "#FFFFFF"))
        text = QColor(theme.TEXT or "#1F2933")
        muted = QColor(theme.MUTED or "#5F6B7A")
        strips = self.strips()
        if not strips:
            painter.setPen(muted)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.empty_text)
            return
        metrics = painter.fontMetrics()
        times = [t.timestamp() for _, _, values in self.lines for t, _ in values]
        t_low, t_high = min(times), max(times)
        if t_high - t_low < 1:
            t_low, t_high = t_low - 30, t_high + 30
        grid = QPen(QColor(theme.ROW_RULE or "#EEF0F3"))
        axis = QPen(QColor(theme.BORDER or "#D5DBE3"))
        bold = painter.font()
        bold.setBold(True)
        plain = painter.font()

        def x_of(seconds: float, plot: QRectF) -> float:
            return plot.left() + (seconds - t_low) / (t_high - t_low) * plot.width()

        for strip in strips:
            plot, ticks = strip.rect, strip.ticks
            y_low, y_high = ticks[0], ticks[-1]

            def y_of(value: float, plot=plot, y_low=y_low, y_high=y_high) -> float:
                return plot.bottom() - (value - y_low) / (y_high - y_low) * plot.height()

            painter.setFont(bold)
            painter.setPen(text)
            painter.drawText(
                QRectF(4, plot.top(), self.name_width(), plot.height()),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                strip.prop,
            )
            painter.setFont(plain)
            label_left = self.name_width()
            label_width = plot.left() - label_left - 8
            right = Qt.AlignmentFlag.AlignRight
            for tick in ticks:
                y = y_of(tick)
                painter.setPen(grid)
                painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
                painter.setPen(muted)
                # End labels sit inside their strip, so neighbouring strips never overlap.
                if tick == ticks[-1]:
                    rect, align = (
                        QRectF(label_left, y - 2, label_width, 16),
                        Qt.AlignmentFlag.AlignTop,
                    )
                elif tick == ticks[0]:
                    rect = QRectF(label_left, y - 14, label_width, 16)
                    align = Qt.AlignmentFlag.AlignBottom
                else:
                    rect, align = (
                        QRectF(label_left, y - 8, label_width, 16),
                        Qt.AlignmentFlag.AlignVCenter,
                    )
                painter.drawText(rect, right | align, f"{tick:g}")
            for i in range(5):
                x = x_of(t_low + (t_high - t_low) * i / 4, plot)
                painter.setPen(grid)
                painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
            painter.setPen(axis)
            painter.drawLine(plot.bottomLeft(), plot.bottomRight())
            painter.drawLine(plot.bottomLeft(), plot.topLeft())
            painter.save()
            painter.setClipRect(plot.adjusted(-4, -4, 4, 4))
            for device, prop, series in self.lines:
                if prop != strip.prop or not series:
                    continue
                color = self.color_of(device)
                painter.setPen(QPen(color, 2))
                path = QPainterPath()
                for n, (moment, value) in enumerate(series):
                    point = QPointF(x_of(moment.timestamp(), plot), y_of(value))
                    path.moveTo(point) if n == 0 else path.lineTo(point)
                painter.drawPath(path)
                painter.setBrush(color)
                for moment, value in series:
                    painter.drawEllipse(
                        QPointF(x_of(moment.timestamp(), plot), y_of(value)), 2.5, 2.5
                    )
                painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.restore()
        # The shared time axis, under the last strip.
        plot = strips[-1].rect
        for i in range(5):
            seconds = t_low + (t_high - t_low) * i / 4
            x = x_of(seconds, plot)
            label = datetime.fromtimestamp(seconds).strftime("%H:%M:%S")
            width = metrics.horizontalAdvance(label)
            left = min(max(x - width / 2, 2), plot.right() - width / 2)
            painter.setPen(muted)
            painter.drawText(QPointF(left, plot.bottom() + metrics.height() + 2), label)
        # The legend: devices, outside the plots.
        box = self.legend_rect()
        painter.setPen(axis)
        painter.setBrush(QColor(theme.SURFACE or "#FFFFFF"))
        painter.drawRoundedRect(box, 4, 4)
        for index, device in enumerate(self.devices()):
            y = box.top() + 14 + index * 18
            painter.setPen(QPen(self.color_of(device), 3))
            painter.drawLine(QPointF(box.left() + 6, y), QPointF(box.left() + 22, y))
            painter.setPen(text)
            painter.drawText(QPointF(box.left() + 28, y + metrics.ascent() / 2 - 1), device)
        painter.end()


class HotChart(QWidget):
    """Pickers above the canvas; :meth:`set_series` replaces the data (keeps the picks)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("Device"))
        self.device = QComboBox()
        self.device.setMinimumWidth(180)
        row.addWidget(self.device)
        row.addSpacing(12)
        row.addWidget(QLabel("Property"))
        self.property = QComboBox()
        self.property.setMinimumWidth(140)
        row.addWidget(self.property)
        row.addStretch(1)
        self.status = QLabel()
        self.status.setProperty("role", "muted")
        row.addWidget(self.status)
        layout.addLayout(row)
        self.canvas = ChartCanvas()
        layout.addWidget(self.canvas, 1)
        self.series: Series = {}
        self.device.currentTextChanged.connect(self._update_lines)
        self.property.currentTextChanged.connect(self._update_lines)
        self._fill(self.device, [])
        self._fill(self.property, [])

    @staticmethod
    def _fill(combo: QComboBox, names: list[str]) -> None:
        current = combo.currentText()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(ALL)
        combo.addItems(names)
        combo.setCurrentText(current if current in names else ALL)
        combo.blockSignals(False)

    def set_series(self, series: Series, *, minutes: float = 15) -> None:
        self.series = series
        self._fill(self.device, sorted(series))
        self._fill(self.property, sorted({p for props in series.values() for p in props}))
        self.canvas.empty_text = f"No numeric values in the hot store in the last {minutes:g} min."
        self._update_lines()

    def set_status(self, text: str) -> None:
        self.status.setText(text)

    def lines(self) -> list[Line]:
        """The lines drawn now: (device, property, values), filtered by the pickers."""
        device, prop = self.device.currentText(), self.property.currentText()
        return [
            (d, p, values)
            for d in sorted(self.series)
            if device in (ALL, d)
            for p, values in sorted(self.series[d].items())
            if prop in (ALL, p)
        ]

    def _update_lines(self) -> None:
        self.canvas.set_lines(self.lines())
