"""The event-rule grammar: one tokenizer and parser for the validator, the engine and the
code that runs inside the cloud functions.

STANDARD LIBRARY ONLY: this file is copied as-is into every cloud function package.

Grammar::

    condition  := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := operand (("==" | "!=" | "<" | "<=" | ">" | ">=") operand)?
    operand    := NUMBER | STRING | true | false | DOUBLE(n) | INTEGER(n) | STRING(x)
                | reference | "(" or_expr ")"
    reference  := device "." property  |  entity "." device "." property   (older form)

Tokens:

* Keywords ``and``, ``or``, ``not``, ``true``, ``false`` are case-insensitive. There are
  no symbolic spellings (``&&``, ``||``, ``!``): those are errors that suggest the keyword.
* NUMBER: an optional ``-``, digits, an optional ``.digits`` fraction and an optional
  ``e``/``E`` exponent; an int unless it has a fraction or an exponent, then a float
  (``-3``, ``40.5``, ``1e3``). Non-finite values (``1e999``) are errors.
* STRING: single or double quotes; escapes ``\\\\ \\' \\" \\n \\t \\r`` (others are errors).
* ``DOUBLE(n)`` is a float, ``INTEGER(n)`` an int (a fraction is an error), ``STRING(x)``
  a str: either a quoted string or the bare text up to the closing parenthesis, stripped.
  The three names are case-insensitive; any other ``NAME(`` is an "unknown function" error.
* A reference is a run of ``[A-Za-z0-9_-]`` segments joined by dots: two segments are
  ``device.property``, three are ``entity.device.property``. Device ids may contain
  hyphens and digits (``temperature-sensor-1``); the property must be
  ``[A-Za-z_][A-Za-z0-9_]*``. A run that is entirely a NUMBER (``-3``, ``40.5``) is a
  number. A bare word without a dot that is not a keyword is an error.

Errors raise :class:`ConditionSyntaxError` with a 1-based ``column`` into the text; the end
of the text is one past its last non-blank character (so an empty condition is column 1).

Evaluation (:meth:`Condition.evaluate`) never raises for data reasons:

* A reference whose value is missing (absent key, ``None``, or a callable lookup raising
  ``LookupError``) makes every comparison using it False, ``!=`` included; ``not`` of such
  a comparison is therefore True.
* Values compare only within a kind: numbers (int, float, Decimal, ...; never bool), str,
  bool. Across kinds ``==`` and ordering are False and ``!=`` is True, so ``true != 1``.
  int and float compare numerically. bools (and other values) support only ``==``/``!=``.
* An operand used on its own as a condition (``dev.flag``, ``true``) holds only when its
  value is exactly ``True``.

Parse once with :func:`parse_condition`, then call :meth:`Condition.evaluate` per message:
evaluation walks the tree and never re-tokenizes.
"""

from __future__ import annotations

import math
import numbers
import operator
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

__all__ = [
    "And",
    "Compare",
    "Condition",
    "ConditionSyntaxError",
    "Literal",
    "Lookup",
    "Node",
    "Not",
    "Or",
    "Reference",
    "parse_condition",
]

MAX_DEPTH = 50
"""Most nested ``not``/parentheses accepted (keeps the recursive parser off the stack limit)."""

COMPARISON_OPERATORS = ("==", "!=", "<", "<=", ">", ">=")


class ConditionSyntaxError(ValueError):
    """A malformed condition; ``column`` is 1-based into the condition text."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message, column)
        self.message = message
        self.column = column

    def __str__(self) -> str:
        return f"{self.message} (column {self.column})"


# --------------------------------------------------------------------------- evaluation


class _Missing:
    """The value of a reference that the lookup does not know."""

    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()

Lookup = Mapping[tuple[str, str], object] | Callable[[str, str], object]
"""What :meth:`Condition.evaluate` reads values from: keyed by ``(device_id, property)``."""

Getter = Callable[[str, str], object]
"""Resolves ``(device_id, property)`` to a value, or ``_MISSING``."""

_ORDERING = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _kind(value: object) -> str:
    """The comparison kind of a value: ``number``, ``str``, ``bool`` or ``other``."""
    kind = type(value)
    if kind is bool:  # first: bool is an int subclass but never a number here
        return "bool"
    if kind is int or kind is float:
        return "number"
    if isinstance(value, str):
        return "str"
    if isinstance(value, numbers.Real | Decimal):
        return "number"
    return "other"


def _compare(op: str, left: object, right: object) -> bool:
    """``left op right`` under the module's raise-free comparison rules."""
    kind = _kind(left)
    if kind != _kind(right):
        return op == "!="
    try:
        if op == "==":
            return bool(left == right)
        if op == "!=":
            return bool(left != right)
        if kind in ("number", "str"):
            return bool(_ORDERING[op](left, right))
    except (TypeError, ArithmeticError):  # e.g. Decimal('NaN') < 1
        return False
    return False


