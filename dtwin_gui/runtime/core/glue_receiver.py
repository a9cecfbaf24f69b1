"""Receiving side of the glue: authenticate, parse, dedupe, dispatch to one handler per kind.

:class:`Receiver` is transport-neutral (each cloud adapter feeds it method, headers and body
and sends back the status and JSON it returns); :func:`wsgi_app` is the stdlib WSGI binding
used by tests and the local sandbox.

Order of checks (so nothing runs for a request that fails an earlier one): 405 method → 413
size → 401 signature → 400 envelope/kind → dedupe → handler (400 :class:`BadPayload`, 500
anything else, details to the log only) → 200.

Idempotency on (trace_id, kind): an in-memory LRU of processed keys answers a replay with
200 ``duplicate`` without running the handler again. It lives per function instance, so it
is a fast path, not the guarantee: the guarantee is that every write a handler does is
idempotent by key (hot records by (device_id, timestamp), objects by key — writing the same
bytes again is harmless). ``hot-query`` is a read and is never deduped (a retry must get
the result again). A replayed request outside the ±300 s signature window is refused (401)
before any of this.
"""

from __future__ import annotations

import json
import threading
import traceback
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus

from dtwin_gui.runtime.core.contracts import GLUE_PREVIOUS, GLUE_SECRET
from dtwin_gui.runtime.core.glue_log import GlueLog, JsonLineLog, device_of
from dtwin_gui.runtime.core.glue_protocol import (
    KINDS,
    MAX_BODY,
    WINDOW_SECONDS,
    AuthError,
    BadEnvelope,
    BadPayload,
    parse_envelope,
    usable_secrets,
    verify,
)

Handler = Callable[[dict, dict], dict | None]
#: Kinds whose replays are answered ``duplicate`` (every write; not the hot-query read).
DEDUPED_KINDS = frozenset(KINDS) - {"hot-query"}
#: Seconds a sender should wait when the same (trace_id, kind) is still being handled.
BUSY_RETRY_AFTER = 1
_DRAIN_LIMIT = 1024 * 1024
_CHUNK = 64 * 1024


