"""Reading an older project from a folder or a zip, safely.

Nothing is extracted to disk here: :func:`open_source` lists the files and hands out their
bytes on request, so a file we never need (such as the secrets file) is never read. Every
zip entry name is checked before anything else happens: no absolute paths, no ``..``, no
drive letters, no symlinks, a limit on the number of entries and on the total size, where
the size is checked both as declared in the zip and as actually read (a header that lies
cannot make us read more). In a folder, symbolic links are never followed.

This module also holds the two types every importer module shares: :class:`ImportEntry` and
:class:`ImportFailed`.
"""

from __future__ import annotations

import abc
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

Action = Literal["copied", "converted", "wrapped", "skipped", "needs-attention", "ignored"]

#: Folders of tools and editors: never part of a project, skipped without looking inside.
NOISE_DIRS = frozenset(
    {".git", ".hg", ".svn", "__pycache__", "__MACOSX", ".venv", "venv", "node_modules", ".idea"}
    | {".vscode", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".terraform"}
)

_CHUNK = 64 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")


class ImportFailed(Exception):
    """The import cannot go on; the message says what is wrong, where, and what to do."""


@dataclass(frozen=True)
class ImportEntry:
    """What the importer did with one file of the older project.

    ``source`` is the path in the older project (relative to its root, POSIX separators);
    ``target`` the path written in the new project, or None when nothing was written.
    """

    source: str
    target: str | None
    action: Action
    message: str = ""


@dataclass(frozen=True)
class Limits:
    """How much an import may read: number of entries and total uncompressed bytes."""

    max_total_bytes: int
    max_files: int