# --------------------------------------------------------------------------- AST


@dataclass(frozen=True, eq=False)
class Literal:
    """A constant: bool, int, float or str. Equal only to a literal of the same type."""

    value: bool | int | float | str
    column: int = field(default=0, compare=False)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Literal):
            return NotImplemented
        return type(self.value) is type(other.value) and self.value == other.value

    def __hash__(self) -> int:
        return hash((type(self.value), self.value))

    def to_text(self) -> str:
        value = self.value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str):
            return _quote(value)
        return repr(value)  # float repr always re-lexes as a float (40.0, 1e-05)

    def _value(self, get: Getter) -> object:
        return self.value

    def _truth(self, get: Getter) -> bool:
        return self.value is True


@dataclass(frozen=True)
class Reference:
    """``device.property`` (``entity`` is set for the older 3-part form)."""

    device: str
    property: str
    entity: str | None = None
    column: int = field(default=0, compare=False)

    def to_text(self) -> str:
        parts = (self.device, self.property)
        return ".".join(parts if self.entity is None else (self.entity, *parts))

    def _value(self, get: Getter) -> object:
        return get(self.device, self.property)

    def _truth(self, get: Getter) -> bool:
        return get(self.device, self.property) is True


@dataclass(frozen=True)
class Compare:
    """``left op right`` with ``op`` one of :data:`COMPARISON_OPERATORS`."""

    left: Node
    op: str
    right: Node

    def to_text(self) -> str:
        return f"{_operand_text(self.left)} {self.op} {_operand_text(self.right)}"

    def _value(self, get: Getter) -> object:
        return self._truth(get)

    def _truth(self, get: Getter) -> bool:
        left = self.left._value(get)
        if left is _MISSING:
            return False
        right = self.right._value(get)
        if right is _MISSING:
            return False
        return _compare(self.op, left, right)


@dataclass(frozen=True)
class And:
    """All operands hold (two or more; evaluated left to right, short-circuit)."""

    operands: tuple[Node, ...]

    def to_text(self) -> str:
        return " and ".join(_wrap(node, (And, Or)) for node in self.operands)

    def _value(self, get: Getter) -> object:
        return self._truth(get)

    def _truth(self, get: Getter) -> bool:
        return all(node._truth(get) for node in self.operands)


@dataclass(frozen=True)
class Or:
    """Any operand holds (two or more; evaluated left to right, short-circuit)."""

    operands: tuple[Node, ...]

    def to_text(self) -> str:
        return " or ".join(_wrap(node, (Or,)) for node in self.operands)

    def _value(self, get: Getter) -> object:
        return self._truth(get)

    def _truth(self, get: Getter) -> bool:
        return any(node._truth(get) for node in self.operands)


@dataclass(frozen=True)
class Not:
    """The operand does not hold."""

    operand: Node

    def to_text(self) -> str:
        return "not " + _wrap(self.operand, (And, Or))

    def _value(self, get: Getter) -> object:
        return self._truth(get)

    def _truth(self, get: Getter) -> bool:
        return not self.operand._truth(get)


Node = Literal | Reference | Compare | And | Or | Not

_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t", "r": "\r"}
_UNESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _quote(value: str) -> str:
    """``value`` as a single-quoted string literal of this grammar."""
    return "'" + "".join(_UNESCAPES.get(ch, ch) for ch in value) + "'"


def _wrap(node: Node, needs_parens: tuple[type, ...]) -> str:
    text = node.to_text()
    return f"({text})" if isinstance(node, needs_parens) else text


def _operand_text(node: Node) -> str:
    return _wrap(node, (Compare, And, Or, Not))


def _collect_references(node: Node, out: list[Reference]) -> None:
    if isinstance(node, Reference):
        out.append(node)
    elif isinstance(node, Compare):
        _collect_references(node.left, out)
        _collect_references(node.right, out)
    elif isinstance(node, Not):
        _collect_references(node.operand, out)
    elif isinstance(node, And | Or):
        for child in node.operands:
            _collect_references(child, out)


