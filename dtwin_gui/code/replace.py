"""Replace a code file of the project with a file the user chose, safely.

The chosen file is checked first (a ``.py`` file, UTF-8 text, compiles, defines the entry
point with the runtime's arguments); a file that fails a check is refused and the project
is untouched. The old file is kept as a hidden ``.<name>.bak`` next to it (hidden files are
neither packaged nor watched), so :func:`undo_replace` can put it back. Writes are atomic.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from dtwin_gui.code.kinds import CodeTarget
from dtwin_gui.core.fsutil import atomic_write_text
from dtwin_gui.core.validation.code_check import check_function

MAX_BYTES = 1_000_000


class ReplaceError(ValueError):
    """The chosen file cannot replace the code; the text says why and what to do."""

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Replacement:
    """A replacement that happened: the project file and the backup of the old one."""

    path: Path
    #: None when there was no old file
    backup: Path | None


def backup_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.bak")


def checked_source(source_file: Path, target: CodeTarget) -> str:
    """The text of ``source_file`` if it can be ``target``'s code, else :class:`ReplaceError`."""
    source_file = Path(source_file)
    name = source_file.name
    if source_file.suffix.lower() != ".py":
        raise ReplaceError(f"{name} is not a Python file; choose a .py file")
    if not source_file.is_file():
        raise ReplaceError(f"{source_file} does not exist or is not a file")
    if source_file.stat().st_size > MAX_BYTES:
        raise ReplaceError(f"{name} is larger than {MAX_BYTES // 1_000_000} MB; choose your code")
    try:
        source = source_file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ReplaceError(f"{name} is not UTF-8 text; save it as UTF-8 and try again") from None
    except OSError as exc:
        raise ReplaceError(f"{name} cannot be read: {exc.strerror or exc}") from None
    for finding in check_function(source, target.function, target.params):
        where = f" at line {finding.line}, column {finding.column}" if finding.line else ""
        raise ReplaceError(
            f"{name} was not used: {finding.message}{where}; {finding.hint}",
            line=finding.line,
            column=finding.column,
        )
    try:  # the compiler finds a few errors the parser lets through ('return' outside def)
        compile(source, name, "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise ReplaceError(
            f"{name} was not used: Python syntax error: {exc.msg} at line {exc.lineno}, "
            f"column {exc.offset}; fix it and try again",
            line=exc.lineno,
            column=exc.offset,
        ) from None
    return source


def replace_code(root: Path, target: CodeTarget, source_file: Path) -> Replacement:
    """Check ``source_file`` and make it ``target``'s code in the project at ``root``."""
    source = checked_source(source_file, target)
    path = target.path(root)
    if Path(source_file).resolve() == path.resolve():
        raise ReplaceError(f"{path.name} is already this card's file; choose another file")
    backup = None
    if path.is_file():
        backup = backup_path(path)
        shutil.copy2(path, backup)
    atomic_write_text(path, source)
    return Replacement(path, backup)


def undo_replace(replacement: Replacement) -> None:
    """Put the old file back (or remove the new one when there was none)."""
    if replacement.backup is None:
        replacement.path.unlink(missing_ok=True)
        return
    if not replacement.backup.is_file():
        raise ReplaceError(f"the backup {replacement.backup.name} is gone; nothing to undo")
    os.replace(replacement.backup, replacement.path)  # atomic, and the backup is used up
