"""The role handlers of an Azure Function App, over the neutral core.

Each role has a trigger (``http``, ``event_grid``, ``timer``) and a factory that builds the
handler from the function's state: an HTTP handler takes ``(method, headers, body, params,
raw query string)`` and returns ``(status, json, headers)``; an Event Grid handler takes the
event (dict); a timer handler takes the run's ``now``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import datetime

from dtwin_gui.runtime.azure.function import AzureFunction

HTTP, EVENT_GRID, TIMER = "http", "event_grid", "timer"
#: Schedules (NCRONTAB, six fields) of the timer roles: every hour on the hour.
SCHEDULES = {"hot-to-cold-mover": "0 0 * * * *", "cold-to-archive-mover": "0 30 * * * *"}
JSON_HEADERS = {"Content-Type": "application/json"}


def _json_body(body: bytes) -> object:
    return json.loads(body.decode("utf-8")) if body else {}


def _internal(run: Callable[[AzureFunction, object], object]):
    """A function called by another function of the twin: JSON in, JSON out."""

    def factory(fn: AzureFunction):
        def handle(method, headers, body, params, query=""):
            try:
                payload = _json_body(body)
            except (ValueError, UnicodeDecodeError):
                return 400, {"status": "error", "error": "the body is not JSON"}, JSON_HEADERS
            return 200, run(fn, payload), JSON_HEADERS

        return handle

    return factory


def _receiver(kinds: Callable[[AzureFunction], dict]):
    """A signed glue receiver (another cloud sends here)."""

    def factory(fn: AzureFunction):
        from dtwin_gui.runtime.core.glue import Receiver, response_headers

        receiver = Receiver.from_env(kinds(fn), fn.environ)  # one per process: replay cache

        def handle(method, headers, body, params, query=""):
            status, reply = receiver.handle(method, headers, body)
            return status, reply, {**JSON_HEADERS, **response_headers(status)}

        return handle

    return factory


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


def _connector(fn, record):
    return fn.sender("REMOTE", "L1").send("telemetry", record, trace_id=record.get("trace_id"))


def _ingestion_kinds(fn: AzureFunction) -> dict:
    from dtwin_gui.runtime.core.dispatch import dispatch
    from dtwin_gui.runtime.core.glue import BadPayload

    def telemetry(payload, envelope):
        result = dispatch(payload, fn.config, fn.invoker, fn.log)
        if result["status"] != "routed":
            raise BadPayload(result["reason"])
        return result

    return {"telemetry": telemetry}


def _processor(fn: AzureFunction):
    from dtwin_gui.runtime.core.processing import load_processor, processor_handler

    process = load_processor(fn.user_file("process.py"))
    return _internal(
        lambda f, event: processor_handler(
            event,
            process,
            device_id=f.config.device_id,
            persister=f.env["DTWIN_PERSISTER_FUNCTION"],
            invoker=f.invoker,
            log=f.log,
        )
    )(fn)


def _persister(fn: AzureFunction):
    from dtwin_gui.runtime.core.persist import persist

    if fn.env.get("DTWIN_HOT_STORE"):
        hot = fn.hot_store(ttl_days=fn.int_env("DTWIN_HOT_TTL_DAYS"))
    else:
        from dtwin_gui.runtime.core.glue import RemoteHotWriter

        hot = RemoteHotWriter(fn.sender("HOT_WRITER"))
    twin = None
    if fn.env.get("DTWIN_TWIN_UPDATE_URL"):
        from dtwin_gui.runtime.core.glue import RemoteTwinUpdater

        twin = RemoteTwinUpdater(fn.sender("TWIN_UPDATE"))
    elif fn.environ.get(L4_APP_URL) and fn.layer != "L4":
        twin = _LocalTwinUpdater(fn.invoker)  # L4 on Azure too: its app, with its key
    return _internal(
        lambda f, record: persist(
            record,
            hot=hot,
            invoker=f.invoker,
            event_checker=f.env.get("DTWIN_EVENT_CHECKER_FUNCTION"),
            twin_update=twin,
            log=f.log,
        )
    )(fn)


#: Set in the persister's app when L4 is Azure Digital Twins in the same subscription.
L4_APP_URL = "DTWIN_APP_URL_L4"


class _LocalTwinUpdater:
    """Twin updates to the ADT updater of L4's Function App (same cloud: the app's functions
    key authenticates, no glue)."""

    def __init__(self, invoker) -> None:
        self.invoker = invoker

    def put(self, record: dict) -> None:
        self.invoker.invoke("L4/adt-updater", record)


def _event_checker(fn: AzureFunction):
    from dtwin_gui.runtime.core.events import EventChecker

    checker = EventChecker(fn.config)
    return _internal(
        lambda f, record: checker.handle(
            record, f.invoker, f.log, feedback_function=f.env.get("DTWIN_FEEDBACK_FUNCTION")
        )
    )(fn)


def _action(fn: AzureFunction):
    from dtwin_gui.runtime.core.events import run_action
    from dtwin_gui.runtime.core.processing import load_action

    action = load_action(fn.user_file("action.py"))
    return _internal(lambda f, ev: run_action(ev, action, name=f.config.action or "", log=f.log))(
        fn
    )


def _event_feedback(fn: AzureFunction):
    from dtwin_gui.runtime.core.events import feedback_handler
    from dtwin_gui.runtime.core.processing import load_feedback

    user = None
    if fn.user_dir is not None and (fn.user_dir / "feedback.py").is_file():
        user = load_feedback(fn.user_dir / "feedback.py")
    publisher = fn.feedback_publisher()
    return _internal(
        lambda f, ev: feedback_handler(
            ev, config=f.config, publisher=publisher, log=f.log, user_feedback=user
        )
    )(fn)


# --- L3 / L4 --------------------------------------------------------------------------


def _hot_writer_kinds(fn: AzureFunction) -> dict:
    from dtwin_gui.runtime.core.glue import record_payload

    store = fn.hot_store(ttl_days=fn.int_env("DTWIN_HOT_TTL_DAYS"))

    def telemetry(payload, envelope):
        record = record_payload(payload)
        store.put(record)
        return {"device_id": record["device_id"], "timestamp": record["timestamp"]}

    return {"telemetry": telemetry}


def _cold_writer_kinds(fn: AzureFunction) -> dict:
    from dtwin_gui.runtime.core.glue import BadPayload, object_payload
    from dtwin_gui.runtime.core.movers import store_chunk
    from dtwin_gui.runtime.core.objects import decode_chunk

    store = fn.cold_store()

    def chunk(payload, envelope):
        key, data = object_payload(payload)
        records = decode_chunk(data)
        if not records:
            raise BadPayload(f"object {key!r} holds no records")
        written, superseded = store_chunk(store, records)
        return {"key": written, "records": len(records), "merged": superseded}

    return {"cold-chunk": chunk}


def _archive_writer_kinds(fn: AzureFunction) -> dict:
    from dtwin_gui.runtime.core.glue import object_payload

    store = fn.archive_store()

    def put(payload, envelope):
        key, data = object_payload(payload)
        store.put(key, data)
        return {"key": key, "size": len(data)}

    return {"archive-object": put}


def _adt_updater(fn: AzureFunction):
    # A signed receiver when the persister runs on another cloud (the twin-update boundary
    # crosses: DTWIN_GLUE_SECRET is the boundary's); else an internal function the persister
    # of L2's Function App calls with L4's functions key.
    updater = fn.twin_updater()

    def update(payload, envelope=None):
        updater.put(payload)
        return {"device_id": payload.get("device_id")}

    if fn.env.get("DTWIN_GLUE_SECRET"):
        return _receiver(lambda f: {"twin-update": update})(fn)
    return _internal(lambda f, record: update(record))(fn)


def _hot_reader(fn: AzureFunction):
    from dtwin_gui.runtime.azure.hot_reader import hot_reader

    return hot_reader(fn)


def _hot_to_cold(fn: AzureFunction):
    from dtwin_gui.runtime.core.movers import move_hot_to_cold

    hot = fn.hot_store()
    if fn.env.get("DTWIN_COLD_STORE"):
        cold = fn.cold_store()
    else:
        from dtwin_gui.runtime.core.glue import RemoteObjectWriter

        cold = RemoteObjectWriter(fn.sender("COLD_WRITER", "L3_hot"), "cold-chunk")
    days = int(fn.env["DTWIN_HOT_DAYS"])

    def run(now: datetime) -> dict:
        return move_hot_to_cold(hot, cold, now=now, hot_days=days, log=fn.log).to_json()

    return run


def _cold_to_archive(fn: AzureFunction):
    from dtwin_gui.runtime.core.movers import move_cold_to_archive

    cold = fn.cold_store()
    if fn.env.get("DTWIN_ARCHIVE_STORE"):
        archive = fn.archive_store()
    else:
        from dtwin_gui.runtime.core.glue import RemoteObjectWriter

        archive = RemoteObjectWriter(fn.sender("ARCHIVE_WRITER", "L3_cold"), "archive-object")
    days = int(fn.env["DTWIN_COLD_DAYS"])

    def run(now: datetime) -> dict:
        return move_cold_to_archive(cold, archive, now=now, cold_days=days, log=fn.log).to_json()

    return run


#: role -> (trigger, factory)
ROLES: dict[str, tuple[str, Callable[[AzureFunction], Callable]]] = {
    "dispatcher": (EVENT_GRID, _dispatcher),
    "connector": (HTTP, _internal(_connector)),
    "ingestion": (HTTP, _receiver(_ingestion_kinds)),
    "processor": (HTTP, _processor),
    "persister": (HTTP, _persister),
    "event-checker": (HTTP, _event_checker),
    "action": (HTTP, _action),
    "event-feedback": (HTTP, _event_feedback),
    "hot-writer": (HTTP, _receiver(_hot_writer_kinds)),
    "cold-writer": (HTTP, _receiver(_cold_writer_kinds)),
    "archive-writer": (HTTP, _receiver(_archive_writer_kinds)),
    "hot-reader": (HTTP, _hot_reader),
    "adt-updater": (HTTP, _adt_updater),
    "hot-to-cold-mover": (TIMER, _hot_to_cold),
    "cold-to-archive-mover": (TIMER, _cold_to_archive),
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
