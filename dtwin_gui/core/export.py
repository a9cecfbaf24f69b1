"""Exporting a project as a zip a colleague can open or import (``dtwin export``).

:func:`export_project` walks the project folder (never following a symbolic link), leaves out
what must not travel — secrets (the importer's own screening), deployment workspaces and
Terraform files, build output, caches, tool folders and editor/OS junk — and writes the rest
into a zip that is byte-for-byte the same for the same project: entries sorted, one fixed
timestamp, fixed permissions, relative POSIX names only, no top folder. The zip is written to
a temporary sibling of the output and renamed into place, so a failure leaves nothing behind.

:func:`excluded_reason` is the rule book; ``dtwin import`` of a dtwin-format zip uses it too.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from dtwin_gui.core.importer import DEFAULT_MAX_FILES, DEFAULT_MAX_TOTAL_BYTES
from dtwin_gui.core.importer.convert import is_secret
from dtwin_gui.core.importer.screening import secret_in_content
from dtwin_gui.core.project import CONFIG

#: Every entry gets this time (the earliest a zip can hold) and these permissions.
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o644
COMPRESS_LEVEL = 9

#: Folders of version control, tools and editors, skipped without looking inside.
TOOL_DIRS = frozenset(
    {".git", ".hg", ".svn", ".venv", "venv", "node_modules", ".idea", ".vscode", "__MACOSX"}
)
CACHE_DIRS = frozenset(
    {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".ipynb_checkpoints"}
    | {".tox", ".nox", ".cache", "htmlcov"}
)
#: Deployment state and build output: anywhere (``.terraform``) or at the project's top.
WORKSPACE_DIRS = frozenset({".terraform", ".dtwin"})
TOP_WORKSPACE_DIRS = frozenset({"build", "dist", "workspace", "workspaces"})
WORKSPACE_SUFFIXES = (".tfstate", ".tfstate.backup", ".tfvars", ".tfvars.json", ".tfplan")
WORKSPACE_FILES = frozenset({".terraform.lock.hcl", ".terraform.tfstate.lock.info", "tfplan"})
CACHE_SUFFIXES = (".pyc", ".pyo")
CACHE_FILES = frozenset({".coverage"})
JUNK_FILES = frozenset({".ds_store", "thumbs.db", "ehthumbs.db", "desktop.ini", ".directory"})
JUNK_SUFFIXES = ("~", ".swp", ".swo", ".tmp", ".orig", ".rej")

REASON_SECRET = "looks like a secret (credentials, key or certificate); never exported"
REASON_WORKSPACE = "deployment workspace, Terraform state or build output; stays on this machine"
REASON_CACHE = "cache, re-created when needed"
REASON_TOOL = "version-control, tool or editor folder; not part of a project"
REASON_JUNK = "editor or OS junk"
REASON_LINK = "symbolic link; links are not followed"
REASON_SPECIAL = "not a regular file (device, pipe or socket)"
REASON_NAME = (
    "its name has a character Windows and `dtwin import` refuse (':', '\\', a control "
    "character) or is not valid UTF-8; rename it to export it"
)


class ExportFailed(Exception):
    """The export cannot be done; the message says what is wrong, where, and what to do."""


@dataclass(frozen=True)
class Skipped:
    """A file or folder (``path`` ending in ``/``) left out of the zip, and why."""

    path: str
    reason: str
    #: True when it was left out because it looks like a secret.
    secret: bool = False


@dataclass
class ExportResult:
    """What :func:`export_project` wrote: the zip, its files, and what it left out."""

    root: Path
    out: Path
    files: list[tuple[str, int]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    zip_size: int = 0
    sha256: str = ""
    #: What the user should know (a zip too big for ``dtwin import`` on the other side).
    warnings: list[str] = field(default_factory=list)

    @property
    def secrets(self) -> list[Skipped]:
        """What was left out because it looks like a secret."""
        return [s for s in self.skipped if s.secret]

    def to_json(self) -> dict:
        """A JSON-ready dict (for ``dtwin export --json``)."""
        return {
            "project": str(self.root),
            "out": str(self.out),
            "files": [{"path": p, "size": n} for p, n in self.files],
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "zip_size": self.zip_size,
            "sha256": self.sha256,
            "warnings": self.warnings,
        }

    def format_text(self) -> str:
        """One line per skipped entry, then a summary line."""
        lines = [f"skipped {s.path}: {s.reason}" for s in self.skipped]
        lines += [f"warning: {w}" for w in self.warnings]
        total = sum(size for _, size in self.files)
        lines.append(
            f"Exported {self.root} -> {self.out}: {len(self.files)} file(s), {total:,} bytes "
            f"({self.zip_size:,} zipped), {len(self.skipped)} skipped, sha256 {self.sha256[:12]}"
        )
        return "\n".join(lines) + "\n"


def excluded_reason(rel: str, *, is_dir: bool = False) -> str | None:
    """Why the project path ``rel`` (POSIX, relative) is never exported, or None.

    Secrets are not judged here (see :func:`secret_reason`); this is about tool folders,
    caches, junk and deployment state.
    """
    parts = rel.split("/")
    folders = parts if is_dir else parts[:-1]
    for depth, part in enumerate(folders):
        if part in TOOL_DIRS:
            return REASON_TOOL
        if part in CACHE_DIRS or part.endswith(".egg-info"):
            return REASON_CACHE
        if part in WORKSPACE_DIRS or (depth == 0 and part in TOP_WORKSPACE_DIRS):
            return REASON_WORKSPACE
    if is_dir:
        return None
    name = parts[-1]
    lower = name.lower()
    if lower in JUNK_FILES or lower.endswith(JUNK_SUFFIXES) or name.startswith(("._", ".#")):
        return REASON_JUNK
    if name.startswith("#") and name.endswith("#"):
        return REASON_JUNK
    if lower.endswith(CACHE_SUFFIXES) or lower in CACHE_FILES:
        return REASON_CACHE
    if lower in WORKSPACE_FILES or lower.endswith(WORKSPACE_SUFFIXES) or lower == "crash.log":
        return REASON_WORKSPACE
    if ".tfstate." in lower:  # terraform.tfstate.1700000000.backup
        return REASON_WORKSPACE
    return None


def secret_reason(rel: str, data: bytes | None = None) -> str | None:
    """Why ``rel`` looks like a secret to the importer's screening — by name, and by
    ``data`` when given (the kind and line, never the secret) — or None."""
    if is_secret(rel):
        return REASON_SECRET
    found = secret_in_content(data) if data is not None else None
    if found is None:
        return None
    kind, line = found
    return f"holds what looks like {kind} (line {line}); never exported"


def export_project(root: Path, out: Path, *, exclude: Iterable[Path] = ()) -> ExportResult:
    """Write the project at ``root`` as a reproducible zip at ``out``.

    ``exclude`` names further folders to leave out (the app's workspaces folder, when the
    user put it inside the project). ``out`` may exist as a file (it is replaced at the
    end); its folder must exist. Raises :class:`ExportFailed` with a message for the user.
    """
    root, out = Path(root), Path(out)
    real_root = _check_root(root)
    real_out = _check_out(out, real_root)
    paths, skipped = _collect(root, _inside(real_root, exclude))
    kept: list[tuple[str, bytes]] = []
    for rel in paths:
        data = _read(root, rel)
        reason = secret_reason(rel, data)
        if reason:
            skipped.append(Skipped(rel, reason, secret=True))
        else:
            kept.append((rel, data))
    skipped.sort(key=lambda s: s.path)
    _write_zip(kept, real_out, out)
    data = real_out.read_bytes()
    total = sum(len(content) for _, content in kept)
    warnings = []
    if len(kept) > DEFAULT_MAX_FILES or total > DEFAULT_MAX_TOTAL_BYTES:
        warnings.append(
            f"{len(kept):,} files, {total:,} bytes: more than `dtwin import` accepts "
            f"({DEFAULT_MAX_FILES:,} files, {DEFAULT_MAX_TOTAL_BYTES:,} bytes); a colleague can "
            "unzip and open it, but not import it. Move large data out of the project."
        )
    return ExportResult(
        root=root,
        out=out,
        files=[(rel, len(content)) for rel, content in kept],
        skipped=skipped,
        zip_size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        warnings=warnings,
    )


def _check_root(root: Path) -> Path:
    if not root.is_dir():
        raise ExportFailed(f"{root} is not a folder; give the folder of a dtwin project")
    if not (root / CONFIG).is_file():
        raise ExportFailed(
            f"{root} is not a dtwin project (no {CONFIG}); give the folder that holds {CONFIG}"
        )
    return Path(os.path.realpath(root))


def _check_out(out: Path, real_root: Path) -> Path:
    real_out = Path(os.path.realpath(out))
    if real_out == real_root or real_root in real_out.parents:
        raise ExportFailed(
            f"{out} lies inside the project {real_root}; choose a place outside the project "
            "folder (the zip would otherwise end up in its own next export)"
        )
    if real_out.is_dir():
        raise ExportFailed(f"{out} is a folder; give the name of the zip file to write")
    if not real_out.parent.is_dir():
        raise ExportFailed(
            f"{real_out.parent} does not exist; create that folder first or choose another place"
        )
    return real_out


def _inside(real_root: Path, folders: Iterable[Path]) -> set[str]:
    """The POSIX paths, relative to the project, of those ``folders`` that lie inside it."""
    inside = set()
    for folder in folders:
        real = Path(os.path.realpath(folder))
        if real == real_root:
            continue  # the whole project would vanish: ignore such a setting
        if real_root in real.parents:
            inside.add(real.relative_to(real_root).as_posix())
    return inside


def _collect(root: Path, workspace_dirs: set[str]) -> tuple[list[str], list[Skipped]]:
    """The files to export (sorted POSIX paths) and what was left out."""
    files: list[str] = []
    skipped: list[Skipped] = []
    pending: list[tuple[str, str]] = [("", str(root))]
    while pending:
        rel_dir, folder = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda item: item.name)
        except OSError as exc:
            raise ExportFailed(
                f"{folder}: cannot be read ({exc.strerror or exc}); check its permissions"
            ) from exc
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            if not _portable(entry.name):
                skipped.append(Skipped(rel, REASON_NAME))
            elif entry.is_symlink():
                skipped.append(Skipped(rel, REASON_LINK))
            elif entry.is_dir(follow_symlinks=False):
                reason = REASON_WORKSPACE if rel in workspace_dirs else None
                reason = reason or excluded_reason(rel, is_dir=True)
                if reason:
                    skipped.append(Skipped(rel + "/", reason))
                elif secret_reason(rel + "/x"):  # iot_devices_auth/: every file in it
                    skipped.append(Skipped(rel + "/", REASON_SECRET, secret=True))
                else:
                    pending.append((rel, entry.path))
            elif entry.is_file(follow_symlinks=False):
                reason = excluded_reason(rel)
                if reason:
                    skipped.append(Skipped(rel, reason))
                elif secret_reason(rel):
                    skipped.append(Skipped(rel, REASON_SECRET, secret=True))
                else:
                    files.append(rel)
            else:
                skipped.append(Skipped(rel, REASON_SPECIAL))
    files.sort()
    skipped.sort(key=lambda s: s.path)
    return files, skipped


def _portable(name: str) -> bool:
    """Whether ``name`` survives a zip and ``dtwin import`` on every platform."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes from the file system
        return False
    return not any(char in name for char in ":\\") and all(ord(char) >= 32 for char in name)


