"""The run's stages as a strip of chips (validate → build → … → verify), like a CI run."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from dtwin_gui.deploy.run_model import Stage, format_duration
from dtwin_gui.ui import theme

#: State → (mark, theme colour name).
_LOOK = {
    "waiting": ("○", "NEUTRAL"),
    "running": ("◐", "ACCENT"),
    "finished": ("✔", "OK"),
    "failed": ("✖", "ERROR"),
    "skipped": ("⤼", "MUTED"),
    "cancelled": ("■", "WARNING"),
}


class StageStrip(QWidget):
    """Shows :class:`Stage` objects; the running one is highlighted, ends are coloured."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._stages: list[Stage] = []
        self._running_elapsed: dict[str, float] = {}
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(46)

    def sizeHint(self) -> QSize:
        return QSize(640, 46)

    def show_stages(self, stages: list[Stage], now: float | None = None) -> None:
        """Show ``stages``; ``now`` (epoch seconds) times the running one."""
        self._stages = list(stages)
        self._running_elapsed = {
            s.name: max(0.0, now - s.started_at)
            for s in stages
            if s.state == "running" and now is not None and s.started_at is not None
        }
        self.setToolTip(
            "\n".join(
                f"{s.label}: {s.state}" + (f" ({s.message})" if s.message else "") for s in stages
            )
        )
        self.update()

    def states(self) -> list[tuple[str, str]]:
        """``[(label, state)]`` as shown."""
        return [(s.label, s.state) for s in self._stages]

    def _detail(self, stage: Stage) -> str:
        if stage.state == "running":
            seconds = self._running_elapsed.get(stage.name)
            return format_duration(seconds) if seconds is not None else "running"
        if stage.state in ("finished", "failed", "cancelled"):
            return (
                f"{stage.elapsed:.1f} s" if stage.elapsed < 60 else format_duration(stage.elapsed)
            )
        return {"skipped": "skipped", "waiting": ""}.get(stage.state, stage.state)

    def paintEvent(self, _event) -> None:
        if not self._stages:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        count = len(self._stages)
        gap = 10.0
        width = (self.width() - gap * (count - 1) - 2) / count
        height = self.height() - 4.0
        bold = QFont(self.font())
        bold.setBold(True)
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, self.font().pointSizeF() - 1.5))
        for i, stage in enumerate(self._stages):
            mark, color_name = _LOOK.get(stage.state, ("·", "MUTED"))
            color = QColor(getattr(theme, color_name))
            rect = QRectF(1 + i * (width + gap), 2, width, height)
            if i:
                painter.setPen(QPen(QColor(theme.BORDER), 2))
                y = rect.center().y()
                painter.drawLine(int(rect.left() - gap), int(y), int(rect.left()), int(y))
            active = stage.state != "waiting"
            painter.setPen(QPen(color, 2 if stage.state == "running" else 1))
            painter.setBrush(theme.tint(color, 0.14) if active else QColor(theme.SURFACE))
            painter.drawRoundedRect(rect, 8, 8)
            painter.setPen(color if active else QColor(theme.MUTED))
            painter.setFont(bold if stage.state == "running" else self.font())
            top = QRectF(rect.left() + 6, rect.top() + 2, rect.width() - 12, rect.height() / 2)
            painter.drawText(top, Qt.AlignmentFlag.AlignCenter, f"{mark} {stage.label}")
            painter.setFont(small)
            painter.setPen(QColor(theme.MUTED))
            bottom = QRectF(top.left(), top.bottom() - 2, top.width(), rect.height() / 2)
            painter.drawText(bottom, Qt.AlignmentFlag.AlignCenter, self._detail(stage))
        painter.end()