class ReplayCache:
    """A bounded, thread-safe LRU of processed (trace_id, kind) keys.

    Any object with ``__contains__`` and ``add`` can replace it (e.g. one backed by a table).
    """

    def __init__(self, max_entries: int = 10_000) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self._keys: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, key: object) -> bool:
        with self._lock:
            if key in self._keys:
                self._keys.move_to_end(key)
                return True
            return False

    def add(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._keys[key] = None
            self._keys.move_to_end(key)
            while len(self._keys) > self.max_entries:
                self._keys.popitem(last=False)

    def __len__(self) -> int:
        return len(self._keys)


def receiver_secrets(environ: Mapping[str, str]) -> list[str]:
    """The current and (during rotation) previous secret of this function's boundary."""
    return [s for s in (environ.get(GLUE_SECRET.name), environ.get(GLUE_PREVIOUS.name)) if s]


def error_reply(message: str, trace_id: str | None = None) -> dict:
    reply = {"status": "error", "error": message}
    if trace_id:
        reply["trace_id"] = trace_id
    return reply


def too_large(max_body: int) -> tuple[int, dict]:
    return 413, error_reply(f"the body is larger than the {max_body}-byte limit")


def response_headers(status: int) -> dict[str, str]:
    """The headers to send with a reply of ``status`` (besides Content-Length)."""
    headers = {"Content-Type": "application/json"}
    if status == 405:
        headers["Allow"] = "POST"
    elif status == 503:
        headers["Retry-After"] = str(BUSY_RETRY_AFTER)
    return headers


class Receiver:
    """Authenticates glue requests and hands each envelope's payload to its kind's handler.

    ``kind_handlers`` maps a kind to ``handler(payload, envelope) -> dict | None``; a dict
    is returned to the sender as ``result``. ``secrets``: current then previous (empty or
    None entries are ignored, so ``receiver_secrets`` or raw env values can be passed).
    """

    def __init__(
        self,
        kind_handlers: Mapping[str, Handler],
        secrets: Iterable[str | None],
        *,
        max_body: int = MAX_BODY,
        replay_cache: ReplayCache | None = None,
        window: int = WINDOW_SECONDS,
        dedupe_kinds: Iterable[str] = DEDUPED_KINDS,
        log: GlueLog | None = None,
    ) -> None:
        unknown = sorted(set(kind_handlers) - set(KINDS))
        if unknown or not kind_handlers:
            raise ValueError(
                f"handlers are needed for kinds among {', '.join(KINDS)}; got "
                f"{', '.join(map(repr, unknown)) or 'none'}"
            )
        self._secrets = usable_secrets(secrets)
        if not self._secrets:
            raise ValueError("a glue receiver needs a secret (DTWIN_GLUE_SECRET)")
        self._handlers = dict(kind_handlers)
        self.max_body = max_body
        self.window = window
        self._cache = ReplayCache() if replay_cache is None else replay_cache
        self._dedupe = frozenset(dedupe_kinds)
        self._in_flight: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self.log = log or JsonLineLog()

    @classmethod
    def from_env(
        cls, kind_handlers: Mapping[str, Handler], environ: Mapping[str, str], **options
    ) -> Receiver:
        """A receiver keyed by ``DTWIN_GLUE_SECRET`` (+ ``DTWIN_GLUE_PREVIOUS_SECRET``)."""
        return cls(kind_handlers, receiver_secrets(environ), **options)

    def __repr__(self) -> str:
        return f"Receiver(kinds={sorted(self._handlers)}, secrets={len(self._secrets)})"

    @property
    def kinds(self) -> list[str]:
        return sorted(self._handlers)

    def handle(
        self,
        method: str,
        headers: Mapping[str, str] | Iterable[tuple[str, str]],
        body: bytes,
        *,
        now: float | None = None,
    ) -> tuple[int, dict]:
        """``(status, JSON reply)`` for one request; ``now`` is unix seconds (default: now)."""
        if (method or "").upper() != "POST":
            return 405, error_reply(f"method {method!r} is not allowed; use POST")
        if len(body) > self.max_body:
            return too_large(self.max_body)
        body = bytes(body)
        try:
            verify(headers, body, self._secrets, now=now, window=self.window)
        except AuthError as err:
            self.log.warning("glue-unauthorized", f"refused (401): {err.reason}")
            return 401, error_reply(f"unauthorized: {err.reason}")
        try:
            envelope = parse_envelope(body)
        except BadEnvelope as err:
            self.log.warning("glue-bad-envelope", f"refused (400): {err}", trace_id=err.trace_id)
            return 400, error_reply(f"bad envelope: {err}", err.trace_id)
        kind, trace_id = envelope["kind"], envelope["trace_id"]
        handler = self._handlers.get(kind)
        if handler is None:
            message = f"this receiver does not accept kind {kind!r} (only {', '.join(self.kinds)})"
            self.log.warning("glue-bad-envelope", f"refused (400): {message}", trace_id=trace_id)
            return 400, error_reply(message, trace_id)
        return self._dispatch(handler, envelope, kind, trace_id)

    def _dispatch(
        self, handler: Handler, envelope: dict, kind: str, trace_id: str
    ) -> tuple[int, dict]:
        key = (trace_id, kind)
        dedupe = kind in self._dedupe
        fields = {"trace_id": trace_id, "device_id": device_of(envelope["payload"]), "kind": kind}
        if dedupe:
            with self._lock:
                if key in self._cache:
                    self.log.info("glue-duplicate", f"{kind} already handled", **fields)
                    return 200, {"status": "duplicate", "trace_id": trace_id}
                if key in self._in_flight:
                    message = "the same trace_id and kind is being handled; retry shortly"
                    return 503, error_reply(message, trace_id)
                self._in_flight.add(key)
        done = False
        try:
            result = handler(envelope["payload"], envelope)
            if result is not None and not isinstance(result, dict):
                raise TypeError(f"handler returned {type(result).__name__}, not a dict or None")
            if result is not None:
                json.dumps(result, allow_nan=False)  # fail here, not while replying
            done = True
        except BadPayload as err:
            self.log.warning("glue-bad-payload", f"refused (400): {err}", **fields)
            return 400, error_reply(f"bad {kind} payload: {err}", trace_id)
        except Exception as err:
            self.log.error(
                "glue-handler-failed",
                f"the {kind} handler failed: {type(err).__name__}: {err}",
                traceback=traceback.format_exc(),
                **fields,
            )
            return 500, error_reply("internal error; see the receiver's log", trace_id)
        finally:
            if dedupe:
                with self._lock:
                    if done:
                        self._cache.add(key)
                    self._in_flight.discard(key)
        source = envelope.get("source") or {}
        # The hop's last good message, as Status shows it (one line per message handled).
        self.log.info(
            "glue-received",
            f"{kind} from {source.get('cloud')}/{source.get('layer')} handled",
            source_cloud=source.get("cloud"),
            source_layer=source.get("layer"),
            **fields,
        )
        reply = {"status": "ok", "trace_id": trace_id}
        if result is not None:
            reply["result"] = result
        return 200, reply


def wsgi_app(receiver: Receiver) -> Callable:
    """A WSGI application serving ``receiver`` on any path.

    The declared Content-Length is checked before the body is read: an oversize request
    gets 413 without being buffered (up to 1 MiB is read and discarded so the client sees
    the reply instead of a connection reset).
    """

    def app(environ, start_response):
        try:
            status, reply = _serve(receiver, environ)
        except Exception as err:
            receiver.log.error(
                "glue-adapter-failed",
                f"the WSGI adapter failed: {type(err).__name__}: {err}",
                traceback=traceback.format_exc(),
            )
            status, reply = 500, error_reply("internal error; see the receiver's log")
        data = json.dumps(reply).encode("utf-8")
        headers = [*response_headers(status).items(), ("Content-Length", str(len(data)))]
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [data]

    return app


def _serve(receiver: Receiver, environ) -> tuple[int, dict]:
    method = environ.get("REQUEST_METHOD", "")
    if method.upper() != "POST":
        return receiver.handle(method, {}, b"")
    declared = (environ.get("CONTENT_LENGTH") or "").strip()
    if not declared:
        return 411, error_reply("a Content-Length header is required")
    if not declared.isascii() or not declared.isdigit():
        return 400, error_reply("Content-Length is not a number")
    length = int(declared)
    stream = environ["wsgi.input"]
    if length > receiver.max_body:
        _discard(stream, min(length, _DRAIN_LIMIT))
        return too_large(receiver.max_body)
    body = _read_exactly(stream, length)
    if len(body) < length:
        return 400, error_reply("the body is shorter than its Content-Length")
    headers = {
        key[5:].replace("_", "-").lower(): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    return receiver.handle(method, headers, body)


def _read_exactly(stream, length: int) -> bytes:
    parts, got = [], 0
    while got < length:
        chunk = stream.read(min(_CHUNK, length - got))
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def _discard(stream, length: int) -> None:
    left = length
    while left > 0:
        chunk = stream.read(min(_CHUNK, left))
        if not chunk:
            return
        left -= len(chunk)
