"""L3 cold→archive mover (scheduled): aged objects into the archive, write before delete."""

from dtwin_gui.runtime.aws.handlers.common import Function, event_time
from dtwin_gui.runtime.core.movers import move_cold_to_archive

FUNCTION = Function("cold-to-archive-mover")
COLD = FUNCTION.cold_store()


def _archive():
    if FUNCTION.env.get("DTWIN_ARCHIVE_STORE"):
        return FUNCTION.archive_store()
    from dtwin_gui.runtime.core.glue import RemoteObjectWriter

    return RemoteObjectWriter(FUNCTION.sender("ARCHIVE_WRITER", "L3_cold"), "archive-object")


ARCHIVE = _archive()


def handler(event, context):
    report = move_cold_to_archive(
        COLD,
        ARCHIVE,
        now=event_time(event),
        cold_days=int(FUNCTION.env["DTWIN_COLD_DAYS"]),
        log=FUNCTION.log,
    )
    return report.to_json()
