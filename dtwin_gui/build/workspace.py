"""Where the app keeps a project's deployment workspace (DESIGN.md §4).

``<user data dir>/workspaces/<twin-name>-<8 hex>/`` (or under the *workspace location* of the
app settings, when the user chose one): the hex is a hash of the project's
absolute path, so two checkouts of the same twin never share state. Folders are 0700.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import platformdirs

from dtwin_gui.build.cache import ensure_private_dir
from dtwin_gui.core.project import load_project

APP_NAME = "dtwin"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


#: Environment variable that moves the app's data folder (tests, portable installs).
DATA_DIR_ENV = "DTWIN_DATA_DIR"


def data_dir() -> Path:
    """The app's per-user data folder (``platformdirs.user_data_dir("dtwin")``), or
    ``$DTWIN_DATA_DIR`` when set."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def workspace_name(project_root: Path, twin_name: str) -> str:
    """``<twin-name>-<first 8 hex of sha256(absolute project path)>``."""
    absolute = str(Path(project_root).resolve())
    tag = hashlib.sha256(absolute.encode("utf-8")).hexdigest()[:8]
    safe = _UNSAFE.sub("-", twin_name).strip("-.") or "twin"
    return f"{safe}-{tag}"


def workspaces_root() -> Path:
    """The folder holding every project's workspace: the ``workspace_location`` setting when
    set, else ``<data dir>/workspaces``."""
    from dtwin_gui.settings import load_settings  # settings live above build/ in the layout

    chosen = load_settings().workspace_location
    return Path(chosen).expanduser() if chosen else data_dir() / "workspaces"


def workspace_dir(project_root: Path) -> Path:
    """The project's workspace folder, created (0700) if missing."""
    twin_name = load_project(Path(project_root)).twin_name
    return ensure_private_dir(workspaces_root() / workspace_name(project_root, twin_name))


def build_dir(project_root: Path) -> Path:
    """The default output folder of ``dtwin build``: ``<workspace>/build``."""
    return ensure_private_dir(workspace_dir(project_root) / "build")
