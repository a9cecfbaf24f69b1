"""L4/L5 hot reader proxy: TwinMaker or Grafana here, hot storage on another cloud.

Each query is signed as from the layer that asked (``glue_remote.proxy_caller``): TwinMaker's
data reader requests as L4, Grafana's HTTP queries as L5."""

from dtwin_gui.runtime.aws.handlers.common import Function, http_reply, is_http_event
from dtwin_gui.runtime.core.glue import RemoteHotReader
from dtwin_gui.runtime.core.glue_remote import DASHBOARDS, TWIN_MODEL, proxy_caller

FUNCTION = Function("hot-reader-proxy")
READERS = {
    layer: RemoteHotReader(FUNCTION.sender("REMOTE", layer)) for layer in (TWIN_MODEL, DASHBOARDS)
}


def handler(event, context):
    if is_http_event(event):
        params = dict(event.get("queryStringParameters") or {})
        if isinstance(params.get("properties"), str):
            params["properties"] = [p for p in params["properties"].split(",") if p]
        return http_reply(200, READERS[DASHBOARDS].query({"op": "query", "params": params}))
    if isinstance(event, dict) and "op" in event:
        return READERS[proxy_caller(event)].query(event)
    return READERS[TWIN_MODEL].query({"op": "twinmaker", "request": event})
