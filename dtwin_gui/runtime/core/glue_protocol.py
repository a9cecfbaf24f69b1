"""The inter-cloud glue protocol (DESIGN.md §3): envelope, HMAC signing, object payloads.

Both sides share this module: :mod:`.glue_sender` builds and signs envelopes, and
:mod:`.glue_receiver` verifies and parses them. Standard library only — it runs inside cloud
functions. Secrets are never put in an exception or a log line.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from dtwin_gui.runtime.core.records import (
    RecordError,
    check_record,
    format_timestamp,
    new_trace_id,
)

VERSION = 1
#: Envelope kinds, one per boundary type (``BoundarySpec.kind`` in ``dtwin_gui.core.topology``).
KINDS = ("telemetry", "cold-chunk", "archive-object", "twin-update", "hot-query")
OBJECT_KINDS = ("cold-chunk", "archive-object")
#: ``source.cloud`` and ``source.layer`` values (``Cloud`` and ``Slot`` in ``core.providers``).
CLOUDS = ("aws", "azure", "google")
LAYERS = ("L1", "L2", "L3_hot", "L3_cold", "L3_archive", "L4", "L5")

TIMESTAMP_HEADER = "X-Dtwin-Timestamp"
SIGNATURE_HEADER = "X-Dtwin-Signature"
SIGNATURE_SCHEME = "v1"
#: Largest request body a receiver accepts (bytes), and the default signature window (s).
MAX_BODY = 256 * 1024
WINDOW_SECONDS = 300

# ASCII only and whole-string only (``fullmatch``; ``$`` would accept a trailing newline,
# ``\d`` full-width or Arabic-Indic digits that later fail ``encode("ascii")``).
_TRACE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}", re.ASCII)
_SENT_AT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z", re.ASCII)
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}", re.ASCII)
_SIGNATURE = re.compile(r"v1=([0-9a-fA-F]{64})", re.ASCII)
_SHA256 = re.compile(r"[0-9a-f]{64}", re.ASCII)
_ENVELOPE_KEYS = ("version", "kind", "trace_id", "sent_at", "source", "payload")
_MAX_KEY_LENGTH = 1024


class BadEnvelope(ValueError):
    """A request body that is not a valid v1 envelope; the text says what is wrong.

    ``trace_id`` is set when the body carried a well-formed one (so a 400 can echo it).
    """

    def __init__(self, message: str, *, trace_id: str | None = None) -> None:
        super().__init__(message)
        self.trace_id = trace_id


class BadPayload(ValueError):
    """Raised by a kind handler (or :func:`object_payload`) for an unusable payload → 400."""


class AuthError(Exception):
    """A request that fails authentication → 401. ``reason`` is safe to show the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class GlueError(RuntimeError):
    """Base of the sender's errors."""


