"""Deterministic zip archives: the same entries always give the same bytes.

Nothing about the machine or the moment leaks into the archive: entries are sorted by
path, every timestamp is 1980-01-01 00:00:00, every file is a Unix ``0644`` regular file,
there are no directory entries and no extra fields, and compression is DEFLATE at a fixed
level. Content is stored exactly as given (no newline or encoding normalisation).

Byte identity holds for one zlib implementation; the build cache keys on the *inputs*, so a
different zlib at most recompresses, it never changes what a package contains.
"""

from __future__ import annotations

import io
import stat
import zipfile
from collections.abc import Iterable

#: The earliest time a zip header can express; used for every entry.
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
#: Permissions of every entry (a regular file, rw-r--r--).
FILE_MODE = 0o644
COMPRESSION = zipfile.ZIP_DEFLATED
COMPRESS_LEVEL = 9
#: "Unix" in the zip header, so extractors honour ``FILE_MODE`` on every platform.
CREATE_SYSTEM_UNIX = 3
#: Part of the cache key: change it when anything above changes.
FORMAT_ID = f"zip/deflate-{COMPRESS_LEVEL}/mode-{FILE_MODE:o}"


def check_arcname(arcname: str) -> None:
    """Raise :class:`ValueError` unless ``arcname`` is a clean relative POSIX file path."""
    parts = arcname.split("/")
    if (
        not arcname
        or "\\" in arcname
        or arcname.startswith("/")
        or any(part in ("", ".", "..") for part in parts)
        or ":" in parts[0]
    ):
        raise ValueError(f"bad archive path {arcname!r}: need a relative path with '/' separators")


def zip_bytes(entries: Iterable[tuple[str, bytes]]) -> bytes:
    """The deterministic zip of ``(archive path, content)`` pairs.

    Raises :class:`ValueError` on a malformed or duplicate archive path.
    """
    items = sorted(entries, key=lambda item: item[0])
    seen: set[str] = set()
    for arcname, _ in items:
        check_arcname(arcname)
        if arcname in seen:
            raise ValueError(f"duplicate archive path {arcname!r}")
        seen.add(arcname)
    buffer = io.BytesIO()  # seekable, so no data descriptors are written
    with zipfile.ZipFile(buffer, "w", compression=COMPRESSION, compresslevel=COMPRESS_LEVEL) as zf:
        for arcname, data in items:
            info = zipfile.ZipInfo(arcname, date_time=FIXED_DATE_TIME)
            info.create_system = CREATE_SYSTEM_UNIX
            info.external_attr = (stat.S_IFREG | FILE_MODE) << 16
            info.extra = b""
            info.comment = b""
            zf.writestr(info, bytes(data), compress_type=COMPRESSION, compresslevel=COMPRESS_LEVEL)
        zf.comment = b""
    return buffer.getvalue()
