"""The telemetry record contract (DESIGN.md §3): normalisation, validation, trace ids.

A record is ``{"device_id": str, "timestamp": "YYYY-MM-DDTHH:MM:SS.mmmZ", "<property>":
scalar, ...}``. ``trace_id`` is optional and reserved. Older inputs using ``iotDeviceId`` and
``time`` are accepted and normalised.
"""

from __future__ import annotations

import math
import re
import uuid
from datetime import UTC, datetime

RESERVED = ("device_id", "timestamp", "trace_id")
LEGACY_NAMES = {"iotDeviceId": "device_id", "time": "timestamp"}
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z", re.ASCII
)


class RecordError(ValueError):
    """A message that is not a valid telemetry record; the text says what is wrong."""


def format_timestamp(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds and ``Z`` (sortable as text)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def now_timestamp() -> str:
    return format_timestamp(datetime.now(UTC))


def parse_timestamp(text: str) -> datetime:
    """Parse any ISO-8601 timestamp (``Z`` or offset; naive means UTC) to aware UTC."""
    if not isinstance(text, str) or not text.strip():
        raise RecordError("timestamp must be a non-empty ISO-8601 string")
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise RecordError(f"timestamp {text!r} is not ISO-8601") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def canonical_timestamp(text: str) -> str:
    """``text`` in the canonical form (already canonical text is returned as is)."""
    if isinstance(text, str) and _TIMESTAMP.fullmatch(text):
        return text
    return format_timestamp(parse_timestamp(text))


def new_trace_id() -> str:
    return uuid.uuid4().hex


def _is_scalar(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, bool | int | str)


def normalise_record(message: object, *, now: str | None = None) -> dict:
    """Return a new canonical record from ``message`` (older key names accepted).

    A missing or empty timestamp becomes ``now``; a missing trace id gets a new one.
    Raises :class:`RecordError` for anything that cannot be a record.
    """
    if not isinstance(message, dict):
        raise RecordError(f"a record must be a JSON object, not {type(message).__name__}")
    record: dict = {}
    for key, value in message.items():
        target = LEGACY_NAMES.get(key, key)
        if target in record and key in LEGACY_NAMES:
            continue  # the new name wins over the older one
        record[target] = value
    device_id = record.get("device_id")
    if not isinstance(device_id, str) or not device_id:
        raise RecordError("the record has no device_id")
    stamp = record.get("timestamp")
    record["timestamp"] = canonical_timestamp(stamp) if stamp else (now or now_timestamp())
    trace = record.get("trace_id")
    if not isinstance(trace, str) or not trace:
        record["trace_id"] = new_trace_id()
    check_record(record)
    return record


def check_record(record: object) -> None:
    """Raise :class:`RecordError` unless ``record`` is a canonical record."""
    if not isinstance(record, dict):
        raise RecordError(f"a record must be an object, not {type(record).__name__}")
    if not isinstance(record.get("device_id"), str) or not record["device_id"]:
        raise RecordError("the record has no device_id")
    stamp = record.get("timestamp")
    if not isinstance(stamp, str) or not _TIMESTAMP.fullmatch(stamp):
        raise RecordError(f"timestamp {stamp!r} is not in the form 2026-11-25T10:00:00.123Z")
    if "trace_id" in record and not isinstance(record["trace_id"], str):
        raise RecordError("trace_id must be a string")
    for key, value in record.items():
        if not isinstance(key, str) or not key:
            raise RecordError("property names must be non-empty strings")
        if not _is_scalar(value):
            raise RecordError(
                f"property {key!r} holds {type(value).__name__}; values must be scalars"
            )
