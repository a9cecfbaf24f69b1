"""L3 cold writer receiver: chunks from a hot→cold mover on another cloud (merged per day)."""

from dtwin_gui.runtime.aws.handlers.common import Function, receive
from dtwin_gui.runtime.core.glue import object_payload
from dtwin_gui.runtime.core.movers import store_chunk
from dtwin_gui.runtime.core.objects import decode_chunk

FUNCTION = Function("cold-writer")
STORE = FUNCTION.cold_store()


def _chunk(payload, envelope):
    key, data = object_payload(payload)
    records = decode_chunk(data)
    if not records:
        from dtwin_gui.runtime.core.glue import BadPayload

        raise BadPayload(f"object {key!r} holds no records")
    written, superseded = store_chunk(STORE, records)
    return {"key": written, "records": len(records), "merged": superseded}


def handler(event, context):
    return receive(FUNCTION, event, {"cold-chunk": _chunk})
