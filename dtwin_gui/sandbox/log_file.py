"""The newest lines of a function's log file (Azure's and Google's emulated functions write
one each), as the sandbox's control APIs answer "what did this function log"."""

from __future__ import annotations

from pathlib import Path

#: The most one answer holds, as a query of the cloud's own log service would cap it.
LOG_LINES = 5_000
#: Bytes read per line wanted (a JSON log entry is a few hundred).
_BYTES_PER_LINE = 400


def newest_lines(path: Path, limit: int = LOG_LINES) -> list[str]:
    """``path``'s newest ``limit`` lines, oldest first (``[]`` when it cannot be read)."""
    try:
        with Path(path).open("rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            start = max(0, size - limit * _BYTES_PER_LINE)
            handle.seek(start)
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return []
    lines = text.splitlines()
    if start > 0:
        lines = lines[1:]  # read from the middle of a line
    return lines[-limit:]
