"""Where the application's image files are (the ``resources/`` folder)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtGui import QIcon

#: Environment variable pointing at another resources folder (used by packaged builds).
RESOURCES_ENV = "DTWIN_RESOURCES_DIR"
ICON_FILES = ("dtwin.svg", "dtwin.png")


def resources_dir() -> Path | None:
    """The ``resources`` folder: from the environment, else next to the source tree."""
    override = os.environ.get(RESOURCES_ENV)
    if override:
        return Path(override)
    for base in Path(__file__).resolve().parents:
        candidate = base / "resources"
        if (candidate / ICON_FILES[0]).is_file():
            return candidate
    return None


def app_icon() -> QIcon:
    """The dtwin icon (scalable SVG plus a PNG fallback); empty when not installed."""
    icon = QIcon()
    folder = resources_dir()
    if folder:
        for name in ICON_FILES:
            if (folder / name).is_file():
                icon.addFile(str(folder / name))
    return icon
