"""L1 dispatcher: the IoT topic rule hands it each telemetry message."""

from dtwin_gui.runtime.aws.handlers.common import Function
from dtwin_gui.runtime.core.dispatch import dispatch

FUNCTION = Function("dispatcher")


def handler(event, context):
    return dispatch(
        event,
        FUNCTION.config,
        FUNCTION.invoker,
        FUNCTION.log,
        connector=FUNCTION.env.get("DTWIN_CONNECTOR_FUNCTION"),
    )
