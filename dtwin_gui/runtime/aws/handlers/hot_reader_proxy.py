"""L4/L5 hot reader proxy: TwinMaker or Grafana here, hot storage on another cloud."""

from dtwin_gui.runtime.aws.handlers.common import Function, http_reply, is_http_event
from dtwin_gui.runtime.core.glue import RemoteHotReader

FUNCTION = Function("hot-reader-proxy")
READER = RemoteHotReader(FUNCTION.sender("REMOTE", "L4"))


def handler(event, context):
    if is_http_event(event):
        params = dict(event.get("queryStringParameters") or {})
        if isinstance(params.get("properties"), str):
            params["properties"] = [p for p in params["properties"].split(",") if p]
        return http_reply(200, READER.query({"op": "query", "params": params}))
    if isinstance(event, dict) and "op" in event:
        return READER.query(event)
    return READER.query({"op": "twinmaker", "request": event})
