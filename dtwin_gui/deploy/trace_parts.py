"""A traced test message for any clouds, through the parts every cloud has: L1's ``publish``
sends it as the device, L3 hot's ``hot_reader`` (`dtwin query`) finds it by its trace id.

Used when L1's cloud has no ``trace`` part of its own, or when L1 and L3 hot are on
different clouds (the message crosses the glue on its way): L1 published → L2 processed and
L3 hot stored, seen when the hot reader returns the record → L4 readable (the same reader the
twin model and the dashboards read through); the movers' hops come later and are skipped.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime

from dtwin_gui.core.run_events import LogEvent, Sink
from dtwin_gui.deploy.simulate import telemetry_topic
from dtwin_gui.deploy.trace import (
    FAILED,
    OK,
    TraceResult,
    layer_hops,
    make_test_message,
    skip_rest,
)
from dtwin_gui.runtime.core.records import format_timestamp, new_trace_id


def trace_through_parts(
    project,
    connections,
    outputs: dict,
    *,
    device_id: str | None = None,
    sink: Sink | None = None,
    timeout_s: float = 30.0,
    poll_s: float = 0.5,
    cancel: threading.Event | None = None,
    now: datetime | None = None,
) -> TraceResult:
    from dtwin_gui.deploy.cloud_parts import telemetry_publisher
    from dtwin_gui.deploy.query import QueryError, query_hot

    emit = sink or (lambda event: None)
    device, message = make_test_message(project, device_id)
    message["device_id"] = device
    message["timestamp"] = format_timestamp(now or datetime.now(UTC))
    message["trace_id"] = new_trace_id()
    topic = telemetry_topic(project.twin_name, device)
    result = TraceResult(device, message["trace_id"], message["timestamp"], topic)
    result.hops = layer_hops("Published as the device", "Stored in the hot store")
    published, processed, stored, readable = result.hops[:4]
    started = time.monotonic()

    def log(level: str, text: str) -> None:
        emit(LogEvent("dtwin", level, f"trace {result.trace_id[:8]}: {text}"))

    try:
        cloud, send = telemetry_publisher(project, connections)
        send(topic, json.dumps(message).encode())
    except Exception as exc:  # the part's error says what and what to do
        published.state, published.detail = FAILED, f"not sent: {exc}"
        published.elapsed = time.monotonic() - started
        log("error", published.detail)
        skip_rest(result.hops, "not reached: the message was not sent")
        return result
    published.state, published.elapsed = OK, time.monotonic() - started
    published.detail = f"sent as {device} to L1 on {cloud}"
    log("info", published.detail)

    deadline = started + timeout_s
    found, last_error = None, ""
    while found is None:
        try:
            page = query_hot(
                project.root, connections, device, result.timestamp, 20,
                project=project, outputs=outputs,
            )  # fmt: skip
            found = next((r for r in page.records if r.get("trace_id") == result.trace_id), None)
            reader = page.source.reader
        except QueryError as exc:
            last_error, reader = exc.message, ""
        if found is not None or time.monotonic() >= deadline:
            break
        if cancel is not None and cancel.is_set():
            break
        time.sleep(poll_s)
    elapsed = time.monotonic() - started
    if found is None:
        why = last_error or f"no record with trace id {result.trace_id} after {timeout_s:g} s"
        for hop in (processed, stored, readable):
            hop.state, hop.elapsed = FAILED, elapsed
        processed.detail = (
            "no sign of processing: the hot reader does not return the record. Check the "
            "dispatcher, processor and persister logs."
        )
        stored.detail = readable.detail = why
        log("error", why)
        return result
    added = sorted(set(found) - set(message))
    processed.state, processed.elapsed = OK, elapsed
    processed.detail = "processed" + (f"; the processor added {', '.join(added)}" if added else "")
    stored.state, stored.elapsed = OK, elapsed
    stored.detail = f"stored at {result.timestamp}"
    readable.state, readable.elapsed = OK, elapsed
    readable.detail = f"the hot reader {reader} returns the record"
    log("info", readable.detail)
    return result
