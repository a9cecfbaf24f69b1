"""A live line chart of the hot store's recent values, drawn with QPainter.

One line per (device, property), time on the x axis, a legend, and pickers to narrow the
lines to one device and/or one property. The page feeds it :meth:`HotChart.set_series`.
"""

from __future__ import annotations

import math
from datetime import datetime

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
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


class ChartCanvas(QWidget):
    """The plot itself: axes, grid, time labels, lines and a legend."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.lines: list[Line] = []
        self.empty_text = "No values yet."
        self.setMinimumSize(360, 220)

    def set_lines(self, lines: list[Line]) -> None:
        self.lines = lines
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor(theme.SURFACE or "#FFFFFF"))
        text = QColor(theme.TEXT or "#1F2933")
        muted = QColor(theme.MUTED or "#5F6B7A")
        points = [p for _, _, values in self.lines for p in values]
        if not points:
            painter.setPen(muted)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.empty_text)
            return
        metrics = painter.fontMetrics()
        times = [t.timestamp() for t, _ in points]
        values = [v for _, v in points]
        ticks = nice_ticks(min(values), max(values))
        y_low, y_high = ticks[0], ticks[-1]
        t_low, t_high = min(times), max(times)
        if t_high - t_low < 1:
            t_low, t_high = t_low - 30, t_high + 30
        label_width = max(metrics.horizontalAdvance(f"{t:g}") for t in ticks) + 10
        plot = QRectF(label_width + 8, 10, self.width() - label_width - 24, self.height() - 40)

        def x_of(seconds: float) -> float:
            return plot.left() + (seconds - t_low) / (t_high - t_low) * plot.width()

        def y_of(value: float) -> float:
            return plot.bottom() - (value - y_low) / (y_high - y_low) * plot.height()

        grid = QPen(QColor(theme.ROW_RULE or "#EEF0F3"))
        axis = QPen(QColor(theme.BORDER or "#D5DBE3"))
        for tick in ticks:
            y = y_of(tick)
            painter.setPen(grid)
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(muted)
            painter.drawText(
                QRectF(0, y - 8, label_width, 16),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                f"{tick:g}",
            )
        for i in range(5):
            seconds = t_low + (t_high - t_low) * i / 4
            x = x_of(seconds)
            painter.setPen(grid)
            painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
            label = datetime.fromtimestamp(seconds).strftime("%H:%M:%S")
            painter.setPen(muted)
            width = metrics.horizontalAdvance(label)
            left = min(max(x - width / 2, plot.left() - label_width), self.width() - width - 2)
            painter.drawText(QPointF(left, plot.bottom() + metrics.height() + 4), label)
        painter.setPen(axis)
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.bottomLeft(), plot.topLeft())
        for index, (_, _, series) in enumerate(self.lines):
            color = QColor(LINE_COLORS[index % len(LINE_COLORS)])
            painter.setPen(QPen(color, 2))
            path = QPainterPath()
            for n, (moment, value) in enumerate(series):
                point = QPointF(x_of(moment.timestamp()), y_of(value))
                path.moveTo(point) if n == 0 else path.lineTo(point)
            painter.drawPath(path)
            painter.setBrush(color)
            for moment, value in series:
                painter.drawEllipse(QPointF(x_of(moment.timestamp()), y_of(value)), 2.5, 2.5)
            painter.setBrush(Qt.BrushStyle.NoBrush)
        # Legend, top-right inside the plot.
        names = [f"{device} · {prop}" for device, prop, _ in self.lines]
        width = max(metrics.horizontalAdvance(n) for n in names) + 30
        box = QRectF(plot.right() - width - 8, plot.top() + 4, width, len(names) * 16 + 8)
        background = QColor(theme.SURFACE or "#FFFFFF")
        background.setAlpha(220)
        painter.setPen(axis)
        painter.setBrush(background)
        painter.drawRoundedRect(box, 4, 4)
        for index, name in enumerate(names):
            y = box.top() + 12 + index * 16
            painter.setPen(QPen(QColor(LINE_COLORS[index % len(LINE_COLORS)]), 3))
            painter.drawLine(QPointF(box.left() + 6, y), QPointF(box.left() + 20, y))
            painter.setPen(text)
            painter.drawText(QPointF(box.left() + 25, y + metrics.ascent() / 2 - 1), name)
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
