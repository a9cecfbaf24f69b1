"""IoT topic rules, run for real: moto stores rules but never evaluates them.

An iot-data ``Publish`` (``POST /topics/<url-encoded topic>``) is recorded in moto's backend
as moto's own Publish does (in process: no HTTP round trip through moto for each message);
then every rule moto stores for the region is evaluated
against the message, and each Lambda action of a matching, enabled rule invokes its
function asynchronously (``Event``), like IoT does. Every evaluation is appended to
``emulator.sandbox_log`` (``source: "iot_rules"``; ``outcome`` is ``fired``, ``no-match``,
``disabled``, ``where-false`` or ``unsupported``). The whole sandbox log is served at
``GET /_dtwin/log?since=<seq>`` as ``{"entries": [...], "next": <seq to ask for next>}``.

The rule SQL the sandbox understands (AWS IoT SQL version 2016-03-23, a subset)::

    SELECT <projection> FROM '<topic filter>' [WHERE <condition>]

* projection: ``*`` and/or comma-separated ``<expression> [AS <name>]``; an expression is
  ``topic()``, ``topic(N)`` (1-based level), ``clientid()``, ``timestamp()`` (ms), a
  payload field path (``a.b``, ``a.list[0]``) or a string/number/boolean literal.
  Undefined values (a missing field, ``topic(9)`` of a shorter topic) are left out.
* topic filter: MQTT wildcards ``+`` (one level) and ``#`` (the rest, last level only).
* condition: comparisons ``= <> != < <= > >=`` between expressions, ``IS [NOT] NULL``,
  ``IS [NOT] UNDEFINED``, a boolean field on its own, ``AND``/``OR``/``NOT`` and
  parentheses, with IoT's three-valued logic (anything involving an undefined value or
  mismatched types is undefined, and an undefined condition does not fire).

Anything else (arithmetic, CASE, other functions, nested SELECT...) makes the rule
*unsupported*: it never fires and a warning is logged. Only JSON object payloads are
evaluated (a JSON value other than an object passes only ``SELECT *``). Only ``lambda``
actions run; other action kinds are logged as not run, ``errorAction`` is never run, and
Lambda invoke permissions are not checked.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

from dtwin_gui.clouds.aws.sandbox.gateway import Request, Response
from dtwin_gui.clouds.aws.sandbox.patches._common import (
    invoke_function,
    json_response,
    sandbox_log,
    service_of,
)

SOURCE = "iot_rules"
_PUBLISH = re.compile(r"^/topics/(?P<topic>.+)$")


class UnsupportedSql(ValueError):
    """The rule's SQL uses something the sandbox does not evaluate."""


class _Undefined:
    def __repr__(self) -> str:
        return "UNDEFINED"


UNDEFINED = _Undefined()


# --- tokens ------------------------------------------------------------------------------
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^'\\]|\\.)*')
      | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
      | (?P<op><>|!=|<=|>=|=|<|>)
      | (?P<punct>[(),.\[\]*-])
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str

    def is_word(self, *words: str) -> bool:
        return self.kind == "name" and self.text.upper() in words


def _tokens(text: str) -> list[_Token]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise UnsupportedSql(f"cannot read {text[pos:].strip()[:20]!r}")
        kind = match.lastgroup
        out.append(_Token(kind, match.group(kind)))
        pos = match.end()
    return out


# --- expressions -------------------------------------------------------------------------
@dataclass
class Message:
    topic: str
    payload: object
    client_id: str = ""
    timestamp_ms: int = 0


