"""The role handlers of dtwin's Google Cloud Functions, over the neutral core.

Every role but the dispatcher is an HTTP function whose handler takes ``(method, headers,
body, params, raw query string)`` and returns ``(status, json, headers)`` (the roles Azure
shares are in :mod:`dtwin_gui.runtime.core.http_roles`); the dispatcher takes the Pub/Sub
message of its CloudEvent (``{"data": base64, "attributes": {...}}``). Movers are HTTP
functions Cloud Scheduler calls; they take "now" from the JSON body ``{"now": ISO}`` only when
``DTWIN_SANDBOX_CLOCK=1`` (the sandbox clock), else real time.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import UTC, datetime

from dtwin_gui.runtime.core.http_roles import (
    SHARED_HTTP_ROLES,
    cold_to_archive,
    hot_to_cold,
    internal,
    persister,
)
from dtwin_gui.runtime.google.function import GoogleFunction

# --- L1 / L2 --------------------------------------------------------------------------


def pubsub_message(message: dict) -> dict:
    """The telemetry record of a Pub/Sub message (base64 JSON data; ``device_id`` from the
    message's attributes when the body has none)."""
    raw = message.get("data") if isinstance(message, dict) else None
    if not isinstance(raw, str | bytes) or not raw:
        raise ValueError("the Pub/Sub message has no data")
    try:
        body = json.loads(base64.b64decode(raw, validate=True))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ValueError("the Pub/Sub message's data is not base64 JSON") from None
    if not isinstance(body, dict):
        raise ValueError("the telemetry message is not a JSON object")
    device = (message.get("attributes") or {}).get("device_id")
    if device and "device_id" not in body:
        body = {**body, "device_id": device}
    return body


def _dispatcher(fn: GoogleFunction):
    from dtwin_gui.runtime.core.dispatch import dispatch

    def handle(message: dict) -> dict:
        try:
            record = pubsub_message(message)
        except ValueError as exc:
            fn.log.warning("rejected", f"telemetry message not readable: {exc}")
            return {"status": "rejected", "reason": str(exc)}
        return dispatch(
            record, fn.config, fn.invoker, fn.log, connector=fn.env.get("DTWIN_CONNECTOR_FUNCTION")
        )

    return handle


# --- L3 -------------------------------------------------------------------------------


def run_now(fn: GoogleFunction, payload: object) -> datetime:
    """The mover run's 'now': the body's ``now`` under the sandbox clock, else real time."""
    from dtwin_gui.runtime.core.records import parse_timestamp

    if fn.sandbox_clock and isinstance(payload, dict) and isinstance(payload.get("now"), str):
        return parse_timestamp(payload["now"])
    return datetime.now(UTC)


def _mover(run: Callable[[GoogleFunction], Callable[[datetime], dict]]):
    """A mover as the HTTP function Cloud Scheduler calls (its body may carry "now")."""

    def factory(fn: GoogleFunction):
        move = run(fn)
        return internal(lambda f, body: move(run_now(f, body)))(fn)

    return factory


#: role -> factory (the signature of each role is in entry_points.ENTRY_POINTS)
ROLES: dict[str, Callable[[GoogleFunction], Callable]] = {
    **SHARED_HTTP_ROLES,
    "dispatcher": _dispatcher,
    "persister": persister,
    "hot-to-cold-mover": _mover(hot_to_cold),
    "cold-to-archive-mover": _mover(cold_to_archive),
}
