"""The hot reader (L3 hot): recent telemetry for dashboards, the twin model and tools.

Three answers over one :class:`~dtwin_gui.runtime.core.ports.HotStore`:

* :func:`query` — the plain JSON API: one device, a time range, optional properties,
  pages with an opaque cursor;
* :func:`latest` — the newest record of each device;
* :func:`twinmaker_response` — an AWS IoT TwinMaker data connector
  (``DataReaderByEntity``, the shape of ``GetPropertyValueHistory``).

Bad input raises :class:`BadRequest`; the HTTP adapter answers it with 400.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Mapping
from datetime import UTC, datetime

from dtwin_gui.runtime.core.function_config import FunctionConfig
from dtwin_gui.runtime.core.ports import HotStore
from dtwin_gui.runtime.core.records import (
    RESERVED,
    RecordError,
    canonical_timestamp,
    format_timestamp,
)

DEFAULT_MAX_PAGE = 500
DEFAULT_LIMIT = 100


class BadRequest(ValueError):
    """The request cannot be answered as asked; the text says which parameter is wrong."""


# --------------------------------------------------------------------------- parameters


def encode_cursor(timestamp: str) -> str:
    """The opaque cursor that continues after ``timestamp``."""
    return base64.urlsafe_b64encode(timestamp.encode("ascii")).decode("ascii").rstrip("=")


def decode_cursor(cursor: object) -> str:
    if not isinstance(cursor, str) or not cursor:
        raise BadRequest("cursor must be the next_cursor of a previous page")
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        if canonical_timestamp(text) != text:
            raise ValueError(text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadRequest("cursor is not valid; pass the next_cursor of a previous page") from None
    return text


def _timestamp(params: Mapping, name: str) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    try:
        return canonical_timestamp(value)
    except RecordError:
        raise BadRequest(f"{name} must be an ISO-8601 time, got {value!r}") from None


def _limit(value: object, max_page: int, default: int) -> int:
    if value is None or value == "":
        return min(default, max_page)
    try:
        number = int(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is None or number < 1 or (isinstance(value, float) and value != number):
        raise BadRequest(f"limit must be a whole number of at least 1, got {value!r}")
    return min(number, max_page)


def _properties(value: object) -> list[str] | None:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, str):
        value = [p.strip() for p in value.split(",")]
    if not isinstance(value, list) or not all(isinstance(p, str) and p for p in value):
        raise BadRequest("properties must be a list of property names (or a comma-separated text)")
    return value


def _device(value: object, name: str = "device_id") -> str:
    if not isinstance(value, str) or not value:
        raise BadRequest(f"{name} is required")
    return value


def _range(start: str | None, end: str | None) -> None:
    if start is not None and end is not None and start > end:
        raise BadRequest(f"start {start} is after end {end}")


def _select(record: dict, properties: list[str] | None) -> dict:
    if properties is None:
        return record
    keep = {"device_id": record["device_id"], "timestamp": record["timestamp"]}
    keep.update((p, record[p]) for p in properties if p in record)
    return keep


# --------------------------------------------------------------------------- plain API


def query(store: HotStore, params: Mapping, max_page: int = DEFAULT_MAX_PAGE) -> dict:
    """Records of one device: ``{"items": [...], "next_cursor": str | None}``.

    ``params``: ``device_id`` (required), ``properties`` (list or comma-separated), ``start``
    and ``end`` (ISO-8601, inclusive), ``limit`` (capped at ``max_page``), ``cursor``,
    ``order`` (``asc`` default, or ``desc`` for newest first).
    """
    if not isinstance(params, Mapping):
        raise BadRequest("the query parameters must be an object")
    device_id = _device(params.get("device_id"))
    properties = _properties(params.get("properties"))
    start, end = _timestamp(params, "start"), _timestamp(params, "end")
    _range(start, end)
    limit = _limit(params.get("limit"), max_page, DEFAULT_LIMIT)
    order = params.get("order") or "asc"
    if order not in ("asc", "desc"):
        raise BadRequest(f"order must be 'asc' or 'desc', got {order!r}")
    cursor = params.get("cursor")
    after = decode_cursor(cursor) if cursor not in (None, "") else None
    rows = store.query(
        device_id,
        start=start,
        end=end,
        limit=limit + 1,
        newest_first=order == "desc",
        after=after,
    )
    page = rows[:limit]
    more = len(rows) > limit
    return {
        "items": [_select(r, properties) for r in page],
        "next_cursor": encode_cursor(page[-1]["timestamp"]) if more else None,
    }


def latest(store: HotStore, device_ids: object) -> dict:
    """``{device_id: newest record}`` (devices without records are left out)."""
    if isinstance(device_ids, str):
        device_ids = [d.strip() for d in device_ids.split(",") if d.strip()]
    if not isinstance(device_ids, list) or not device_ids:
        raise BadRequest("device_ids must be a non-empty list of device ids")
    out = {}
    for device_id in device_ids:
        rows = store.query(_device(device_id, "every device id"), limit=1, newest_first=True)
        if rows:
            out[device_id] = rows[0]
    return out


# --------------------------------------------------------------------------- TwinMaker

#: dataType of a device property -> the DataValue member TwinMaker expects
_VALUE_KEYS = {
    "DOUBLE": "doubleValue",
    "INTEGER": "integerValue",
    "LONG": "longValue",
    "BOOLEAN": "booleanValue",
    "STRING": "stringValue",
}


def typed_value(value: object, data_type: str | None) -> dict | None:
    """A TwinMaker ``DataValue`` for ``value``; None when it cannot have that type.

    Without a declared type (a property the processor added) the Python type decides.
    """
    if value is None:
        return None
    if data_type is None:
        if isinstance(value, bool):
            data_type = "BOOLEAN"
        elif isinstance(value, int):
            data_type = "INTEGER"
        elif isinstance(value, float):
            data_type = "DOUBLE"
        else:
            data_type = "STRING"
    key = _VALUE_KEYS.get(data_type.upper())
    if key is None:
        return None
    if key == "booleanValue":
        return {key: value} if isinstance(value, bool) else None
    if key == "stringValue":
        return {key: value if isinstance(value, str) else str(value)}
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if key == "doubleValue":
        return {key: float(value)} if math.isfinite(value) else None
    if isinstance(value, float) and not value.is_integer():
        return None
    return {key: int(value)}


def _request_time(request: Mapping, iso_name: str, epoch_name: str) -> str | None:
    if request.get(iso_name):
        return _timestamp(request, iso_name)
    seconds = request.get(epoch_name)  # deprecated epoch-second form, still sent
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise BadRequest(f"{epoch_name} must be epoch seconds, got {seconds!r}")
    return format_timestamp(datetime.fromtimestamp(seconds, UTC))


def _requested_device(request: Mapping, config: FunctionConfig) -> str:
    """The component's ``device_id`` property value, else the component name."""
    properties = request.get("properties")
    if isinstance(properties, Mapping):
        entry = properties.get("device_id")
        value = entry.get("value") if isinstance(entry, Mapping) else None
        device = value.get("stringValue") if isinstance(value, Mapping) else None
        if isinstance(device, str) and device:
            if device not in config.devices:
                raise BadRequest(f"device {device!r} (property device_id) is not in this twin")
            return device
    component = request.get("componentName")
    if isinstance(component, str) and component in config.devices:
        return component
    raise BadRequest(
        "cannot tell the device: give the component a device_id property "
        "or name the component after the device"
    )