def _read(root: Path, rel: str) -> bytes:
    full = os.path.join(root, *rel.split("/"))
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(full, flags)
    except OSError as exc:
        raise ExportFailed(f"{full}: cannot be read ({exc.strerror or exc})") from exc
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise ExportFailed(f"{full}: is no longer a regular file; export again")
        return handle.read()


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_DATE_TIME)
    info.create_system = 3  # Unix, so the mode below is honoured by unzip on every platform
    info.external_attr = (stat.S_IFREG | FILE_MODE) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _write_zip(kept: list[tuple[str, bytes]], real_out: Path, out: Path) -> None:
    """Write the zip to a temporary sibling of ``real_out``, then rename it into place."""
    tmp = real_out.parent / f".{real_out.name}.exporting-{secrets.token_hex(4)}"
    try:
        with open(tmp, "xb") as handle:
            with zipfile.ZipFile(handle, "w") as archive:
                for rel, data in kept:
                    archive.writestr(_entry(rel), data, compresslevel=COMPRESS_LEVEL)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, real_out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ExportFailed(_write_error(out, exc)) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write_error(out: Path, exc: OSError) -> str:
    return (
        f"cannot write {out}: {exc.strerror or exc}; choose a folder you may write to "
        "(and check the disk is not full)"
    )


def app_workspaces() -> list[Path]:
    """The app's workspaces folder (from the settings), for ``exclude``: a user may have put
    it inside a project."""
    from dtwin_gui.build.workspace import workspaces_root  # above core in the layout

    return [workspaces_root()]
