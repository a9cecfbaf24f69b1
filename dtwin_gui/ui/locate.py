"""Where in its file a problem sits, for the viewer.

The validator gives line and column when it knows them. When it gives only a JSON path, the
file is parsed with positions (:mod:`dtwin_gui.core.jsonloc`) to find the value; when even
that fails (for example the file no longer parses) the viewer opens at the top of the file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from dtwin_gui.core.jsonloc import JsonSyntaxError, loads_located
from dtwin_gui.core.problems import Problem

_PART = re.compile(r'\.([A-Za-z_][A-Za-z0-9_$@]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')


def parse_json_path(path: str) -> tuple[str | int, ...] | None:
    """``$[0].properties[1].name`` as ``(0, "properties", 1, "name")``; None if malformed."""
    if not path.startswith("$"):
        return None
    parts: list[str | int] = []
    pos = 1
    while pos < len(path):
        match = _PART.match(path, pos)
        if not match:
            return None
        key, index, quoted = match.groups()
        if key is not None:
            parts.append(key)
        elif index is not None:
            parts.append(int(index))
        else:
            parts.append(json.loads(quoted))
        pos = match.end()
    return tuple(parts)


def problem_position(root: Path, problem: Problem) -> tuple[int | None, int | None]:
    """1-based ``(line, column)`` of ``problem`` in its file; ``(None, None)`` when unknown."""
    if problem.line is not None:
        return problem.line, problem.column
    if not problem.file.endswith(".json") or not problem.path:
        return None, None
    parts = parse_json_path(problem.path)
    if parts is None:
        return None, None
    try:
        text = (Path(root) / problem.file).read_text(encoding="utf-8")
        position = loads_located(text).position(parts)
    except (OSError, UnicodeDecodeError, JsonSyntaxError):
        return None, None
    return position if position else (None, None)
