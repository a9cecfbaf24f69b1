"""The persister (L2): store a processed record, then tell the event checker and the twin.

The hot writer is the local store or a remote writer on the L3-hot cloud — the same
:class:`~dtwin_gui.runtime.core.ports.HotWriter` protocol either way. A failed hot write
raises, so the platform retries (the write is idempotent on device and timestamp). The later
steps run only after the record is stored; a failure there is logged and reported in the
result instead of raised, because a retry would run the event actions a second time.
"""

from __future__ import annotations

from dtwin_gui.runtime.core.log import FunctionLog
from dtwin_gui.runtime.core.ports import HotWriter, Invoker
from dtwin_gui.runtime.core.records import check_record


def persist(
    record: dict,
    *,
    hot: HotWriter,
    invoker: Invoker | None = None,
    event_checker: str | None = None,
    twin_update: HotWriter | None = None,
    log: FunctionLog | None = None,
) -> dict:
    """Write ``record`` to hot storage, then hand it on; returns what was done.

    Result: ``{"status": "persisted"|"partial", "device_id", "trace_id", "hot": True,
    "event_checker": name|None, "twin_update": bool, "errors": [...]}``.
    """
    check_record(record)
    if event_checker and invoker is None:
        raise ValueError("an event checker is configured but no invoker was given")
    device_id, trace_id = record["device_id"], record.get("trace_id")
    hot.put(record)
    result: dict = {
        "status": "persisted",
        "device_id": device_id,
        "trace_id": trace_id,
        "hot": True,
        "event_checker": None,
        "twin_update": False,
        "errors": [],
    }

    def failed(step: str, exc: Exception) -> None:
        text = f"{step}: {type(exc).__name__}: {exc}"
        result["errors"].append(text)
        result["status"] = "partial"
        if log is not None:
            log.error(
                "persist-step-failed",
                f"the record is stored but {text}",
                device_id=device_id,
                trace_id=trace_id,
                step=step,
            )

    if event_checker:
        try:
            invoker.invoke(event_checker, record, wait=False)
            result["event_checker"] = event_checker
        except Exception as exc:
            failed(f"handing the record to {event_checker} failed", exc)
    if twin_update is not None:
        try:
            twin_update.put(record)
            result["twin_update"] = True
        except Exception as exc:
            failed("updating the twin failed", exc)
    if log is not None and not result["errors"]:
        log.debug("persisted", "record stored", device_id=device_id, trace_id=trace_id)
    return result
