"""The role handlers of dtwin's Google Cloud Functions, over the neutral core.

Every role but the dispatcher is an HTTP function whose handler takes ``(method, headers,
body, params, raw query string)`` and returns ``(status, json, headers)``; the dispatcher
takes the Pub/Sub message of its CloudEvent (``{"data": base64, "attributes": {...}}``).
Movers are HTTP functions Cloud Scheduler calls; they take "now" from the JSON body
``{"now": ISO}`` only when ``DTWIN_SANDBOX_CLOCK=1`` (the sandbox clock), else real time.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import UTC, datetime

from dtwin_gui.runtime.google.function import GoogleFunction

JSON_HEADERS = {"Content-Type": "application/json"}


def _json_body(body: bytes) -> object:
    return json.loads(body.decode("utf-8")) if body else {}


def _internal(run: Callable[[GoogleFunction, object], object]):
    """A function called by another function of the twin: JSON in, JSON out."""

    def factory(fn: GoogleFunction):
        def handle(method, headers, body, params, query=""):
            try:
                payload = _json_body(body)
            except (ValueError, UnicodeDecodeError):
                return 400, {"status": "error", "error": "the body is not JSON"}, JSON_HEADERS
            return 200, run(fn, payload), JSON_HEADERS

        return handle

    return factory


def _receiver(kinds: Callable[[GoogleFunction], dict]):
    """A signed glue receiver (another cloud sends here; the HMAC is the authentication)."""

    def factory(fn: GoogleFunction):
        from dtwin_gui.runtime.core.glue import Receiver, response_headers

        receiver = Receiver.from_env(kinds(fn), fn.environ)  # one per instance: replay cache

        def handle(method, headers, body, params, query=""):
            status, reply = receiver.handle(method, headers, body)
            return status, reply, {**JSON_HEADERS, **response_headers(status)}

        return handle

    return factory


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


def _connector(fn, record):
    return fn.sender("REMOTE", "L1").send("telemetry", record, trace_id=record.get("trace_id"))


def _ingestion_kinds(fn: GoogleFunction) -> dict:
    from dtwin_gui.runtime.core.dispatch import dispatch
    from dtwin_gui.runtime.core.glue import BadPayload

    def telemetry(payload, envelope):
        result = dispatch(payload, fn.config, fn.invoker, fn.log)
        if result["status"] != "routed":
            raise BadPayload(result["reason"])
        return result

    return {"telemetry": telemetry}


def _processor(fn: GoogleFunction):
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


def _persister(fn: GoogleFunction):
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


def _event_checker(fn: GoogleFunction):
    from dtwin_gui.runtime.core.events import EventChecker

    checker = EventChecker(fn.config)
    return _internal(
        lambda f, record: checker.handle(
            record, f.invoker, f.log, feedback_function=f.env.get("DTWIN_FEEDBACK_FUNCTION")
        )
    )(fn)


def _action(fn: GoogleFunction):
    from dtwin_gui.runtime.core.events import run_action
    from dtwin_gui.runtime.core.processing import load_action

    action = load_action(fn.user_file("action.py"))
    return _internal(lambda f, ev: run_action(ev, action, name=f.config.action or "", log=f.log))(
        fn
    )


def _event_feedback(fn: GoogleFunction):
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


def _hot_reader_proxy(fn: GoogleFunction):
    """Queries the hot reader on another cloud (L4/L5 never run on Google today: kept for
    the role table's completeness)."""
    from dtwin_gui.runtime.core.glue import RemoteHotReader

    reader = RemoteHotReader(fn.sender("REMOTE", "L4"))

    def handle(method, headers, body, params, query=""):
        if method == "GET":
            params = dict(params)
            if isinstance(params.get("properties"), str):
                params["properties"] = [p for p in params["properties"].split(",") if p]
            return 200, reader.query({"op": "query", "params": params}), JSON_HEADERS
        try:
            request = _json_body(body)
        except (ValueError, UnicodeDecodeError):
            return 400, {"status": "error", "error": "the body is not JSON"}, JSON_HEADERS
        return 200, reader.query(request), JSON_HEADERS

    return handle


# --- L3 -------------------------------------------------------------------------------


def _hot_writer_kinds(fn: GoogleFunction) -> dict:
    from dtwin_gui.runtime.core.glue import record_payload

    store = fn.hot_store(ttl_days=fn.int_env("DTWIN_HOT_TTL_DAYS"))

    def telemetry(payload, envelope):
        record = record_payload(payload)
        store.put(record)
        return {"device_id": record["device_id"], "timestamp": record["timestamp"]}

    return {"telemetry": telemetry}


def _cold_writer_kinds(fn: GoogleFunction) -> dict:
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


def _archive_writer_kinds(fn: GoogleFunction) -> dict:
    from dtwin_gui.runtime.core.glue import object_payload

    store = fn.archive_store()

    def put(payload, envelope):
        key, data = object_payload(payload)
        store.put(key, data)
        return {"key": key, "size": len(data)}

    return {"archive-object": put}


def _hot_reader(fn: GoogleFunction):
    from dtwin_gui.runtime.google.hot_reader import hot_reader

    return hot_reader(fn)


def run_now(fn: GoogleFunction, payload: object) -> datetime:
    """The mover run's 'now': the body's ``now`` under the sandbox clock, else real time."""
    from dtwin_gui.runtime.core.records import parse_timestamp

    if fn.sandbox_clock and isinstance(payload, dict) and isinstance(payload.get("now"), str):
        return parse_timestamp(payload["now"])
    return datetime.now(UTC)


def _hot_to_cold(fn: GoogleFunction):
    from dtwin_gui.runtime.core.movers import move_hot_to_cold

    hot = fn.hot_store()
    if fn.env.get("DTWIN_COLD_STORE"):
        cold = fn.cold_store()
    else:
        from dtwin_gui.runtime.core.glue import RemoteObjectWriter

        cold = RemoteObjectWriter(fn.sender("COLD_WRITER", "L3_hot"), "cold-chunk")
    days = int(fn.env["DTWIN_HOT_DAYS"])
    return _internal(
        lambda f, body: move_hot_to_cold(
            hot, cold, now=run_now(f, body), hot_days=days, log=f.log
        ).to_json()
    )(fn)


def _cold_to_archive(fn: GoogleFunction):
    from dtwin_gui.runtime.core.movers import move_cold_to_archive

    cold = fn.cold_store()
    if fn.env.get("DTWIN_ARCHIVE_STORE"):
        archive = fn.archive_store()
    else:
        from dtwin_gui.runtime.core.glue import RemoteObjectWriter

        archive = RemoteObjectWriter(fn.sender("ARCHIVE_WRITER", "L3_cold"), "archive-object")
    days = int(fn.env["DTWIN_COLD_DAYS"])
    return _internal(
        lambda f, body: move_cold_to_archive(
            cold, archive, now=run_now(f, body), cold_days=days, log=f.log
        ).to_json()
    )(fn)


#: role -> factory (the signature of each role is in entry_points.ENTRY_POINTS)
ROLES: dict[str, Callable[[GoogleFunction], Callable]] = {
    "dispatcher": _dispatcher,
    "connector": _internal(_connector),
    "ingestion": _receiver(_ingestion_kinds),
    "processor": _processor,
    "persister": _persister,
    "event-checker": _event_checker,
    "action": _action,
    "event-feedback": _event_feedback,
    "hot-writer": _receiver(_hot_writer_kinds),
    "cold-writer": _receiver(_cold_writer_kinds),
    "archive-writer": _receiver(_archive_writer_kinds),
    "hot-reader": _hot_reader,
    "hot-reader-proxy": _hot_reader_proxy,
    "hot-to-cold-mover": _hot_to_cold,
    "cold-to-archive-mover": _cold_to_archive,
}
