"""The lines of a run's log as an item model: filtered in place, appended in batches.

Every event becomes zero or more :class:`LogLine` (one per text line). Lines made from
phase and resource events are ``derived``: the raw view leaves them out, so it shows only
what Terraform and the tools printed. Filtering keeps a list of visible line numbers and
batches append with one ``beginInsertRows`` each, so 50k lines stay cheap.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from dtwin_gui.core.run_events import (
    DiagnosticEvent,
    Event,
    LogEvent,
    OutcomeEvent,
    PhaseEvent,
    ResourceEvent,
)
from dtwin_gui.ui import theme

LEVELS = ("debug", "info", "warning", "error")
COLUMNS = ("Time", "Level", "Source", "Message")
#: Level → name of the theme colour (read when painting, so a theme switch follows).
LEVEL_COLORS = {"debug": "MUTED", "info": "TEXT", "warning": "WARNING", "error": "ERROR"}
_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class LogLine:
    ts: str
    level: str
    source: str
    message: str
    derived: bool = False

    @property
    def time(self) -> str:
        """``10:00:01.123`` (UTC, as the events carry it)."""
        return self.ts[11:23] if len(self.ts) >= 23 else self.ts

    def text(self) -> str:
        return f"{self.ts} {self.level.upper():7} {self.source:9} {self.message}"


def lines_for(event: Event) -> list[LogLine]:
    """The log lines an event shows as (none for progress events)."""

    def split(level: str, source: str, text: str, derived: bool = False) -> list[LogLine]:
        parts = text.rstrip("\n").splitlines() or [""]
        return [LogLine(event.ts, level, source, part, derived) for part in parts]

    if isinstance(event, LogEvent):
        return split(event.level, event.source, event.message)
    if isinstance(event, DiagnosticEvent):
        where = f" ({event.address})" if event.address else ""
        text = f"{event.severity.capitalize()}: {event.summary}{where}"
        if event.detail:
            text += "\n" + event.detail
        return split("error" if event.severity == "error" else "warning", "terraform", text)
    if isinstance(event, PhaseEvent):
        level = {"failed": "error", "cancelled": "warning"}.get(event.state, "info")
        text = f"{event.phase} {event.state}"
        if event.state not in ("started",) and event.elapsed:
            text += f" after {event.elapsed:.1f} s"
        if event.message:
            text += f": {event.message}"
        return split(level, "dtwin", text, derived=True)
    if isinstance(event, ResourceEvent):
        if event.state in ("pending", "unchanged"):
            return []
        text = f"{event.address}: {event.state}"
        if event.elapsed and event.state not in ("creating", "updating", "deleting"):
            text += f" after {event.elapsed:.1f} s"
        if event.error:
            text += f": {event.error}"
        level = "error" if event.state == "failed" else "info"
        return split(level, event.source, text, derived=True)
    if isinstance(event, OutcomeEvent):
        level = {"succeeded": "info", "cancelled": "warning"}.get(event.status, "error")
        text = f"run {event.status}" + (f": {event.message}" if event.message else "")
        if event.hint:
            text += f" ({event.hint})"
        return split(level, "dtwin", text, derived=True)
    return []


class LogModel(QAbstractTableModel):
    """All lines of a run; shows those passing the filters (source, level, text, raw)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.events: list[Event] = []
        self.lines: list[LogLine] = []
        self._visible: list[int] = []
        self.sources: list[str] = []
        self.source: str | None = None  # None: every source
        self.min_level = "debug"
        self.search = ""
        self.raw = False

    # --- filling -------------------------------------------------------------------------
    def clear(self) -> None:
        self.beginResetModel()
        self.events, self.lines, self._visible, self.sources = [], [], [], []
        self.endResetModel()

    def append_events(self, events: list[Event]) -> list[str]:
        """Add a batch; returns sources seen for the first time."""
        self.events.extend(events)
        start = len(self.lines)
        for event in events:
            self.lines.extend(lines_for(event))
        new_sources = []
        for line in self.lines[start:]:
            if line.source not in self.sources:
                self.sources.append(line.source)
                new_sources.append(line.source)
        shown = [i for i in range(start, len(self.lines)) if self._passes(self.lines[i])]
        if shown:
            first = len(self._visible)
            self.beginInsertRows(QModelIndex(), first, first + len(shown) - 1)
            self._visible.extend(shown)
            self.endInsertRows()
        return new_sources

    # --- filters -------------------------------------------------------------------------
    def set_filters(
        self,
        *,
        source: str | None = ...,  # type: ignore[assignment]
        min_level: str | None = None,
        search: str | None = None,
        raw: bool | None = None,
    ) -> None:
        if source is not ...:
            self.source = source
        if min_level is not None:
            self.min_level = min_level
        if search is not None:
            self.search = search
        if raw is not None:
            self.raw = raw
        self.beginResetModel()
        self._visible = [i for i, line in enumerate(self.lines) if self._passes(line)]
        self.endResetModel()

    def _passes(self, line: LogLine) -> bool:
        if self.raw and line.derived:
            return False
        if self.source is not None and line.source != self.source:
            return False
        if LEVELS.index(line.level) < LEVELS.index(self.min_level):
            return False
        return not self.search or self.search.lower() in line.message.lower()

    # --- reading -------------------------------------------------------------------------
    def line(self, row: int) -> LogLine:
        return self.lines[self._visible[row]]

    def visible_lines(self) -> list[LogLine]:
        return [self.lines[i] for i in self._visible]

    def as_text(self, lines: list[LogLine] | None = None) -> str:
        """Lines as plain text: the message alone in raw mode, else with time/level/source."""
        chosen = self.visible_lines() if lines is None else lines
        return "\n".join(ln.message if self.raw else ln.text() for ln in chosen)

    def save(self, path: Path) -> None:
        """Save the whole run: ``.jsonl`` as its events, anything else as text lines."""
        path = Path(path)
        if path.suffix == ".jsonl":
            text = "".join(
                json.dumps(event.to_json(), ensure_ascii=False) + "\n" for event in self.events
            )
        else:
            text = "\n".join(line.text() for line in self.lines) + "\n"
        path.write_text(text, encoding="utf-8")

    # --- Qt model ------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: _Index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        line = self.lines[self._visible[index.row()]]
        if role == Qt.ItemDataRole.DisplayRole:
            return (line.time, line.level, line.source, line.message)[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole:
            if index.column() in (1, 3) or line.level == "error":
                return QColor(getattr(theme, LEVEL_COLORS.get(line.level, "TEXT")))
            return QColor(theme.MUTED)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 0:
            return line.ts
        return None
