"""L3 hot writer receiver: records from a persister on another cloud."""

from dtwin_gui.runtime.aws.handlers.common import Function, receive
from dtwin_gui.runtime.core.glue import record_payload

FUNCTION = Function("hot-writer")
_TTL = FUNCTION.env.get("DTWIN_HOT_TTL_DAYS")
STORE = FUNCTION.hot_store(ttl_days=int(_TTL) if _TTL else None)


def _telemetry(payload, envelope):
    record = record_payload(payload)
    STORE.put(record)
    return {"device_id": record["device_id"], "timestamp": record["timestamp"]}


def handler(event, context):
    return receive(FUNCTION, event, {"telemetry": _telemetry})
