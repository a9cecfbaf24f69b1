"""The list of recently opened projects, kept in QSettings.

The GUI's QSettings (recent projects, window geometry) live in ``gui.ini`` in the app's
config folder, next to ``settings.json`` (so ``DTWIN_CONFIG_DIR`` moves them too); see
:func:`gui_settings`.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QSettings

from dtwin_gui.settings import config_dir

GUI_SETTINGS_FILE = "gui.ini"


def gui_settings_path() -> Path:
    return config_dir() / GUI_SETTINGS_FILE


def gui_settings() -> QSettings:
    """The GUI's QSettings (INI) in the app's config folder.

    The first time, the recent projects of older versions (Qt's native file, e.g.
    ``~/.config/dtwin/dtwin.conf``) are carried over.
    """
    path = gui_settings_path()
    first = not path.exists()
    settings = QSettings(str(path), QSettings.Format.IniFormat)
    if first:
        native, user = QSettings.Format.NativeFormat, QSettings.Scope.UserScope
        legacy = QSettings(native, user, "dtwin", "dtwin")
        value = legacy.value(RecentProjects.KEY)
        if isinstance(value, str):
            settings.setValue(RecentProjects.KEY, value)
            settings.sync()
    return settings


class RecentProjects:
    """Most recent first, without duplicates, at most :attr:`LIMIT` entries."""

    KEY = "recent/projects"
    LIMIT = 8

    def __init__(self, settings: QSettings) -> None:
        self._settings = settings

    def paths(self) -> list[Path]:
        # Stored as a JSON string: QSettings turns one-element lists into plain strings.
        raw = self._settings.value(self.KEY, "[]")
        try:
            items = json.loads(raw) if isinstance(raw, str) else []
        except ValueError:
            items = []
        return [Path(p) for p in items if isinstance(p, str)][: self.LIMIT]

    def add(self, path: Path) -> None:
        path = Path(path)
        items = [path] + [p for p in self.paths() if p != path]
        self._store(items)

    def remove(self, path: Path) -> None:
        self._store([p for p in self.paths() if p != Path(path)])

    def _store(self, items: list[Path]) -> None:
        self._settings.setValue(self.KEY, json.dumps([str(p) for p in items[: self.LIMIT]]))
        self._settings.sync()
