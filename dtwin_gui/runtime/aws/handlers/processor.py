"""L2 processor wrapper: the user's process(event) for one device, then the persister."""

from dtwin_gui.runtime.aws.handlers.common import Function
from dtwin_gui.runtime.core.processing import load_processor, processor_handler

FUNCTION = Function("processor")
PROCESS = load_processor(FUNCTION.user_file("process.py"))


def handler(event, context):
    return processor_handler(
        event,
        PROCESS,
        device_id=FUNCTION.config.device_id,
        persister=FUNCTION.env["DTWIN_PERSISTER_FUNCTION"],
        invoker=FUNCTION.invoker,
        log=FUNCTION.log,
    )