def _resolver(lookup: Lookup) -> Getter:
    """A getter over a ``(device, property)`` mapping or a ``callable(device, property)``."""
    if isinstance(lookup, Mapping):
        mapping_get = lookup.get

        def get_from_mapping(device: str, prop: str) -> object:
            value = mapping_get((device, prop), _MISSING)
            return _MISSING if value is None else value

        return get_from_mapping
    if callable(lookup):

        def get_from_callable(device: str, prop: str) -> object:
            try:
                value = lookup(device, prop)
            except LookupError:
                return _MISSING
            return _MISSING if value is None else value

        return get_from_callable
    raise TypeError("lookup must be a mapping keyed by (device, property) or a callable")


@dataclass(frozen=True)
class Condition:
    """A parsed condition: the source ``text`` and the tree ``root``."""

    text: str
    root: Node

    @property
    def references(self) -> list[Reference]:
        """Every reference in order of appearance (repeats included, each with its column)."""
        out: list[Reference] = []
        _collect_references(self.root, out)
        return out

    def evaluate(self, lookup: Lookup) -> bool:
        """Whether the condition holds for the values given by ``lookup``.

        ``lookup`` is a mapping keyed by ``(device_id, property)`` or a callable
        ``(device_id, property) -> value``. ``None``, an absent key or a ``LookupError``
        from the callable mean "missing"; see the module docstring for the semantics.
        """
        return self.root._truth(_resolver(lookup))

    def to_text(self) -> str:
        """A normalised rendering that re-parses to an equal tree."""
        return self.root.to_text()

    def __str__(self) -> str:
        return self.to_text()


# --------------------------------------------------------------------------- tokenizer

_LIT, _REF, _OP, _AND, _OR, _NOT, _LPAREN, _RPAREN, _END = (
    "value",
    "reference",
    "operator",
    "and",
    "or",
    "not",
    "(",
    ")",
    "end",
)


class _Token(NamedTuple):
    kind: str
    text: str
    column: int
    value: object = None


