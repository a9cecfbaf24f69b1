"""L3 hot→cold mover (scheduled): aged records into JSON Lines objects, write before delete."""

from dtwin_gui.runtime.aws.handlers.common import Function, event_time
from dtwin_gui.runtime.core.movers import move_hot_to_cold

FUNCTION = Function("hot-to-cold-mover")
HOT = FUNCTION.hot_store()


def _cold():
    if FUNCTION.env.get("DTWIN_COLD_STORE"):
        return FUNCTION.cold_store()
    from dtwin_gui.runtime.core.glue import RemoteObjectWriter

    return RemoteObjectWriter(FUNCTION.sender("COLD_WRITER", "L3_hot"), "cold-chunk")


COLD = _cold()


def handler(event, context):
    report = move_hot_to_cold(
        HOT,
        COLD,
        now=event_time(event),
        hot_days=int(FUNCTION.env["DTWIN_HOT_DAYS"]),
        log=FUNCTION.log,
    )
    return report.to_json()
