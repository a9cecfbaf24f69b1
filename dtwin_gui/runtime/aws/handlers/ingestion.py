"""L2 ingestion receiver: telemetry from the L1 cloud, dispatched to the processors here."""

from dtwin_gui.runtime.aws.handlers.common import Function, receive
from dtwin_gui.runtime.core.dispatch import dispatch

FUNCTION = Function("ingestion")


def _telemetry(payload, envelope):
    result = dispatch(payload, FUNCTION.config, FUNCTION.invoker, FUNCTION.log)
    if result["status"] != "routed":
        from dtwin_gui.runtime.core.glue import BadPayload

        raise BadPayload(result["reason"])
    return result


def handler(event, context):
    return receive(FUNCTION, event, {"telemetry": _telemetry})