def twinmaker_response(
    store: HotStore, request: Mapping, config: FunctionConfig, max_page: int = DEFAULT_MAX_PAGE
) -> dict:
    """Answer a TwinMaker ``DataReaderByEntity`` request from the hot store.

    Request: ``entityId``, ``componentName``, ``selectedProperties``, ``startTime``/``endTime``
    (ISO-8601; ``startDateTime``/``endDateTime`` epoch seconds as a fallback),
    ``properties`` (the component's properties; ``device_id.value.stringValue`` names the
    device), ``maxResults``, ``nextToken``, ``orderByTime`` (``ASCENDING``/``DESCENDING``).
    A page holds up to ``maxResults`` records; each selected property lists the values
    those records have, typed by the device's ``dataType``.
    """
    if not isinstance(request, Mapping):
        raise BadRequest("the request must be an object")
    device_id = _requested_device(request, config)
    selected = request.get("selectedProperties")
    if (
        not isinstance(selected, list)
        or not selected
        or not all(isinstance(p, str) and p for p in selected)
    ):
        raise BadRequest("selectedProperties must be a non-empty list of property names")
    start = _request_time(request, "startTime", "startDateTime")
    end = _request_time(request, "endTime", "endDateTime")
    _range(start, end)
    limit = _limit(request.get("maxResults"), max_page, max_page)
    order = request.get("orderByTime") or "ASCENDING"
    if order not in ("ASCENDING", "DESCENDING"):
        raise BadRequest(f"orderByTime must be ASCENDING or DESCENDING, got {order!r}")
    token = request.get("nextToken")
    after = decode_cursor(token) if token not in (None, "") else None
    rows = store.query(
        device_id,
        start=start,
        end=end,
        limit=limit + 1,
        newest_first=order == "DESCENDING",
        after=after,
    )
    page = rows[:limit]
    types = config.devices.get(device_id, {})
    reference = {
        "entityId": request.get("entityId"),
        "componentName": request.get("componentName"),
    }
    property_values = []
    for name in selected:
        values = []
        if name not in RESERVED:
            for row in page:
                value = typed_value(row.get(name), types.get(name))
                if value is not None:
                    values.append({"time": row["timestamp"], "value": value})
        property_values.append(
            {"entityPropertyReference": {**reference, "propertyName": name}, "values": values}
        )
    return {
        "propertyValues": property_values,
        "nextToken": encode_cursor(page[-1]["timestamp"]) if len(rows) > limit else None,
    }


def answer(
    store: HotStore, request: Mapping, config: FunctionConfig, max_page: int = DEFAULT_MAX_PAGE
) -> dict:
    """One entry point for the reader function: ``{"op": "query"|"latest"|"twinmaker", ...}``.

    ``query`` takes ``params``, ``latest`` takes ``device_ids``, ``twinmaker`` takes
    ``request``.
    """
    if not isinstance(request, Mapping):
        raise BadRequest("the request must be an object")
    op = request.get("op")
    if op == "query":
        return query(store, request.get("params") or {}, max_page)
    if op == "latest":
        return {"items": latest(store, request.get("device_ids"))}
    if op == "twinmaker":
        return twinmaker_response(store, request.get("request") or {}, config, max_page)
    raise BadRequest(f"op must be 'query', 'latest' or 'twinmaker', got {op!r}")
