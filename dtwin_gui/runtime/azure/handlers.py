"""The role handlers of an Azure Function App, over the neutral core.

Each role has a trigger (``http``, ``event_grid``, ``timer``) and a factory that builds the
handler from the function's state: an HTTP handler takes ``(method, headers, body, params,
raw query string)`` and returns ``(status, json, headers)`` (the roles Google shares are in
:mod:`dtwin_gui.runtime.core.http_roles`); an Event Grid handler takes the event (dict); a
timer handler takes the run's ``now``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

from dtwin_gui.runtime.azure.function import AzureFunction
from dtwin_gui.runtime.core.http_roles import (
    SHARED_HTTP_ROLES,
    cold_to_archive,
    hot_to_cold,
    internal,
    persister,
    receiver,
)

HTTP, EVENT_GRID, TIMER = "http", "event_grid", "timer"
#: Schedules (NCRONTAB, six fields) of the timer roles: every hour on the hour.
SCHEDULES = {"hot-to-cold-mover": "0 0 * * * *", "cold-to-archive-mover": "0 30 * * * *"}


# --- L1 / L2 --------------------------------------------------------------------------


def event_grid_message(event: dict) -> dict:
    """The telemetry of an IoT Hub ``Microsoft.Devices.DeviceTelemetry`` event's data."""
    data = event.get("data", event) if isinstance(event, dict) else {}
    body = data.get("body") if isinstance(data, dict) else None
    if isinstance(body, str):
        try:
            body = json.loads(base64.b64decode(body, validate=True))
        except ValueError:
            body = json.loads(body)
    if not isinstance(body, dict):
        raise ValueError("the telemetry event's body is not a JSON object")
    device = (data.get("systemProperties") or {}).get("iothub-connection-device-id")
    if device and "device_id" not in body:
        body = {**body, "device_id": device}
    return body


def _dispatcher(fn: AzureFunction):
    from dtwin_gui.runtime.core.dispatch import dispatch

    def handle(event: dict) -> dict:
        try:
            message = event_grid_message(event)
        except ValueError as exc:
            fn.log.warning("rejected", f"telemetry event not readable: {exc}")
            return {"status": "rejected", "reason": str(exc)}
        return dispatch(
            message,
            fn.config,
            fn.invoker,
            fn.log,
            connector=fn.env.get("DTWIN_CONNECTOR_FUNCTION"),
        )

    return handle


#: Set in the persister's app when L4 is Azure Digital Twins in the same subscription.
L4_APP_URL = "DTWIN_APP_URL_L4"


class _LocalTwinUpdater:
    """Twin updates to the ADT updater of L4's Function App (same cloud: the app's functions
    key authenticates, no glue)."""

    def __init__(self, invoker) -> None:
        self.invoker = invoker

    def put(self, record: dict) -> None:
        self.invoker.invoke("L4/adt-updater", record)


# --- L4 -------------------------------------------------------------------------------


def _adt_updater(fn: AzureFunction):
    # A signed receiver when the persister runs on another cloud (the twin-update boundary
    # crosses: DTWIN_GLUE_SECRET is the boundary's); else an internal function the persister
    # of L2's Function App calls with L4's functions key.
    updater = fn.twin_updater()

    def update(payload, envelope=None):
        updater.put(payload)
        return {"device_id": payload.get("device_id")}

    if fn.env.get("DTWIN_GLUE_SECRET"):
        return receiver(lambda f: {"twin-update": update})(fn)
    return internal(lambda f, record: update(record))(fn)


def _persister(fn: AzureFunction):
    """The persister; with L4 on Azure too, twin updates go to L4's app with its key."""

    def local(f):
        return (
            _LocalTwinUpdater(f.invoker) if f.environ.get(L4_APP_URL) and f.layer != "L4" else None
        )

    return persister(fn, local_twin=local)


#: role -> (trigger, factory)
ROLES: dict[str, tuple[str, Callable[[AzureFunction], Callable]]] = {
    **{role: (HTTP, factory) for role, factory in SHARED_HTTP_ROLES.items()},
    "dispatcher": (EVENT_GRID, _dispatcher),
    "persister": (HTTP, _persister),
    "adt-updater": (HTTP, _adt_updater),
    "hot-to-cold-mover": (TIMER, hot_to_cold),
    "cold-to-archive-mover": (TIMER, cold_to_archive),
}


#: Roles other clouds call: their HMAC signature is the authentication (no functions key,
#: as an AWS receiver's Function URL has auth NONE).
RECEIVER_ROLES = frozenset(
    {"ingestion", "hot-writer", "cold-writer", "archive-writer", "adt-updater"}
)
#: Roles open to signed callers only when another cloud calls them (their boundary crosses);
#: otherwise functions of this twin on Azure call them with the functions key.
SIGNED_WHEN_CROSSING = frozenset({"hot-reader", "adt-updater"})


def anonymous(role: str, environ) -> bool:
    """Whether ``role``'s HTTP route is open to callers without a functions key: the glue
    receivers, and the hot reader and ADT updater when another cloud calls them (then every
    call is signed)."""
    if role in RECEIVER_ROLES - SIGNED_WHEN_CROSSING:
        return True
    return role in SIGNED_WHEN_CROSSING and bool(environ.get("DTWIN_GLUE_SECRET"))


def trigger_of(role: str) -> str:
    try:
        return ROLES[role][0]
    except KeyError:
        raise KeyError(f"no Azure handler for function role {role!r}") from None
