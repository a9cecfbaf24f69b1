"""Creating a new project from the bundled example (``upload/template``)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from dtwin_gui.core.fsutil import atomic_write_json
from dtwin_gui.core.naming import suggest_twin_name, twin_name_problems
from dtwin_gui.core.project import CONFIG

#: Environment variable that points at another template folder (used by packaged builds).
TEMPLATE_ENV = "DTWIN_TEMPLATE_DIR"


class ScaffoldError(ValueError):
    """The new project cannot be created (bad name, destination in use, ...)."""


def template_dir() -> Path:
    """The bundled example project."""
    override = os.environ.get(TEMPLATE_ENV)
    if override:
        return Path(override)
    here = Path(__file__).resolve()
    for base in here.parents:
        candidate = base / "upload" / "template"
        if (candidate / CONFIG).is_file():
            return candidate
    raise ScaffoldError(
        "the example project (upload/template) is missing from this installation; "
        f"set {TEMPLATE_ENV} to a project folder to use as template"
    )


def new_project(dest: Path, *, twin_name: str | None = None, template: Path | None = None) -> Path:
    """Copy the template to ``dest`` (which must not exist or be empty) and name the twin.

    The copy goes to a temporary sibling first and is renamed into place, so a failure never
    leaves a half-made project.
    """
    dest = Path(dest)
    source = Path(template) if template else template_dir()
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise ScaffoldError(f"{dest} already exists and is not empty; choose a new folder")
    name = twin_name if twin_name is not None else suggest_twin_name(dest.name)
    problems = twin_name_problems(name)
    if problems:
        raise ScaffoldError(f"twin name {name!r} {problems[0]}; try {suggest_twin_name(name)!r}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = dest.parent / f".{dest.name}.creating"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        shutil.copytree(source, staging, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        config_path = staging / CONFIG
        config = json.loads(config_path.read_text(encoding="utf-8"))
        config["digital_twin_name"] = name
        atomic_write_json(config_path, config)
        if dest.exists():
            dest.rmdir()
        staging.rename(dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return dest