class _ByteBudget:
    """Counts the bytes actually read across all files against the size limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def take(self, count: int, name: str) -> None:
        self.used += count
        if self.used > self.limit:
            raise ImportFailed(
                f"{name}: reading it takes the project past the size limit of "
                f"{self.limit:,} bytes (rule: total uncompressed size). The archive is too "
                "large or its size headers are false."
            )


def read_limited(stream: BinaryIO, name: str, budget: _ByteBudget, declared: int | None) -> bytes:
    """Read ``stream`` in chunks, counting every byte against ``budget``.

    Fails when the data is longer than ``declared`` (a zip header that lies) or when the
    budget runs out, whichever comes first; never holds more than one chunk past the limit.
    """
    parts: list[bytes] = []
    size = 0
    while chunk := stream.read(_CHUNK):
        size += len(chunk)
        if declared is not None and size > declared:
            raise ImportFailed(
                f"{name}: holds more data than its header declares ({declared:,} bytes) "
                "(rule: declared size). The archive is damaged or crafted; not imported."
            )
        budget.take(len(chunk), name)
        parts.append(chunk)
    return b"".join(parts)


def check_member_name(name: str) -> str:
    """The normalised POSIX path of a zip entry, or :class:`ImportFailed` if it is unsafe."""
    if "\x00" in name:
        raise ImportFailed(f"zip entry {name!r} has a NUL character in its name (rule: names)")
    path = name.replace("\\", "/")
    if path.startswith("/"):
        raise ImportFailed(f"zip entry {name!r} has an absolute path (rule: no absolute paths)")
    if _DRIVE.match(path):
        raise ImportFailed(f"zip entry {name!r} names a drive letter (rule: no drive letters)")
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise ImportFailed(
            f"zip entry {name!r} climbs out of the archive with '..' (rule: no path traversal)"
        )
    if any(":" in part for part in parts):
        raise ImportFailed(
            f"zip entry {name!r} has ':' in a name, which Windows reads as a drive or a "
            "stream (rule: no drive letters)"
        )
    return "/".join(parts)


def _noise_dir(path: str) -> str | None:
    """The tool folder (such as ``.git``) that ``path`` lies in, if any, as ``a/.git/``."""
    parts = path.split("/")
    for index, part in enumerate(parts[:-1]):
        if part in NOISE_DIRS:
            return "/".join(parts[: index + 1]) + "/"
    return None


def _noise_entry(folder: str) -> ImportEntry:
    return ImportEntry(folder, None, "ignored", "tool or editor folder; not part of a project")


class SourceTree(abc.ABC):
    """The regular files of an older project (folder or zip), read on demand.

    ``files`` are POSIX paths relative to the source's top; ``notes`` are entries for what
    was left out while listing (symbolic links, tool folders).
    """

    def __init__(self, label: str, limits: Limits) -> None:
        self.label = label
        self.files: list[str] = []
        self.notes: list[ImportEntry] = []
        self._budget = _ByteBudget(limits.max_total_bytes)

    @abc.abstractmethod
    def read_bytes(self, path: str) -> bytes:
        """The content of ``path`` (one of :attr:`files`), counted against the size limit."""


class _FolderTree(SourceTree):
    def __init__(self, root: Path, limits: Limits) -> None:
        super().__init__(str(root), limits)
        self._root = root
        self._real_root = os.path.realpath(root)
        self._scan(limits)

    def _scan(self, limits: Limits) -> None:
        count = 0
        total = 0
        pending: list[tuple[str, str]] = [("", str(self._root))]
        while pending:
            rel_dir, folder = pending.pop()
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda item: item.name)
            for entry in entries:
                rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
                count += 1
                if count > limits.max_files:
                    raise ImportFailed(
                        f"{rel}: the folder has more than {limits.max_files:,} entries "
                        "(rule: file-count limit). Remove build output or caches and retry."
                    )
                if entry.is_symlink() or _is_junction(entry):
                    self.notes.append(
                        ImportEntry(rel, None, "skipped", "symbolic link; links are not followed")
                    )
                elif entry.is_dir(follow_symlinks=False):
                    if entry.name in NOISE_DIRS:
                        self.notes.append(_noise_entry(rel + "/"))
                    else:
                        pending.append((rel, entry.path))
                elif entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
                    if total > limits.max_total_bytes:
                        raise ImportFailed(
                            f"{rel}: the folder holds more than {limits.max_total_bytes:,} "
                            "bytes (rule: total size limit)"
                        )
                    self.files.append(rel)
                else:
                    self.notes.append(
                        ImportEntry(rel, None, "skipped", "not a regular file (device or pipe)")
                    )
        self.files.sort()

    def read_bytes(self, path: str) -> bytes:
        full = os.path.join(self._root, *path.split("/"))
        parent = os.path.realpath(os.path.dirname(full))
        if os.path.commonpath([parent, self._real_root]) != self._real_root:
            raise ImportFailed(f"{path}: lies outside the project folder after a link; refused")
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        try:
            descriptor = os.open(full, flags)
        except OSError as exc:
            raise ImportFailed(f"{path}: cannot be read ({exc.strerror})") from exc
        with os.fdopen(descriptor, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise ImportFailed(f"{path}: is no longer a regular file; refused")
            return read_limited(handle, path, self._budget, None)


def _is_junction(entry: os.DirEntry) -> bool:
    is_junction = getattr(entry, "is_junction", None)  # Python 3.12+, Windows junctions
    return bool(is_junction and is_junction())


class _ZipTree(SourceTree):
    def __init__(self, archive: zipfile.ZipFile, label: str, limits: Limits) -> None:
        super().__init__(label, limits)
        self._archive = archive
        self._members: dict[str, zipfile.ZipInfo] = {}
        self._scan(limits)

    def _scan(self, limits: Limits) -> None:
        infos = self._archive.infolist()
        if len(infos) > limits.max_files:
            raise ImportFailed(
                f"zip entry {infos[limits.max_files].filename!r} is beyond the limit of "
                f"{limits.max_files:,} entries (rule: file-count limit)"
            )
        declared = 0
        noise: set[str] = set()
        for info in infos:
            path = check_member_name(info.filename)
            _check_member_kind(info)
            if info.is_dir() or not path:
                continue
            declared += info.file_size
            if declared > limits.max_total_bytes:
                raise ImportFailed(
                    f"zip entry {info.filename!r} takes the declared size past the limit of "
                    f"{limits.max_total_bytes:,} bytes (rule: total uncompressed size)"
                )
            if path in self._members:
                raise ImportFailed(
                    f"zip entry {info.filename!r} appears twice (rule: unique names); "
                    "the archive is ambiguous"
                )
            self._members[path] = info
            folder = _noise_dir(path)
            if folder is not None:
                noise.add(folder)
            else:
                self.files.append(path)
        self.notes.extend(_noise_entry(folder) for folder in sorted(noise))
        self.files.sort()

    def read_bytes(self, path: str) -> bytes:
        info = self._members[path]
        try:
            with self._archive.open(info) as stream:
                return read_limited(stream, path, self._budget, info.file_size)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise ImportFailed(
                f"zip entry {path!r} is damaged or its size header is false: {exc}"
            ) from exc
        except NotImplementedError as exc:
            raise ImportFailed(f"zip entry {path!r} uses an unsupported compression") from exc


def _check_member_kind(info: zipfile.ZipInfo) -> None:
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise ImportFailed(f"zip entry {info.filename!r} is a symbolic link (rule: no symlinks)")
    if info.flag_bits & 0x1:
        raise ImportFailed(
            f"zip entry {info.filename!r} is encrypted; export the project without a password"
        )


@contextmanager
def open_source(src: Path, limits: Limits) -> Iterator[SourceTree]:
    """Open ``src`` (a folder or a zip) as a :class:`SourceTree`.

    Raises :class:`ImportFailed` when ``src`` is neither, or breaks a safety rule.
    """
    src = Path(src)
    if src.is_dir():
        yield _FolderTree(src, limits)
        return
    if not src.is_file():
        raise ImportFailed(f"{src} does not exist; give a project folder or a .zip file")
    if not zipfile.is_zipfile(src):
        raise ImportFailed(f"{src} is neither a folder nor a zip file")
    try:
        archive = zipfile.ZipFile(src)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFailed(f"{src} cannot be opened as a zip: {exc}") from exc
    except UnicodeDecodeError as exc:  # a member flagged UTF-8 whose name is not
        raise ImportFailed(
            f"{src} has a file name that is not valid UTF-8 (byte 0x{exc.object[exc.start]:02x} "
            f"of {exc.object[: exc.start + 1].decode('utf-8', 'replace')!r}...); "
            "re-create the zip with UTF-8 file names"
        ) from None
    with archive:
        yield _ZipTree(archive, str(src), limits)


def find_root(files: list[str]) -> str:
    """The folder of ``files`` that is the project root: ``""`` for the top, else ``a/b``.

    The root is the folder holding ``config.json``. A project may hold other files named
    ``config.json`` deeper down (the older simulator had one), so the root is the candidate
    that contains every other one; folders that also hold ``config_iot_devices.json`` or
    ``config_providers.json`` are preferred. Raises :class:`ImportFailed` when there is no
    candidate or several unrelated ones.
    """
    present = set(files)
    candidates = sorted(_parent(path) for path in files if path.rsplit("/", 1)[-1] == "config.json")
    if not candidates:
        raise ImportFailed(
            "no config.json found, so this is not an older dtwin project; the project root is "
            "the folder that holds config.json"
        )
    strong = [
        folder
        for folder in candidates
        if _join(folder, "config_iot_devices.json") in present
        or _join(folder, "config_providers.json") in present
    ]
    pool = strong or candidates
    outer = [folder for folder in pool if all(_contains(folder, other) for other in pool)]
    if len(outer) != 1:
        listed = ", ".join(_join(folder, "config.json") for folder in pool)
        raise ImportFailed(
            f"several project roots found ({listed}); import one project at a time, "
            "for example by zipping only its folder"
        )
    return outer[0]


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def _contains(folder: str, other: str) -> bool:
    return folder == "" or other == folder or other.startswith(folder + "/")
