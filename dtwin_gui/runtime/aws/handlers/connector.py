"""L1 connector: forwards records to the ingestion receiver on the L2 cloud."""

from dtwin_gui.runtime.aws.handlers.common import Function

FUNCTION = Function("connector")
SENDER = FUNCTION.sender("REMOTE", "L1")


def handler(event, context):
    reply = SENDER.send("telemetry", event, trace_id=event.get("trace_id"))
    FUNCTION.log.debug(
        "forwarded",
        "record forwarded to L2",
        trace_id=event.get("trace_id"),
        device_id=event.get("device_id"),
    )
    return reply
