"""JSON parsing that remembers where every value sits (line and column).

The standard ``json`` module gives values but not positions; errors we show the user must
point at the place at fault, so this small parser records the position of every value by its
JSON path. It accepts exactly standard JSON (RFC 8259).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from json.decoder import scanstring

PathPart = str | int
Path = tuple[PathPart, ...]

_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")
_WS = re.compile(r"[ \t\n\r]*")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: Deepest nesting of arrays/objects accepted (project files are a few levels deep; deeper
#: input would exhaust the parser's and the validators' recursion).
MAX_DEPTH = 64


def format_path(path: Path) -> str:
    """Render a path as ``$.devices[0].name`` (keys that are not identifiers get quotes)."""
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENT.fullmatch(part):
            out += f".{part}"
        else:
            out += f"[{json.dumps(part)}]"
    return out


class JsonSyntaxError(ValueError):
    """Malformed JSON, with the 1-based line and column of the fault."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"{message} (line {line}, column {column})")
        self.reason = message
        self.line = line
        self.column = column


@dataclass
class LocatedJson:
    """A parsed document plus the (line, column) of each value, keyed by path."""

    value: object
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: Path) -> tuple[int, int] | None:
        """Position of ``path``, or of its nearest existing ancestor."""
        path = tuple(path)
        while True:
            if path in self.positions:
                return self.positions[path]
            if not path:
                return None
            path = path[:-1]


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.positions: dict[Path, tuple[int, int]] = {}
        # Offsets of line starts, for offset -> (line, column).
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def where(self, offset: int) -> tuple[int, int]:
        lo, hi = 0, len(self._line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - self._line_starts[lo] + 1

    def fail(self, message: str, offset: int | None = None) -> JsonSyntaxError:
        line, col = self.where(self.pos if offset is None else offset)
        return JsonSyntaxError(message, line, col)

    def skip_ws(self) -> None:
        self.pos = _WS.match(self.text, self.pos).end()

    def parse_document(self) -> object:
        self.skip_ws()
        if self.pos >= len(self.text):
            raise self.fail("the file is empty; expected a JSON value")
        value = self.parse_value(())
        self.skip_ws()
        if self.pos != len(self.text):
            raise self.fail("unexpected text after the JSON value")
        return value

    def parse_value(self, path: Path) -> object:
        self.skip_ws()
        if self.pos >= len(self.text):
            raise self.fail("unexpected end of file; a value is missing")
        self.positions[path] = self.where(self.pos)
        ch = self.text[self.pos]
        if ch in "{[" and len(path) >= MAX_DEPTH:
            raise self.fail(f"nesting deeper than {MAX_DEPTH} levels is not supported")
        if ch == "{":
            return self.parse_object(path)
        if ch == "[":
            return self.parse_array(path)
        if ch == '"':
            return self.parse_string()
        for literal, value in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(literal, self.pos):
                self.pos += len(literal)
                return value
        match = _NUMBER.match(self.text, self.pos)
        if match and match.end() > self.pos:
            self.pos = match.end()
            if match.group(1) or match.group(2):
                return float(match.group(0))
            return int(match.group(0))
        if ch == "'":
            raise self.fail('strings must use double quotes ("), not single quotes')
        raise self.fail(f"unexpected character {ch!r}; expected a value")

    def parse_string(self) -> str:
        start = self.pos
        try:
            value, end = scanstring(self.text, self.pos + 1, True)
        except json.JSONDecodeError as exc:
            raise self.fail(f"bad string: {exc.msg.removesuffix(' at').lower()}", exc.pos) from None
        except ValueError:
            raise self.fail("unterminated string", start) from None
        self.pos = end
        return value

    def parse_object(self, path: Path) -> dict:
        result: dict[str, object] = {}
        self.pos += 1
        self.skip_ws()
        if self.text.startswith("}", self.pos):
            self.pos += 1
            return result
        while True:
            self.skip_ws()
            if not self.text.startswith('"', self.pos):
                if self.text.startswith("}", self.pos):
                    raise self.fail("trailing comma before '}'")
                raise self.fail("expected a property name in double quotes")
            key_offset = self.pos
            key = self.parse_string()
            if key in result:
                raise self.fail(f"duplicate key {key!r}", key_offset)
            self.skip_ws()
            if not self.text.startswith(":", self.pos):
                raise self.fail(f"expected ':' after key {key!r}")
            self.pos += 1
            result[key] = self.parse_value((*path, key))
            self.skip_ws()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            if self.text.startswith("}", self.pos):
                self.pos += 1
                return result
            raise self.fail("expected ',' or '}' after a property value")

    def parse_array(self, path: Path) -> list:
        result: list[object] = []
        self.pos += 1
        self.skip_ws()
        if self.text.startswith("]", self.pos):
            self.pos += 1
            return result
        while True:
            self.skip_ws()
            if self.text.startswith("]", self.pos):
                raise self.fail("trailing comma before ']'")
            result.append(self.parse_value((*path, len(result))))
            self.skip_ws()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            if self.text.startswith("]", self.pos):
                self.pos += 1
                return result
            raise self.fail("expected ',' or ']' after an array element")


def loads_located(text: str) -> LocatedJson:
    """Parse ``text`` as JSON, recording positions. Raises :class:`JsonSyntaxError`."""
    if text.startswith("\ufeff"):
        text = text[1:]
    parser = _Parser(text)
    value = parser.parse_document()
    return LocatedJson(value, parser.positions)