_WS = re.compile(r"\s*")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_SIGNED_NUMBER = re.compile(r"[-+]?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_SIGNED_INTEGER = re.compile(r"[-+]?[0-9]+")
_WORD = re.compile(r"[A-Za-z0-9_.\-]+")
_WORD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
_PROPERTY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STRING_RUN = {"'": re.compile(r"[^'\\]*"), '"': re.compile(r'[^"\\]*')}
_KEYWORDS = {
    "and": (_AND, None),
    "or": (_OR, None),
    "not": (_NOT, None),
    "true": (_LIT, True),
    "false": (_LIT, False),
}
_TYPED_FORMS = ("DOUBLE", "INTEGER", "STRING")
_TWO_CHAR_OPERATORS = frozenset(("==", "!=", "<=", ">="))
_OPERATOR_HINTS = {
    "=>": "'=>' is not an operator; use '>='",
    "=<": "'=<' is not an operator; use '<='",
    "=": "'=' is not an operator; use '==' to compare",
    "!": "'!' is not an operator; use 'not' or '!='",
    "&": "'&' is not an operator; use 'and'",
    "|": "'|' is not an operator; use 'or'",
}


def _show(text: str, limit: int = 30) -> str:
    """``text`` quoted for a message, shortened when long."""
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _skip_blanks(text: str, pos: int) -> int:
    """The offset of the first non-blank character at or after ``pos``."""
    return _WS.match(text, pos).end()  # \s* always matches


def _end_column(text: str) -> int:
    return len(text.rstrip()) + 1


def _tokenize(text: str) -> Iterator[_Token]:
    """Yield tokens lazily, so errors surface in text order; ends with one ``_END``."""
    pos, size = 0, len(text)
    while True:
        pos = _skip_blanks(text, pos)
        if pos >= size:
            yield _Token(_END, "", _end_column(text))
            return
        char = text[pos]
        if char == "(" or char == ")":
            token, pos = _Token(char, char, pos + 1), pos + 1
        elif char in "=!<>":
            token = _operator(text, pos)
            pos += len(token.text)
        elif char == "'" or char == '"':
            value, end = _string(text, pos)
            token, pos = _Token(_LIT, text[pos:end], pos + 1, value), end
        elif char in _WORD_CHARS:
            token, pos = _word(text, pos)
        else:
            hint = _OPERATOR_HINTS.get(char, f"unexpected character {char!r}")
            raise ConditionSyntaxError(hint, pos + 1)
        yield token


def _operator(text: str, pos: int) -> _Token:
    two = text[pos : pos + 2]
    if two in _TWO_CHAR_OPERATORS:
        return _Token(_OP, two, pos + 1)
    if text[pos] in "<>":
        return _Token(_OP, text[pos], pos + 1)
    hint = _OPERATOR_HINTS.get(two) or _OPERATOR_HINTS[text[pos]]
    raise ConditionSyntaxError(hint, pos + 1)


def _string(text: str, pos: int) -> tuple[str, int]:
    """The quoted string starting at ``pos``: (value, offset after the closing quote)."""
    quote, run = text[pos], _STRING_RUN[text[pos]]
    parts: list[str] = []
    i = pos + 1
    while True:
        end = run.match(text, i).end()  # never fails: X* matches
        parts.append(text[i:end])
        if end >= len(text) or (end + 1 >= len(text) and text[end] == "\\"):
            raise ConditionSyntaxError(f"unclosed string opened at column {pos + 1}", pos + 1)
        if text[end] == quote:
            return "".join(parts), end + 1
        escape = text[end + 1]  # text[end] is a backslash
        if escape not in _ESCAPES:
            raise ConditionSyntaxError(
                f"unknown escape '\\{escape}' in string; use \\\\, \\', \\\", \\n, \\t or \\r",
                end + 1,
            )
        parts.append(_ESCAPES[escape])
        i = end + 2


def _word(text: str, pos: int) -> tuple[_Token, int]:
    """A number, keyword, typed form or reference starting at ``pos``."""
    number = _NUMBER.match(text, pos)
    if number and (number.end() >= len(text) or text[number.end()] not in _WORD_CHARS):
        return _number_token(number.group(), pos), number.end()
    end = _WORD.match(text, pos).end()  # text[pos] is a word character
    if end < len(text) and not _can_follow_word(text[end]):
        raise ConditionSyntaxError(f"unexpected character {text[end]!r}", end + 1)
    word = text[pos:end]
    if "." in word:
        return _Token(_REF, word, pos + 1, _reference(word, pos)), end
    keyword = _KEYWORDS.get(word.lower())
    if keyword is not None:
        kind, value = keyword
        return _Token(kind, word, pos + 1, value), end
    paren = _skip_blanks(text, end)
    if paren < len(text) and text[paren] == "(":
        return _typed_form(text, pos, word, paren)
    raise ConditionSyntaxError(
        f"expected device.property, got {_show(word)} (a device id and a property name "
        "joined by a dot, e.g. temperature-sensor-1.temperature)",
        pos + 1,
    )


def _can_follow_word(char: str) -> bool:
    """Whether ``char`` may directly follow a word (else it is reported, not the word)."""
    return char.isspace() or char in "()=!<>'\"&|"


def _to_int(digits: str, column: int) -> int:
    try:
        return int(digits)
    except ValueError:  # more digits than int() accepts
        raise ConditionSyntaxError(f"number {_show(digits)} is too long", column) from None


def _to_float(digits: str, column: int) -> float:
    value = float(digits)
    if not math.isfinite(value):
        raise ConditionSyntaxError(f"number {_show(digits)} is out of range", column)
    return value


def _number_token(digits: str, pos: int) -> _Token:
    if any(c in digits for c in ".eE"):
        value: int | float = _to_float(digits, pos + 1)
    else:
        value = _to_int(digits, pos + 1)
    return _Token(_LIT, digits, pos + 1, value)


def _reference(word: str, pos: int) -> Reference:
    parts = word.split(".")
    offset = 0
    for part in parts:
        if not part:  # point at the dot that lacks a name on its right (or its left)
            column = pos + min(offset, len(word) - 1) + 1
            raise ConditionSyntaxError(f"malformed reference {_show(word)}: empty name", column)
        offset += len(part) + 1
    if len(parts) > 3:
        raise ConditionSyntaxError(
            f"too many parts in {_show(word)}; expected device.property or entity.device.property",
            pos + 1,
        )
    prop = parts[-1]
    if not _PROPERTY.fullmatch(prop):
        raise ConditionSyntaxError(
            f"invalid property name {_show(prop)}: it must start with a letter or '_' "
            "and contain only letters, digits and '_'",
            pos + len(word) - len(prop) + 1,
        )
    entity = parts[0] if len(parts) == 3 else None
    return Reference(device=parts[-2], property=prop, entity=entity, column=pos + 1)


def _typed_form(text: str, pos: int, name: str, paren: int) -> tuple[_Token, int]:
    """``DOUBLE(n)``, ``INTEGER(n)`` or ``STRING(x)``; ``paren`` is the offset of ``(``."""
    form = name.upper()
    if form not in _TYPED_FORMS:
        raise ConditionSyntaxError(
            f"unknown function {name}(...); use DOUBLE, INTEGER or STRING", pos + 1
        )
    start = _skip_blanks(text, paren + 1)
    if form == "STRING" and start < len(text) and text[start] in "'\"":
        value, end = _string(text, start)
        close = _skip_blanks(text, end)
        if close < len(text) and text[close] != ")":
            raise ConditionSyntaxError("expected ')' after the string in STRING(...)", close + 1)
    else:
        close = text.find(")", paren + 1)
        value = text[start:close].rstrip() if close >= 0 else ""
    if close < 0 or close >= len(text):
        raise ConditionSyntaxError(f"unclosed parenthesis opened at column {paren + 1}", paren + 1)
    if form == "DOUBLE":
        value = _double_argument(value, start + 1)
    elif form == "INTEGER":
        value = _integer_argument(value, start + 1)
    return _Token(_LIT, text[pos : close + 1], pos + 1, value), close + 1


def _double_argument(raw: str, column: int) -> float:
    if not _SIGNED_NUMBER.fullmatch(raw):
        raise ConditionSyntaxError(f"DOUBLE(...) needs a number, got {_show(raw)}", column)
    return _to_float(raw, column)


def _integer_argument(raw: str, column: int) -> int:
    if not _SIGNED_INTEGER.fullmatch(raw):
        raise ConditionSyntaxError(f"INTEGER(...) needs a whole number, got {_show(raw)}", column)
    return _to_int(raw, column)


# --------------------------------------------------------------------------- parser


class _Parser:
    """Recursive descent over the lazy token stream, one token of lookahead."""

    def __init__(self, text: str) -> None:
        self._tokens = _tokenize(text)
        self._previous: _Token | None = None
        self._token = next(self._tokens)
        self._depth = 0

    def parse(self) -> Node:
        if self._token.kind == _END:
            raise ConditionSyntaxError("empty condition", 1)
        node = self._or()
        if self._token.kind == _RPAREN:
            raise ConditionSyntaxError("unmatched ')'", self._token.column)
        if self._token.kind != _END:
            raise self._error("expected an operator or the end of the condition")
        return node

    def _advance(self) -> _Token:
        self._previous, self._token = self._token, next(self._tokens)
        return self._previous

    def _error(self, expected: str) -> ConditionSyntaxError:
        """'expected X after <previous token>, found <current token>' at the current token."""
        message = expected
        if self._previous is not None:
            message += f" after {_show(self._previous.text)}"
        if self._token.kind != _END:
            message += f", found {_show(self._token.text)}"
        return ConditionSyntaxError(message, self._token.column)

    def _or(self) -> Node:
        operands = [self._and()]
        while self._token.kind == _OR:
            self._advance()
            operands.append(self._and())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def _and(self) -> Node:
        operands = [self._not()]
        while self._token.kind == _AND:
            self._advance()
            operands.append(self._not())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def _not(self) -> Node:
        if self._token.kind != _NOT:
            return self._comparison()
        self._enter()
        self._advance()
        node = Not(self._not())
        self._depth -= 1
        return node

    def _comparison(self) -> Node:
        left = self._operand()
        if self._token.kind != _OP:
            return left
        op = self._advance().text
        node = Compare(left, op, self._operand())
        if self._token.kind == _OP:
            raise ConditionSyntaxError(
                "comparisons cannot be chained; join them with 'and' or use parentheses",
                self._token.column,
            )
        return node

    def _operand(self) -> Node:
        token = self._token
        if token.kind == _LIT:
            self._advance()
            return Literal(token.value, token.column)
        if token.kind == _REF:
            self._advance()
            return token.value
        if token.kind == _LPAREN:
            return self._group()
        raise self._error("expected a value")

    def _group(self) -> Node:
        self._enter()
        opened = self._advance().column
        node = self._or()
        if self._token.kind == _END:
            raise ConditionSyntaxError(f"unclosed parenthesis opened at column {opened}", opened)
        if self._token.kind != _RPAREN:
            raise self._error("expected an operator or ')'")
        self._advance()
        self._depth -= 1
        return node

    def _enter(self) -> None:
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise ConditionSyntaxError(
                f"the condition nests too deeply (more than {MAX_DEPTH} levels of "
                "parentheses and 'not')",
                self._token.column,
            )


def parse_condition(text: str) -> Condition:
    """Parse an event-rule condition; raises :class:`ConditionSyntaxError` with a column."""
    if not isinstance(text, str):
        raise TypeError(f"condition must be a str, not {type(text).__name__}")
    return Condition(text, _Parser(text).parse())