Expr = Callable[[Message], object]


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise UnsupportedSql("unexpected end of expression")
        self.pos += 1
        return token

    def expect(self, kind: str, text: str) -> None:
        token = self.take()
        if token.kind != kind or token.text != text:
            raise UnsupportedSql(f"expected {text!r}, found {token.text!r}")

    def done(self) -> bool:
        return self.pos >= len(self.tokens)

    # condition := or
    def condition(self) -> Expr:
        left = self.conjunction()
        while (token := self.peek()) and token.is_word("OR"):
            self.take()
            left = _or(left, self.conjunction())
        return left

    def conjunction(self) -> Expr:
        left = self.negation()
        while (token := self.peek()) and token.is_word("AND"):
            self.take()
            left = _and(left, self.negation())
        return left

    def negation(self) -> Expr:
        if (token := self.peek()) and token.is_word("NOT"):
            self.take()
            inner = self.negation()
            return lambda m: _not(inner(m))
        return self.comparison()

    def comparison(self) -> Expr:
        left = self.operand()
        token = self.peek()
        if token and token.kind == "op":
            self.take()
            right = self.operand()
            return _compare(token.text, left, right)
        if token and token.is_word("IS"):
            self.take()
            negate = bool((t := self.peek()) and t.is_word("NOT"))
            if negate:
                self.take()
            what = self.take()
            if what.is_word("NULL"):
                test = lambda m: (v := left(m)) is not UNDEFINED and v is None  # noqa: E731
            elif what.is_word("UNDEFINED"):
                test = lambda m: left(m) is UNDEFINED  # noqa: E731
            else:
                raise UnsupportedSql(f"IS {what.text} is not supported")
            return (lambda m: not test(m)) if negate else test
        return left

    def operand(self) -> Expr:
        token = self.take()
        if token.kind == "punct" and token.text == "(":
            inner = self.condition()
            self.expect("punct", ")")
            return inner
        if token.kind == "punct" and token.text == "-":
            number = self.take()
            if number.kind != "number":
                raise UnsupportedSql("arithmetic is not supported")
            value = -_number(number.text)
            return lambda m: value
        if token.kind == "string":
            value = token.text[1:-1].replace("\\'", "'")
            return lambda m: value
        if token.kind == "number":
            value = _number(token.text)
            return lambda m: value
        if token.kind == "name":
            literal = {"TRUE": True, "FALSE": False, "NULL": None}.get(token.text.upper(), ...)
            if literal is not ...:
                return lambda m: literal
            nxt = self.peek()
            if nxt and nxt.kind == "punct" and nxt.text == "(":
                return self.function(token.text)
            return self.path(token.text)
        raise UnsupportedSql(f"unexpected {token.text!r}")

    def function(self, name: str) -> Expr:
        self.expect("punct", "(")
        args = []
        while not ((t := self.peek()) and t.kind == "punct" and t.text == ")"):
            arg = self.take()
            if arg.kind != "number" or args:
                raise UnsupportedSql(f"{name}() arguments are not supported")
            args.append(int(arg.text))
        self.expect("punct", ")")
        lowered = name.lower()
        if lowered == "topic":
            if not args:
                return lambda m: m.topic
            level = args[0]
            return lambda m: _topic_level(m.topic, level)
        if args:
            raise UnsupportedSql(f"{name}() takes no arguments")
        if lowered == "clientid":
            return lambda m: m.client_id
        if lowered == "timestamp":
            return lambda m: m.timestamp_ms
        raise UnsupportedSql(f"function {name}() is not supported")

    def path(self, first: str) -> Expr:
        steps: list[str | int] = [first]
        while (t := self.peek()) and t.kind == "punct" and t.text in (".", "["):
            self.take()
            if t.text == ".":
                name = self.take()
                if name.kind != "name":
                    raise UnsupportedSql(f"bad field name {name.text!r}")
                steps.append(name.text)
            else:
                index = self.take()
                if index.kind != "number":
                    raise UnsupportedSql("only numeric list indexes are supported")
                steps.append(int(index.text))
                self.expect("punct", "]")
        return lambda m: _lookup(m.payload, steps)


def _number(text: str) -> int | float:
    return float(text) if any(c in text for c in ".eE") else int(text)


def _topic_level(topic: str, level: int) -> object:
    levels = topic.split("/")
    return levels[level - 1] if 1 <= level <= len(levels) else UNDEFINED


def _lookup(payload: object, steps: list[str | int]) -> object:
    value = payload
    for step in steps:
        if isinstance(step, int):
            if not isinstance(value, list) or not 0 <= step < len(value):
                return UNDEFINED
        elif not isinstance(value, dict) or step not in value:
            return UNDEFINED
        value = value[step]
    return value


def _truth(value: object) -> object:
    return value if isinstance(value, bool) else UNDEFINED


def _and(left: Expr, right: Expr) -> Expr:
    def run(m: Message) -> object:
        a, b = _truth(left(m)), _truth(right(m))
        if a is False or b is False:
            return False
        return UNDEFINED if UNDEFINED in (a, b) else True

    return run


def _or(left: Expr, right: Expr) -> Expr:
    def run(m: Message) -> object:
        a, b = _truth(left(m)), _truth(right(m))
        if a is True or b is True:
            return True
        return UNDEFINED if UNDEFINED in (a, b) else False

    return run


def _not(value: object) -> object:
    value = _truth(value)
    return UNDEFINED if value is UNDEFINED else not value


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


