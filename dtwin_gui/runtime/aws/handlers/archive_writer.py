"""L3 archive writer receiver: objects from a cold→archive mover on another cloud."""

from dtwin_gui.runtime.aws.handlers.common import Function, receive
from dtwin_gui.runtime.core.glue import object_payload

FUNCTION = Function("archive-writer")
STORE = FUNCTION.archive_store()


def _object(payload, envelope):
    key, data = object_payload(payload)
    STORE.put(key, data)
    return {"key": key, "size": len(data)}


def handler(event, context):
    return receive(FUNCTION, event, {"archive-object": _object})
