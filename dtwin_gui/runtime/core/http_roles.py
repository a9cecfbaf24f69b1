"""The role handlers an HTTP-function cloud shares (Azure Functions, Google Cloud Functions),
over the neutral core (stdlib only).

``fn`` is the cloud's function object: ``config`` (baked), ``env`` / ``environ``,
``int_env``, ``invoker``, ``log``, ``sender(...)``, ``user_file`` / ``user_dir``,
``feedback_publisher()`` and the stores (``hot_store``, ``cold_store``, ``archive_store``).
An HTTP handler takes ``(method, headers, body, params, raw query string)`` and returns
``(status, json, headers)``. What differs per cloud (the dispatcher's trigger, how a mover
is run, Azure's local twin updater) stays in ``runtime/<cloud>/handlers.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from dtwin_gui.runtime.core.http_hot_reader import hot_reader

JSON_HEADERS = {"Content-Type": "application/json"}


def json_body(body: bytes) -> object:
    return json.loads(body.decode("utf-8")) if body else {}


def internal(run: Callable):
    """A function called by another function of the twin: JSON in, JSON out."""

    def factory(fn):
        def handle(method, headers, body, params, query=""):
            try:
                payload = json_body(body)
            except (ValueError, UnicodeDecodeError):
                return 400, {"status": "error", "error": "the body is not JSON"}, JSON_HEADERS
            return 200, run(fn, payload), JSON_HEADERS

        return handle

    return factory


def receiver(kinds: Callable):
    """A signed glue receiver (another cloud sends here; the HMAC is the authentication)."""

    def factory(fn):
        from dtwin_gui.runtime.core.glue import Receiver, response_headers

        # one per instance (replay cache); its lines go to the function's own log
        glue = Receiver.from_env(kinds(fn), fn.environ, log=fn.log)

        def handle(method, headers, body, params, query=""):
            status, reply = glue.handle(method, headers, body)
            return status, reply, {**JSON_HEADERS, **response_headers(status)}

        return handle

    return factory


# --- L1 / L2 --------------------------------------------------------------------------


def connector(fn, record):
    return fn.sender("REMOTE", "L1").send("telemetry", record, trace_id=record.get("trace_id"))


def ingestion_kinds(fn) -> dict:
    from dtwin_gui.runtime.core.dispatch import dispatch
    from dtwin_gui.runtime.core.glue import BadPayload

    def telemetry(payload, envelope):
        result = dispatch(payload, fn.config, fn.invoker, fn.log)
        if result["status"] != "routed":
            raise BadPayload(result["reason"])
        return result

    return {"telemetry": telemetry}


def processor(fn):
    from dtwin_gui.runtime.core.processing import load_processor, processor_handler

    process = load_processor(fn.user_file("process.py"))
    return internal(
        lambda f, event: processor_handler(
            event,
            process,
            device_id=f.config.device_id,
            persister=f.env["DTWIN_PERSISTER_FUNCTION"],
            invoker=f.invoker,
            log=f.log,
        )
    )(fn)


def persister(fn, local_twin: Callable | None = None):
    """The persister; ``local_twin(fn)`` gives the twin updater of a twin model on the same
    cloud (no glue), when the cloud has one."""
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
    elif local_twin is not None:
        twin = local_twin(fn)
    return internal(
        lambda f, record: persist(
            record,
            hot=hot,
            invoker=f.invoker,
            event_checker=f.env.get("DTWIN_EVENT_CHECKER_FUNCTION"),
            twin_update=twin,
            log=f.log,
        )
    )(fn)


def event_checker(fn):
    from dtwin_gui.runtime.core.events import EventChecker

    checker = EventChecker(fn.config)
    return internal(
        lambda f, record: checker.handle(
            record, f.invoker, f.log, feedback_function=f.env.get("DTWIN_FEEDBACK_FUNCTION")
        )
    )(fn)


def action(fn):
    from dtwin_gui.runtime.core.events import run_action
    from dtwin_gui.runtime.core.processing import load_action

    user_action = load_action(fn.user_file("action.py"))
    return internal(
        lambda f, ev: run_action(ev, user_action, name=f.config.action or "", log=f.log)
    )(fn)


def event_feedback(fn):
    from dtwin_gui.runtime.core.events import feedback_handler
    from dtwin_gui.runtime.core.processing import load_feedback

    user = None
    if fn.user_dir is not None and (fn.user_dir / "feedback.py").is_file():
        user = load_feedback(fn.user_dir / "feedback.py")
    publisher = fn.feedback_publisher()
    return internal(
        lambda f, ev: feedback_handler(
            ev, config=f.config, publisher=publisher, log=f.log, user_feedback=user
        )
    )(fn)


def hot_reader_proxy(fn):
    """L4's or L5's way to the hot reader on another cloud: a GET query or a JSON request
    (``{"op": ...}``), sent on as a signed ``hot-query``, signed as from the layer that asked
    (``glue_remote.proxy_caller``: a GET is Grafana's, L5)."""
    from dtwin_gui.runtime.core.glue import RemoteHotReader
    from dtwin_gui.runtime.core.glue_remote import DASHBOARDS, TWIN_MODEL, proxy_caller

    readers = {
        layer: RemoteHotReader(fn.sender("REMOTE", layer)) for layer in (TWIN_MODEL, DASHBOARDS)
    }

    def handle(method, headers, body, params, query=""):
        if method == "GET":
            params = dict(params)
            if isinstance(params.get("properties"), str):
                params["properties"] = [p for p in params["properties"].split(",") if p]
            reply = readers[DASHBOARDS].query({"op": "query", "params": params})
            return 200, reply, JSON_HEADERS
        try:
            request = json_body(body)
        except (ValueError, UnicodeDecodeError):
            return 400, {"status": "error", "error": "the body is not JSON"}, JSON_HEADERS
        return 200, readers[proxy_caller(request)].query(request), JSON_HEADERS

    return handle


# --- L3 -------------------------------------------------------------------------------


def hot_writer_kinds(fn) -> dict:
    from dtwin_gui.runtime.core.glue import record_payload

    store = fn.hot_store(ttl_days=fn.int_env("DTWIN_HOT_TTL_DAYS"))

    def telemetry(payload, envelope):
        record = record_payload(payload)
        store.put(record)
        return {"device_id": record["device_id"], "timestamp": record["timestamp"]}

    return {"telemetry": telemetry}


def cold_writer_kinds(fn) -> dict:
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


def archive_writer_kinds(fn) -> dict:
    from dtwin_gui.runtime.core.glue import object_payload

    store = fn.archive_store()

    def put(payload, envelope):
        key, data = object_payload(payload)
        store.put(key, data)
        return {"key": key, "size": len(data)}

    return {"archive-object": put}


def hot_to_cold(fn) -> Callable:
    """The hot-to-cold mover's run: ``run(now) -> summary`` (the cloud's trigger calls it)."""
    from dtwin_gui.runtime.core.movers import move_hot_to_cold

    hot = fn.hot_store()
    if fn.env.get("DTWIN_COLD_STORE"):
        cold = fn.cold_store()
    else:
        from dtwin_gui.runtime.core.glue import RemoteObjectWriter

        cold = RemoteObjectWriter(fn.sender("COLD_WRITER", "L3_hot"), "cold-chunk")
    days = int(fn.env["DTWIN_HOT_DAYS"])
    return lambda now: move_hot_to_cold(hot, cold, now=now, hot_days=days, log=fn.log).to_json()


def cold_to_archive(fn) -> Callable:
    """The cold-to-archive mover's run: ``run(now) -> summary``."""
    from dtwin_gui.runtime.core.movers import move_cold_to_archive

    cold = fn.cold_store()
    if fn.env.get("DTWIN_ARCHIVE_STORE"):
        archive = fn.archive_store()
    else:
        from dtwin_gui.runtime.core.glue import RemoteObjectWriter

        archive = RemoteObjectWriter(fn.sender("ARCHIVE_WRITER", "L3_cold"), "archive-object")
    days = int(fn.env["DTWIN_COLD_DAYS"])
    return lambda now: move_cold_to_archive(
        cold, archive, now=now, cold_days=days, log=fn.log
    ).to_json()


#: The HTTP roles every such cloud builds the same way: role -> factory.
SHARED_HTTP_ROLES: dict[str, Callable] = {
    "connector": internal(connector),
    "ingestion": receiver(ingestion_kinds),
    "processor": processor,
    "event-checker": event_checker,
    "action": action,
    "event-feedback": event_feedback,
    "hot-writer": receiver(hot_writer_kinds),
    "cold-writer": receiver(cold_writer_kinds),
    "archive-writer": receiver(archive_writer_kinds),
    "hot-reader": hot_reader,
    "hot-reader-proxy": hot_reader_proxy,
}
