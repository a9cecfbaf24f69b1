"""Importing a project made for the older deployer (see docs/project-format.md).

:func:`import_project` reads a folder or a zip safely, finds the project root, translates
every file into dtwin's format in a temporary sibling of the destination and renames it into
place at the end, so a failure never leaves a half-written project. The returned
:class:`ImportReport` says, per file, what was copied, converted, wrapped, skipped, ignored,
or needs the user's attention.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from dtwin_gui.core.importer.convert import GENERATED, convert_project
from dtwin_gui.core.importer.native import copy_project, is_dtwin_project
from dtwin_gui.core.importer.safe_extract import (
    ImportEntry,
    ImportFailed,
    Limits,
    find_root,
    open_source,
)

__all__ = ["ImportEntry", "ImportFailed", "ImportReport", "import_project"]

DEFAULT_MAX_TOTAL_BYTES = 200 * 1024 * 1024
DEFAULT_MAX_FILES = 5000
_ACTION_ORDER = ("needs-attention", "wrapped", "converted", "copied", "skipped", "ignored")


@dataclass
class ImportReport:
    """What an import did, file by file.

    ``root_in_source`` is the folder of the source that held ``config.json`` (``"."`` for
    the top); ``dest`` the new project folder.
    """

    source: Path
    dest: Path
    root_in_source: str
    entries: list[ImportEntry] = field(default_factory=list)

    @property
    def needs_attention(self) -> list[ImportEntry]:
        """Entries the user must look at before deploying."""
        return [entry for entry in self.entries if entry.action == "needs-attention"]

    def counts(self) -> dict[str, int]:
        """Number of entries per action, in a stable order."""
        counted = Counter(entry.action for entry in self.entries)
        return {action: counted[action] for action in _ACTION_ORDER if counted[action]}

    def to_json(self) -> dict:
        """A JSON-ready dict (for ``dtwin import --json`` and the GUI log)."""
        return {
            "source": str(self.source),
            "dest": str(self.dest),
            "root_in_source": self.root_in_source,
            "counts": self.counts(),
            "needs_attention": len(self.needs_attention),
            "entries": [asdict(entry) for entry in self.entries],
        }

    def format_text(self) -> str:
        """A readable per-file table, with what needs attention repeated at the end."""
        lines = [
            f"Imported {self.source} -> {self.dest}",
            f"Project root in the source: {self.root_in_source}",
            "Summary: " + ", ".join(f"{n} {action}" for action, n in self.counts().items()),
            "",
        ]
        width = max([len(entry.source) for entry in self.entries] + [len("source")])
        width = min(width, 60)
        lines.append(f"{'action':<16} {'source':<{width}}  target")
        lines.append(f"{'-' * 16} {'-' * width}  {'-' * 6}")
        for entry in self.entries:
            lines.append(f"{entry.action:<16} {entry.source:<{width}}  {entry.target or '-'}")
            if entry.message:
                lines.append(f"{'':<16}   {entry.message}")
        attention = self.needs_attention
        if attention:
            lines += ["", f"Needs your attention ({len(attention)}):"]
            lines += [f"  - {e.target or e.source}: {e.message}" for e in attention]
        return "\n".join(lines) + "\n"


def import_project(
    src: Path,
    dest: Path,
    *,
    max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES,
    max_files: int = DEFAULT_MAX_FILES,
) -> ImportReport:
    """Import the older project at ``src`` (a folder or a zip) as a new project at ``dest``.

    ``dest`` must not exist or be an empty folder; its parent is created when missing.
    Raises :class:`ImportFailed` with a message for the user when the source breaks a
    safety rule, holds no project or several, or ``dest`` is in use. On failure nothing is
    left at ``dest``.
    """
    src, dest = Path(src), Path(dest)
    _check_dest(dest)
    limits = Limits(max_total_bytes=max_total_bytes, max_files=max_files)
    with open_source(src, limits) as tree:
        root = find_root(tree.files)
        dest.parent.mkdir(parents=True, exist_ok=True)
        staging = _make_staging(dest)
        try:
            native = is_dtwin_project(tree.files, root)
            entries = (copy_project if native else convert_project)(tree, root, staging)
            _move_into_place(staging, dest)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise ImportFailed(f"could not write the new project at {dest}: {exc}") from exc
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    entries.sort(key=lambda e: (e.source == GENERATED, e.source, e.target or ""))
    return ImportReport(source=src, dest=dest, root_in_source=root or ".", entries=entries)


def _check_dest(dest: Path) -> None:
    if dest.is_symlink():
        raise ImportFailed(f"{dest} is a symbolic link; choose a new folder for the project")
    if not dest.exists():
        return
    if not dest.is_dir():
        raise ImportFailed(f"{dest} is a file; choose a new or empty folder for the project")
    present = sorted(child.name for child in dest.iterdir())
    if present:
        shown = ", ".join(present[:3]) + (", ..." if len(present) > 3 else "")
        raise ImportFailed(
            f"{dest} is not empty ({len(present)} entries: {shown}); choose a new or empty "
            "folder so nothing of yours is overwritten"
        )


def _make_staging(dest: Path) -> Path:
    """A fresh hidden sibling of ``dest`` (created with the user's umask)."""
    while True:
        staging = dest.parent / f".{dest.name}.importing-{secrets.token_hex(4)}"
        try:
            os.mkdir(staging)
        except FileExistsError:
            continue
        return staging


def _move_into_place(staging: Path, dest: Path) -> None:
    if dest.exists():
        _check_dest(dest)  # still empty? someone may have written into it meanwhile
        dest.rmdir()
    staging.rename(dest)
