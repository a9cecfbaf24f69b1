"""Send ONE test telemetry message and follow it through the layers of the twin.

L1 published (IoT Core accepted it) → L2 processed and L3 hot stored (the record with the
message's trace id appears in the hot table) → L4 readable (the hot reader answers it, as
TwinMaker's data connector calls it) → L3 cold / archive: moved later by the scheduled movers.

Takes the target, the Terraform outputs and the project explicitly (not a Deployment), so it
works for any twin whose names it can find. Blocking, with an overall timeout: call it on a
worker thread.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime

from dtwin_gui.clouds.aws.connection import AwsConnection
from dtwin_gui.clouds.aws.names import hot_reader_name, hot_table_name
from dtwin_gui.core.project import Project
from dtwin_gui.core.providers import Cloud, Slot
from dtwin_gui.core.run_events import LogEvent, Sink
from dtwin_gui.deploy.simulate import telemetry_topic
from dtwin_gui.deploy.trace import (
    FAILED,
    HOP_STATES,
    OK,
    SKIPPED,
    WAITING,
    TraceError,
    TraceHop,
    TraceResult,
    cannot_trace,
    layer_hops,
    make_test_message,
    skip_rest,
)
from dtwin_gui.runtime.core.records import format_timestamp, new_trace_id

#: Terraform root output naming the hot reader function.
OUT_HOT_READER_FUNCTION = "hot_reader_function_name"

__all__ = [
    "FAILED",
    "HOP_STATES",
    "OK",
    "SKIPPED",
    "WAITING",
    "TraceError",
    "TraceHop",
    "TraceResult",
    "make_test_message",
    "trace_telemetry",
]


def trace_telemetry(
    project: Project,
    target: AwsConnection,
    outputs: dict,
    *,
    device_id: str | None = None,
    sink: Sink | None = None,
    timeout_s: float = 30.0,
    poll_s: float = 0.5,
    cancel: threading.Event | None = None,
    now: datetime | None = None,
) -> TraceResult:
    """Publish one message for ``device_id`` (default: the first device) and trace it."""
    emit = sink or (lambda event: None)
    device, message = make_test_message(project, device_id)
    message["timestamp"] = format_timestamp(now or datetime.now(UTC))
    message["trace_id"] = new_trace_id()
    topic = telemetry_topic(project.twin_name, device)
    result = TraceResult(device, message["trace_id"], message["timestamp"], topic)
    providers = project.providers
    result.hops = layer_hops("Published to IoT Core", "Stored in the hot table")
    published, processed, stored, readable = result.hops[:4]
    started = time.monotonic()
    deadline = started + timeout_s

    def log(level: str, text: str) -> None:
        emit(LogEvent("dtwin", level, f"trace {result.trace_id[:8]}: {text}"))

    # L1 -----------------------------------------------------------------------------------
    if providers.get(Slot.L1) not in (None, Cloud.AWS):
        skip_rest(result.hops, cannot_trace(providers[Slot.L1]))
        return result
    try:
        target.client("iot-data").publish(topic=topic, qos=1, payload=json.dumps(message).encode())
    except Exception as exc:  # botocore raises many types; the user needs the cause
        published.state = FAILED
        published.detail = (
            f"IoT Core refused the message on {topic}: {exc}. Check that the twin is deployed "
            "and the credentials may publish (iot:Publish)."
        )
        published.elapsed = time.monotonic() - started
        log("error", published.detail)
        skip_rest(result.hops, "not reached: the message was not published")
        return result
    published.state, published.elapsed = OK, time.monotonic() - started
    published.detail = f"published on {topic}"
    log("info", published.detail)

    # L2 + L3 hot ---------------------------------------------------------------------------
    if providers.get(Slot.L3_HOT) not in (None, Cloud.AWS):
        skip_rest(result.hops, cannot_trace(providers[Slot.L3_HOT]))
        return result
    table = hot_table_name(outputs, project)
    item = _wait_for_record(target, table, result, deadline, poll_s, cancel)
    elapsed = time.monotonic() - started
    if item is None:
        why = "cancelled" if cancel is not None and cancel.is_set() else f"{timeout_s:g} s"
        processed.state = stored.state = FAILED
        processed.elapsed = stored.elapsed = elapsed
        processed.detail = (
            "no sign of processing: the record did not reach the hot table "
            f"(waited {why}). Check the dispatcher, processor and persister logs."
        )
        stored.detail = f"no record with trace id {result.trace_id} in table {table}"
        log("error", stored.detail)
        skip_rest(result.hops, "not reached: the record never arrived in the hot table")
        return result
    added = sorted(set(item) - set(message) - {"dtwin_expires_at"})
    processed.state, processed.elapsed = OK, elapsed
    processed.detail = "processed" + (f"; the processor added {', '.join(added)}" if added else "")
    stored.state, stored.elapsed = OK, elapsed
    stored.detail = f"in table {table} at {result.timestamp}"
    log("info", f"stored in {table}")

    # L4: the hot reader, as the twin calls it ---------------------------------------------
    readable.detail, readable.state = _read_back(target, outputs, project, result)
    readable.elapsed = time.monotonic() - started
    log("info" if readable.state == OK else "warning", f"hot reader: {readable.detail}")
    return result


def _wait_for_record(target, table, result, deadline, poll_s, cancel) -> dict | None:
    dynamodb = target.client("dynamodb")
    while True:
        try:
            reply = dynamodb.query(
                TableName=table,
                KeyConditionExpression="#d = :d AND #t = :t",
                ExpressionAttributeNames={"#d": "device_id", "#t": "timestamp"},
                ExpressionAttributeValues={
                    ":d": {"S": result.device_id},
                    ":t": {"S": result.timestamp},
                },
            )
        except Exception:  # not there yet, or the table is missing: keep trying until the end
            reply = {}
        for item in reply.get("Items", []):
            if item.get("trace_id", {}).get("S") == result.trace_id:
                return {k: next(iter(v.values())) for k, v in item.items()}
        if time.monotonic() >= deadline or (cancel is not None and cancel.is_set()):
            return None
        time.sleep(poll_s)


def _read_back(target, outputs, project, result) -> tuple[str, str]:
    """Ask the hot reader for the record (a direct invoke, as TwinMaker's connector)."""
    name = hot_reader_name(outputs, project)
    request = {
        "op": "query",
        "params": {
            "device_id": result.device_id,
            "start": result.timestamp,
            "end": result.timestamp,
        },
    }
    try:
        reply = target.client("lambda").invoke(
            FunctionName=name, Payload=json.dumps(request).encode()
        )
        answer = json.loads(reply["Payload"].read() or b"null")
    except Exception as exc:  # botocore raises many types; the user needs the cause
        return f"could not call the hot reader {name}: {exc}", FAILED
    if "FunctionError" in reply or not isinstance(answer, dict):
        return f"the hot reader {name} failed: {answer}", FAILED
    ids = [i.get("trace_id") for i in answer.get("items", []) if isinstance(i, dict)]
    if result.trace_id in ids:
        return f"the hot reader {name} returns the record", OK
    return f"the hot reader {name} does not return the record yet", FAILED
