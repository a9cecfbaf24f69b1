"""Private files for Terraform: its state, plans and ``.terraform/`` are the owner's only.

Terraform creates ``terraform.tfstate`` (and its backup), plan files and ``.terraform/``
with the process umask (usually 0644/0755). The state holds every resource's attributes, so
the child runs with umask 077 (:func:`private_umask`, a ``Popen`` keyword) and
:func:`tighten` removes group/other bits from what an older version left. The owner's bits
are kept (provider plugins stay executable). POSIX only; elsewhere both do nothing.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

PRIVATE_UMASK = 0o077

_POSIX = sys.platform != "win32"
_tightened: set[Path] = set()


def private_umask() -> dict[str, int]:
    """``Popen`` keyword arguments that create every file of the child as owner-only."""
    return {"umask": PRIVATE_UMASK} if _POSIX else {}


def tighten(path: Path, *, once: bool = False) -> int:
    """Remove group/other permissions from ``path`` and everything under it (symlinks are
    not followed: a provider cache elsewhere is not ours). Returns how many were changed.
    ``once``: skip a folder already tightened by this process."""
    if not _POSIX:
        return 0
    path = Path(path)
    if once and path in _tightened:
        return 0
    changed = _tighten_one(path)
    if path.is_dir() and not path.is_symlink():
        for folder, dirs, files in os.walk(path):
            for name in dirs + files:
                changed += _tighten_one(Path(folder) / name)
    _tightened.add(path)
    return changed


def _tighten_one(path: Path) -> int:
    try:
        info = path.lstat()
    except OSError:
        return 0
    if stat.S_ISLNK(info.st_mode) or not stat.S_IMODE(info.st_mode) & 0o077:
        return 0
    try:
        os.chmod(path, stat.S_IMODE(info.st_mode) & ~0o077)
    except OSError:
        return 0
    return 1
