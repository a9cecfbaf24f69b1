"""L3 hot reader: a plain JSON API (Function URL GET), signed hot-query glue (Function URL
POST from another cloud), and the IoT TwinMaker data connector (direct invoke)."""

from dtwin_gui.runtime.aws.handlers.common import (
    Function,
    http_parts,
    http_reply,
    is_http_event,
    receive,
)
from dtwin_gui.runtime.core.hot_read import DEFAULT_MAX_PAGE, BadRequest, answer, query

FUNCTION = Function("hot-reader")
STORE = FUNCTION.hot_store()
MAX_PAGE = int(FUNCTION.env.get("DTWIN_MAX_PAGE_SIZE") or DEFAULT_MAX_PAGE)


def _hot_query(payload, envelope):
    try:
        return answer(STORE, payload, FUNCTION.config, MAX_PAGE)
    except BadRequest as exc:
        from dtwin_gui.runtime.core.glue import BadPayload

        raise BadPayload(str(exc)) from None


def _plain_query(event: dict) -> dict:
    params = dict(event.get("queryStringParameters") or {})
    if isinstance(params.get("properties"), str):
        params["properties"] = [p for p in params["properties"].split(",") if p]
    try:
        if params.pop("latest", None) is not None:
            return http_reply(
                200,
                answer(
                    STORE,
                    {"op": "latest", "device_ids": params.get("device_ids", "").split(",")},
                    FUNCTION.config,
                    MAX_PAGE,
                ),
            )
        return http_reply(200, query(STORE, params, MAX_PAGE))
    except BadRequest as exc:
        return http_reply(400, {"status": "error", "error": str(exc)})


def _refuse_unsigned_get(event: dict) -> dict | None:
    """When remote readers exist, the Function URL is public (auth NONE): then plain GET
    queries must be signed too, with the raw query string as the signed body."""
    if not FUNCTION.env.get("DTWIN_GLUE_SECRET"):
        return None  # the URL is protected by AWS IAM
    import os

    from dtwin_gui.runtime.core.glue import AuthError, receiver_secrets, verify

    query = (event.get("rawQueryString") or "").encode("utf-8")
    try:
        verify(event.get("headers") or {}, query, receiver_secrets(os.environ))
    except AuthError as exc:
        FUNCTION.log.warning("unauthorized", f"unsigned hot-reader query refused: {exc.reason}")
        return http_reply(401, {"status": "error", "error": f"unauthorized: {exc.reason}"})
    return None


def handler(event, context):
    if is_http_event(event):
        method, _, _ = http_parts(event)
        if method == "GET":
            refused = _refuse_unsigned_get(event)
            return refused or _plain_query(event)
        if not FUNCTION.env.get("DTWIN_GLUE_SECRET"):
            return http_reply(404, {"status": "error", "error": "no remote readers here"})
        return receive(FUNCTION, event, {"hot-query": _hot_query})
    if isinstance(event, dict) and "op" in event:
        return answer(STORE, event, FUNCTION.config, MAX_PAGE)
    # IoT TwinMaker calls the data connector with its own request shape.
    return answer(STORE, {"op": "twinmaker", "request": event}, FUNCTION.config, MAX_PAGE)