class GlueRejected(GlueError):
    """The receiver refused the envelope (a 3xx/4xx other than 429); never retried."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class GlueUnavailable(GlueError):
    """The receiver could not be reached or kept failing; every attempt was used."""

    def __init__(self, host: str, attempts: int, last_error: str) -> None:
        noun = "attempt" if attempts == 1 else "attempts"
        super().__init__(
            f"glue receiver {host} unavailable after {attempts} {noun}; last error: {last_error}"
        )
        self.host = host
        self.attempts = attempts
        self.last_error = last_error


# --- envelope ---------------------------------------------------------------------------------
def _sent_at(now: float | datetime | None) -> str:
    if now is None:
        now = time.time()
    if not isinstance(now, datetime):
        now = datetime.fromtimestamp(now, UTC)
    return format_timestamp(now)


def make_envelope(
    kind: str,
    payload: dict,
    *,
    source_cloud: str,
    source_layer: str,
    trace_id: str | None = None,
    now: float | datetime | None = None,
) -> dict:
    """A v1 envelope for ``payload``; ``now`` is unix seconds or a datetime (default: now).

    Raises :class:`BadEnvelope` when any field would make the receiver reject it.
    """
    envelope = {
        "version": VERSION,
        "kind": kind,
        "trace_id": trace_id or new_trace_id(),
        "sent_at": _sent_at(now),
        "source": {"cloud": source_cloud, "layer": source_layer},
        "payload": payload,
    }
    check_envelope(envelope)
    return envelope


def check_envelope(envelope: object) -> None:
    """Raise :class:`BadEnvelope` unless ``envelope`` is a valid v1 envelope."""
    if not isinstance(envelope, dict):
        raise BadEnvelope(f"the envelope must be a JSON object, not {_json_type(envelope)}")
    trace_id = envelope.get("trace_id")
    known = trace_id if isinstance(trace_id, str) and _TRACE_ID.fullmatch(trace_id) else None

    def fail(message: str) -> BadEnvelope:
        return BadEnvelope(message, trace_id=known)

    missing = [k for k in _ENVELOPE_KEYS if k not in envelope]
    if missing:
        raise fail(f"the envelope has no {', '.join(missing)}")
    extra = sorted(str(k) for k in envelope if k not in _ENVELOPE_KEYS)
    if extra:
        raise fail(f"unknown envelope field(s): {', '.join(extra)}")
    version = envelope["version"]
    if type(version) is not int or version != VERSION:
        raise fail(f"unsupported envelope version {version!r} (expected {VERSION})")
    kind = envelope["kind"]
    if kind not in KINDS:
        raise fail(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    if known is None:
        raise fail(
            f"trace_id {_short(trace_id)} must be 1-128 characters of letters, digits, "
            "'.', '_', ':' or '-', starting with a letter or digit"
        )
    _check_sent_at(envelope["sent_at"], fail)
    source = envelope["source"]
    if not isinstance(source, dict) or set(source) != {"cloud", "layer"}:
        raise fail('source must be an object with exactly "cloud" and "layer"')
    if source["cloud"] not in CLOUDS:
        raise fail(f"source.cloud {_short(source['cloud'])} is not one of {', '.join(CLOUDS)}")
    if source["layer"] not in LAYERS:
        raise fail(f"source.layer {_short(source['layer'])} is not one of {', '.join(LAYERS)}")
    if not isinstance(envelope["payload"], dict):
        raise fail(f"payload must be a JSON object, not {_json_type(envelope['payload'])}")


def _check_sent_at(value: object, fail) -> None:
    if isinstance(value, str) and _SENT_AT.fullmatch(value):
        try:
            datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ")
            return
        except ValueError:
            pass
    raise fail(f"sent_at {_short(value)} is not a UTC time like 2026-11-25T10:00:00.123Z")


def parse_envelope(body: bytes) -> dict:
    """Decode and validate a request body (UTF-8 JSON); raise :class:`BadEnvelope`."""
    try:
        text = bytes(body).decode("utf-8")
    except UnicodeDecodeError as err:
        raise BadEnvelope(f"the body is not UTF-8 (byte {err.start})") from None
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as err:
        raise BadEnvelope(
            f"the body is not JSON: {err.msg} at line {err.lineno} column {err.colno}"
        ) from None
    except _JsonRefused as err:
        raise BadEnvelope(f"the body is not acceptable JSON: {err}") from None
    except RecursionError:
        raise BadEnvelope("the body is not acceptable JSON: nested too deeply") from None
    check_envelope(data)
    return data


class _JsonRefused(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise _JsonRefused(f"duplicate key {_short(key)}")
        out[key] = value
    return out


def _no_constant(name: str) -> object:
    raise _JsonRefused(f"{name} is not a JSON number")


def dump_envelope(envelope: dict) -> bytes:
    """The canonical wire form: compact UTF-8 JSON (NaN/Infinity refused with ValueError)."""
    text = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")


# --- signing ----------------------------------------------------------------------------------
def _mac(secret: str | bytes, timestamp: str, body: bytes) -> str:
    key = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    message = timestamp.encode("ascii") + b"." + bytes(body)
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def sign(secret: str | bytes, timestamp: int | str, body: bytes) -> str:
    """The ``X-Dtwin-Signature`` value: ``v1=`` + HMAC-SHA256 hex of ``timestamp.body``."""
    return f"{SIGNATURE_SCHEME}={_mac(secret, str(timestamp), body)}"


def signed_headers(secret: str | bytes, body: bytes, *, now: float | None = None) -> dict:
    """The two authentication headers for ``body`` signed at ``now`` (default: now)."""
    timestamp = str(int(time.time() if now is None else now))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: sign(secret, timestamp, body)}


def header(headers: Mapping[str, str] | Iterable[tuple[str, str]], name: str) -> str | None:
    """The value of header ``name`` (case-insensitive); AuthError if it appears twice."""
    if headers is None:
        return None
    items = headers.items() if hasattr(headers, "items") else headers
    wanted = name.lower()
    values = {str(v).strip() for k, v in items if str(k).lower() == wanted}
    if len(values) > 1:
        raise AuthError(f"conflicting {name} headers")
    return values.pop() if values else None


def usable_secrets(secrets: Iterable[str | bytes | None]) -> list[str | bytes]:
    """The non-empty secrets of ``secrets``; TypeError for a bare string (which would
    otherwise be taken as a list of one-character secrets)."""
    if isinstance(secrets, str | bytes):
        raise TypeError("secrets must be a list of secrets, not a single string")
    return [s for s in secrets if s]


def verify(
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    body: bytes,
    secrets: Iterable[str | bytes | None],
    *,
    now: float | None = None,
    window: int = WINDOW_SECONDS,
) -> None:
    """Raise :class:`AuthError` unless ``body`` is signed by one of ``secrets`` within the
    ±``window`` seconds of ``now``. Empty/None secrets are skipped (no secret → refused)."""
    keys = usable_secrets(secrets)
    if not keys:
        raise AuthError("the receiver has no secret configured")
    timestamp = header(headers, TIMESTAMP_HEADER)
    signature = header(headers, SIGNATURE_HEADER)
    if not timestamp:
        raise AuthError(f"missing {TIMESTAMP_HEADER} header")
    if not signature:
        raise AuthError(f"missing {SIGNATURE_HEADER} header")
    if not _UNIX_SECONDS.fullmatch(timestamp):
        raise AuthError(f"{TIMESTAMP_HEADER} must be integer unix seconds")
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > window:
        raise AuthError(f"{TIMESTAMP_HEADER} is outside the ±{window} s window")
    match = _SIGNATURE.fullmatch(signature)
    if not match:
        raise AuthError(f"{SIGNATURE_HEADER} must be v1=<64 hex digits>")
    given = match.group(1).lower()
    matched = False
    for key in keys:  # no early exit: which secret matched does not show in the timing
        matched |= hmac.compare_digest(_mac(key, timestamp, body), given)
    if not matched:
        raise AuthError("signature does not match")


# --- payloads -----------------------------------------------------------------------------------
def record_payload(payload: object) -> dict:
    """Receiver side of ``telemetry`` / ``twin-update``: the canonical record in ``payload``,
    else :class:`BadPayload` (→ 400)."""
    try:
        check_record(payload)
    except RecordError as err:
        raise BadPayload(str(err)) from None
    return payload


# --- object payloads (cold-chunk, archive-object) -----------------------------------------------
def check_object_key(key: object) -> str:
    """``key`` if it is a safe relative object key, else :class:`BadPayload`."""
    if not isinstance(key, str) or not key:
        raise BadPayload("key must be a non-empty string")
    if len(key) > _MAX_KEY_LENGTH:
        raise BadPayload(f"key is longer than {_MAX_KEY_LENGTH} characters")
    if key.startswith("/"):
        raise BadPayload(f"key {key!r} must not start with '/'")
    if "\\" in key:
        raise BadPayload(f"key {key!r} must not contain a backslash")
    if ".." in key:
        raise BadPayload(f"key {key!r} must not contain '..'")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in key):
        raise BadPayload(f"key {key!r} must not contain control characters")
    return key


def make_object_payload(key: str, data: bytes) -> dict:
    """The payload of a ``cold-chunk`` / ``archive-object`` envelope."""
    return {
        "key": key,
        "data_b64": base64.b64encode(bytes(data)).decode("ascii"),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def object_payload(payload: object) -> tuple[str, bytes]:
    """Receiver side: ``(key, data)`` from an object payload, checking the key's safety and
    the data's sha256; :class:`BadPayload` (→ 400) otherwise."""
    if not isinstance(payload, dict):
        raise BadPayload("the object payload must be a JSON object")
    missing = [k for k in ("key", "data_b64", "sha256") if k not in payload]
    if missing:
        raise BadPayload(f"the object payload has no {', '.join(missing)}")
    key = check_object_key(payload["key"])
    digest = payload["sha256"]
    if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
        raise BadPayload("sha256 must be 64 lowercase hex digits")
    encoded = payload["data_b64"]
    if not isinstance(encoded, str):
        raise BadPayload("data_b64 must be a base64 string")
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise BadPayload("data_b64 is not valid base64") from None
    if hashlib.sha256(data).hexdigest() != digest:
        raise BadPayload(f"sha256 of the data of {key!r} does not match the payload's sha256")
    return key, data


# --- helpers ------------------------------------------------------------------------------------
def _json_type(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return names.get(type(value), type(value).__name__)


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
