"""Notice when files of the open project change on disk (debounced)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", ".git", ".venv", "venv"})
MAX_PATHS = 4000


def watched_paths(root: Path, limit: int = MAX_PATHS) -> set[str]:
    """The folder ``root``, its subfolders and files (hidden and cache folders left out)."""
    out: set[str] = {str(root)}
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith("."))
        for name in dirs:
            out.add(os.path.join(folder, name))
        for name in files:
            if not name.startswith("."):
                out.add(os.path.join(folder, name))
        if len(out) >= limit:
            break
    return out


class ProjectWatcher(QObject):
    """Emits :attr:`changed` once things settle after any change below the project root.

    Folders are watched for added/removed/renamed entries and files for edits in place.
    After each burst the watch list is rebuilt, because an atomic save replaces a file and
    the old one drops out of the watch.
    """

    changed = Signal()

    def __init__(self, debounce_ms: int = 300, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._root: Path | None = None
        self._fs = QFileSystemWatcher(self)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._fs.fileChanged.connect(self._poke)
        self._fs.directoryChanged.connect(self._poke)
        self._timer.timeout.connect(self._settled)

    @property
    def root(self) -> Path | None:
        return self._root

    def watch(self, root: Path) -> None:
        self.stop()
        self._root = Path(root)
        self._resync()

    def stop(self) -> None:
        self._timer.stop()
        current = self._fs.files() + self._fs.directories()
        if current:
            self._fs.removePaths(current)
        self._root = None

    def _poke(self, _path: str = "") -> None:
        self._timer.start()

    def _settled(self) -> None:
        if self._root is None:
            return
        self._resync()
        self.changed.emit()

    def _resync(self) -> None:
        if self._root is None or not self._root.is_dir():
            return
        wanted = watched_paths(self._root)
        current = set(self._fs.files()) | set(self._fs.directories())
        gone = sorted(current - wanted)
        new = sorted(wanted - current)
        if gone:
            self._fs.removePaths(gone)
        if new:
            self._fs.addPaths(new)
