"""L2 persister: hot storage (here or on another cloud), then event checking and twin updates."""

from dtwin_gui.runtime.aws.handlers.common import Function
from dtwin_gui.runtime.core.persist import persist

FUNCTION = Function("persister")


def _hot():
    if FUNCTION.env.get("DTWIN_HOT_STORE"):
        return FUNCTION.hot_store(ttl_days=_ttl_days())
    from dtwin_gui.runtime.core.glue import RemoteHotWriter

    return RemoteHotWriter(FUNCTION.sender("HOT_WRITER", "L2"))


def _ttl_days():
    value = FUNCTION.env.get("DTWIN_HOT_TTL_DAYS")
    return int(value) if value else None


def _twin_update():
    if not FUNCTION.env.get("DTWIN_TWIN_UPDATE_URL"):
        return None
    from dtwin_gui.runtime.core.glue import RemoteTwinUpdater

    return RemoteTwinUpdater(FUNCTION.sender("TWIN_UPDATE", "L2"))


HOT = _hot()
TWIN_UPDATE = _twin_update()


def handler(event, context):
    return persist(
        event,
        hot=HOT,
        invoker=FUNCTION.invoker,
        event_checker=FUNCTION.env.get("DTWIN_EVENT_CHECKER_FUNCTION"),
        twin_update=TWIN_UPDATE,
        log=FUNCTION.log,
    )
