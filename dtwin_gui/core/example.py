"""The user's projects folder, their copy of the bundled example, and telling the template.

The bundled example (``upload/template``) is what every new project starts from, so the app
never writes to it: ``make run`` opens the user's own copy, made once in the projects folder
(``~/Documents/dtwin-projects/example``; ``$DTWIN_PROJECTS_DIR`` moves the folder) and reused
after. Opening the template itself is allowed, read-only.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import platformdirs

from dtwin_gui.core.project import CONFIG
from dtwin_gui.core.scaffold import ScaffoldError, new_project, template_dir

PROJECTS_DIR_ENV = "DTWIN_PROJECTS_DIR"
EXAMPLE_FOLDER = "example"


def projects_dir() -> Path:
    """Where new projects go by default: ``$DTWIN_PROJECTS_DIR``, else
    ``<Documents>/dtwin-projects``."""
    override = os.environ.get(PROJECTS_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_documents_dir()) / "dtwin-projects"


def is_bundled_template(root: Path) -> bool:
    """True when ``root`` is the bundled example itself (the folder new projects copy)."""
    try:
        template = template_dir().resolve()
    except ScaffoldError:
        return False
    try:
        return Path(root).expanduser().resolve() == template
    except OSError:
        return False


def example_copy(folder: Path | None = None) -> Path:
    """The user's copy of the example: made from the template the first time, reused after.

    Raises :class:`ScaffoldError` when the folder exists but holds something else.
    """
    dest = Path(folder) if folder is not None else projects_dir() / EXAMPLE_FOLDER
    if (dest / CONFIG).is_file():
        return dest
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise ScaffoldError(
            f"{dest} already exists but is not a dtwin project (it has no {CONFIG}); move it "
            f"away or set {PROJECTS_DIR_ENV} to another folder"
        )
    template = template_dir()
    name = json.loads((template / CONFIG).read_text(encoding="utf-8")).get("digital_twin_name")
    return new_project(dest, twin_name=name or None, template=template)