_ORDERING = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _compare(op: str, left: Expr, right: Expr) -> Expr:
    def run(m: Message) -> object:
        a, b = left(m), right(m)
        if a is UNDEFINED or b is UNDEFINED or _kind(a) != _kind(b):
            return UNDEFINED
        if op == "=":
            return a == b
        if op in ("<>", "!="):
            return a != b
        if _kind(a) not in ("number", "str"):
            return UNDEFINED
        return _ORDERING[op](a, b)

    return run


# --- statements --------------------------------------------------------------------------
_STATEMENT = re.compile(
    r"""^\s*SELECT\s+(?P<select>.+?)\s+FROM\s+(?P<from>'[^']*'|"[^"]*"|[^\s;]+)
        (?:\s+WHERE\s+(?P<where>.+?))?\s*;?\s*$""",
    re.IGNORECASE | re.DOTALL | re.VERBOSE,
)


@dataclass(frozen=True)
class RuleSql:
    """A parsed rule statement."""

    topic_filter: str
    star: bool
    fields: tuple[tuple[str, Expr], ...]
    where: Expr | None

    def matches(self, topic: str) -> bool:
        return topic_matches(self.topic_filter, topic)

    def select(self, message: Message) -> object:
        """The projected payload (what the actions receive)."""
        if not self.fields:
            return message.payload
        out = dict(message.payload) if self.star else {}
        for name, expr in self.fields:
            value = expr(message)
            if value is not UNDEFINED:
                out[name] = value
        return out

    def condition_holds(self, message: Message) -> bool:
        return self.where is None or self.where(message) is True


def topic_matches(topic_filter: str, topic: str) -> bool:
    """MQTT filter matching: ``+`` is one level, a final ``#`` the rest (or nothing)."""
    wanted, levels = topic_filter.split("/"), topic.split("/")
    for i, part in enumerate(wanted):
        if part == "#":
            return i == len(wanted) - 1
        if i >= len(levels) or (part != "+" and part != levels[i]):
            return False
    return len(levels) == len(wanted)


