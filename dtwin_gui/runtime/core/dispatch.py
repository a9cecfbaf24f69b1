"""The dispatcher (L1): normalise a device message and hand it to its device's processor.

When processing (L2) runs on another cloud, the dispatcher forwards to the connector function
instead, which posts the record to the ingestion receiver on the L2 cloud. A message from a
device the twin does not know is rejected — logged with the device and the reason — never
dropped silently.
"""

from __future__ import annotations

from dtwin_gui.runtime.core.function_config import FunctionConfig
from dtwin_gui.runtime.core.log import FunctionLog
from dtwin_gui.runtime.core.ports import Invoker
from dtwin_gui.runtime.core.records import RecordError, new_trace_id, normalise_record


class UnknownDevice(LookupError):
    """A record from a device that is not part of the twin; the message says so."""

    def __init__(self, device_id: str, known: list[str]) -> None:
        listed = ", ".join(sorted(known)) or "none"
        super().__init__(
            f"device {device_id!r} is not part of this twin (known devices: {listed}); "
            "its message is rejected"
        )
        self.device_id = device_id


def route(record: dict, config: FunctionConfig) -> str:
    """The deployed processor function of the record's device, or :class:`UnknownDevice`."""
    device_id = record.get("device_id")
    target = config.routes.get(device_id) if isinstance(device_id, str) else None
    if target is None:
        raise UnknownDevice(str(device_id), list(config.routes))
    return target


def _known(device_id: str, config: FunctionConfig) -> None:
    """When forwarding to another cloud there are no local routes: check the device list."""
    if device_id not in config.devices and device_id not in config.routes:
        raise UnknownDevice(device_id, sorted(set(config.devices) | set(config.routes)))


def _message_ids(message: object) -> tuple[str | None, str]:
    """Device and trace id of a message that failed normalisation (for the log)."""
    if not isinstance(message, dict):
        return None, new_trace_id()
    device = message.get("device_id", message.get("iotDeviceId"))
    trace = message.get("trace_id")
    return (
        device if isinstance(device, str) else None,
        trace if isinstance(trace, str) and trace else new_trace_id(),
    )


def dispatch(
    message: object,
    config: FunctionConfig,
    invoker: Invoker,
    log: FunctionLog,
    *,
    connector: str | None = None,
    now: str | None = None,
) -> dict:
    """Normalise ``message``, route it and invoke its processor asynchronously.

    With ``connector`` (L2 on another cloud) the record is forwarded to that function.
    Returns ``{"status": "routed", "device_id", "trace_id", "target"}`` or
    ``{"status": "rejected", "device_id", "trace_id", "reason"}``. A failing invocation is
    logged and re-raised so the platform retries the message.
    """
    try:
        record = normalise_record(message, now=now)
        if connector:
            _known(record["device_id"], config)
            target = connector
        else:
            target = route(record, config)
    except (RecordError, UnknownDevice) as exc:
        if isinstance(exc, UnknownDevice):
            device_id, trace_id = exc.device_id, record["trace_id"]
        else:
            device_id, trace_id = _message_ids(message)
        reason = str(exc)
        log.warning("rejected", reason, device_id=device_id, trace_id=trace_id)
        return {
            "status": "rejected",
            "device_id": device_id,
            "trace_id": trace_id,
            "reason": reason,
        }
    device_id, trace_id = record["device_id"], record["trace_id"]
    try:
        invoker.invoke(target, record, wait=False)
    except Exception as exc:
        log.error(
            "invoke-failed",
            f"could not hand the record to {target}: {type(exc).__name__}: {exc}",
            device_id=device_id,
            trace_id=trace_id,
            target=target,
        )
        raise
    log.debug("routed", f"record routed to {target}", device_id=device_id, trace_id=trace_id)
    return {"status": "routed", "device_id": device_id, "trace_id": trace_id, "target": target}