def _split_items(tokens: list[_Token]) -> list[list[_Token]]:
    items: list[list[_Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.kind == "punct" and token.text in "([":
            depth += 1
        elif token.kind == "punct" and token.text in ")]":
            depth -= 1
        if depth == 0 and token.kind == "punct" and token.text == ",":
            items.append([])
        else:
            items[-1].append(token)
    return items


def _default_name(tokens: list[_Token]) -> str:
    names = [t.text for t in tokens if t.kind == "name"]
    if not names:
        raise UnsupportedSql("a literal in SELECT needs AS <name>")
    return names[-1] if tokens[-1].kind == "name" else names[0]


@lru_cache(maxsize=256)
def parse_rule_sql(sql: str) -> RuleSql:
    """Parse a rule's SQL; raises :class:`UnsupportedSql` beyond the supported subset."""
    match = _STATEMENT.match(sql or "")
    if not match:
        raise UnsupportedSql("not of the form SELECT ... FROM '<topic>' [WHERE ...]")
    source = match.group("from").strip("'\"")
    if "#" in source[:-1] or any("+" in p and p != "+" for p in source.split("/")):
        raise UnsupportedSql(f"bad topic filter {source!r}")
    star, fields = False, []
    for item in _split_items(_tokens(match.group("select"))):
        if not item:
            raise UnsupportedSql("empty SELECT item")
        if len(item) == 1 and item[0].kind == "punct" and item[0].text == "*":
            star = True
            continue
        name = None
        if len(item) >= 3 and item[-2].is_word("AS") and item[-1].kind == "name":
            name, item = item[-1].text, item[:-2]
        parser = _Parser(item)
        expr = parser.operand()
        if not parser.done():
            raise UnsupportedSql(f"cannot evaluate {' '.join(t.text for t in item)!r}")
        fields.append((name or _default_name(item), expr))
    where = None
    if match.group("where"):
        parser = _Parser(_tokens(match.group("where")))
        where = parser.condition()
        if not parser.done():
            raise UnsupportedSql(f"cannot evaluate WHERE near {parser.peek().text!r}")
    return RuleSql(source, star, tuple(fields), where)


# --- the engine --------------------------------------------------------------------------
class TopicRuleEngine:
    """Evaluates the topic rules moto stores; ``emulator.iot_rules``."""

    def __init__(self, gateway, emulator, account: str) -> None:
        self._gateway = gateway
        self._emulator = emulator
        self._account = account

    def _rules(self, region: str) -> list:
        from moto.backends import get_backend

        backend = get_backend("iot")[self._account][region]
        return sorted(list(backend.rules.values()), key=lambda r: r.rule_name)

    def _log(self, message: str, **fields) -> dict:
        return sandbox_log(self._emulator, SOURCE, message, **fields)

    def evaluate(
        self, topic: str, payload: bytes, *, region: str, client_id: str = ""
    ) -> list[dict]:
        """Evaluate every stored rule against one published message; run the actions.

        Returns the log entries written (one per rule).
        """
        try:
            data = json.loads(payload) if payload else {}
            parsed = True
        except ValueError:
            data, parsed = None, False
        clock = getattr(self._emulator, "clock", None)
        received = clock.now().timestamp() if clock else time.time()
        message = Message(topic, data, client_id, int(received * 1000))
        return [self._evaluate_rule(rule, message, parsed, region) for rule in self._rules(region)]

    def _evaluate_rule(self, rule, message: Message, parsed: bool, region: str) -> dict:
        base = {"rule": rule.rule_name, "topic": message.topic}
        try:
            sql = parse_rule_sql(rule.sql)
        except UnsupportedSql as exc:
            return self._log(
                f"rule {rule.rule_name}: SQL not supported by the sandbox ({exc}); not run",
                outcome="unsupported",
                level="warning",
                **base,
            )
        if not sql.matches(message.topic):
            return self._log(
                f"rule {rule.rule_name}: {message.topic} does not match {sql.topic_filter}",
                outcome="no-match",
                **base,
            )
        if rule.rule_disabled:
            return self._log(f"rule {rule.rule_name} is disabled", outcome="disabled", **base)
        if not parsed or (not isinstance(message.payload, dict) and (sql.fields or sql.where)):
            return self._log(
                f"rule {rule.rule_name}: the payload is not a JSON object; the sandbox "
                "evaluates JSON object payloads only",
                outcome="unsupported",
                level="warning",
                **base,
            )
        if not sql.condition_holds(message):
            return self._log(
                f"rule {rule.rule_name}: WHERE is not true", outcome="where-false", **base
            )
        event = sql.select(message)
        actions = [self._run_action(rule, action, event, region) for action in rule.actions]
        return self._log(
            f"rule {rule.rule_name} fired on {message.topic}",
            outcome="fired",
            event=event,
            actions=actions,
            **base,
        )

    def _run_action(self, rule, action: dict, event: object, region: str) -> dict:
        kind = next(iter(action), "?")
        if kind != "lambda":
            self._log(
                f"rule {rule.rule_name}: action {kind!r} is not run by the sandbox",
                level="warning",
                rule=rule.rule_name,
                outcome="action-skipped",
            )
            return {"kind": kind, "ok": False, "error": "not run by the sandbox"}
        arn = action["lambda"].get("functionArn", "")
        ok, error = invoke_function(self._gateway, arn, event, region=region, asynchronous=True)
        result = {"kind": "lambda", "function": arn, "ok": ok}
        if not ok:
            result["error"] = error
            self._log(
                f"rule {rule.rule_name}: invoking {arn} failed: {error}",
                level="warning",
                rule=rule.rule_name,
                outcome="action-failed",
            )
        return result

    def log_since(self, since: str | int = 0) -> dict:
        """Sandbox log entries with ``seq >= since``, and the ``next`` seq to ask for."""
        try:
            first = int(since or 0)
        except ValueError:
            first = 0
        state = self._emulator.__dict__
        entries = [e for e in list(state.get("sandbox_log", [])) if e["seq"] >= first]
        return {"entries": entries, "next": state.get("sandbox_log_next", 0)}

    # --- the interceptor -----------------------------------------------------------------
    def __call__(self, request: Request) -> Response | None:
        if request.method == "GET" and request.path == "/_dtwin/log":
            return json_response(200, self.log_since(request.query.get("since", "0")))
        match = _PUBLISH.match(request.path)
        if request.method != "POST" or not match or service_of(request) != "iotdata":
            return None
        topic = unquote(match.group("topic"))
        # What moto's Publish does (record the message), without a round trip through it.
        from moto.backends import get_backend

        get_backend("iot-data")[self._account][request.region].publish(topic, request.body)
        self.evaluate(topic, request.body, region=request.region)
        return json_response(200, {})


def install(gateway, emulator) -> None:
    from dtwin_gui.clouds.aws.sandbox.emulator import ACCOUNT

    engine = TopicRuleEngine(gateway, emulator, ACCOUNT)
    emulator.__dict__.setdefault("sandbox_log", [])
    emulator.iot_rules = engine
    gateway.add_interceptor(engine)
