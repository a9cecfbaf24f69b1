"""The L3 hot reader as an HTTP function (Azure Functions, Google Cloud Functions): plain
JSON GET queries and signed hot-query glue (POST).

``fn`` is the cloud's function object: ``hot_store()``, ``env`` / ``environ`` (its settings)
and ``config`` (the baked function config). The handler takes ``(method, headers, body,
params, raw query string)`` and returns ``(status, json, headers)``.
"""

from __future__ import annotations

from dtwin_gui.runtime.core.hot_read import DEFAULT_MAX_PAGE, BadRequest, answer, query

JSON = {"Content-Type": "application/json"}


def hot_reader(fn):
    store = fn.hot_store()
    max_page = int(fn.env.get("DTWIN_MAX_PAGE_SIZE") or DEFAULT_MAX_PAGE)
    secret = fn.env.get("DTWIN_GLUE_SECRET")
    receiver = None
    if secret:
        from dtwin_gui.runtime.core.glue import BadPayload, Receiver

        def hot_query(payload, envelope):
            try:
                return answer(store, payload, fn.config, max_page)
            except BadRequest as exc:
                raise BadPayload(str(exc)) from None

        receiver = Receiver.from_env({"hot-query": hot_query}, fn.environ, log=fn.log)

    def plain(params: dict) -> tuple[int, dict]:
        params = dict(params)
        if isinstance(params.get("properties"), str):
            params["properties"] = [p for p in params["properties"].split(",") if p]
        try:
            if params.pop("latest", None) is not None:
                ids = params.get("device_ids", "").split(",")
                return 200, answer(store, {"op": "latest", "device_ids": ids}, fn.config, max_page)
            return 200, query(store, params, max_page)
        except BadRequest as exc:
            return 400, {"status": "error", "error": str(exc)}

    def handle(method, headers, body, params, query=""):
        if method == "GET":
            if secret:  # remote readers exist: GET queries are signed too (raw query string)
                from dtwin_gui.runtime.core.glue import AuthError, receiver_secrets, verify

                try:
                    verify(headers, query.encode("utf-8"), receiver_secrets(fn.environ))
                except AuthError as exc:
                    return 401, {"status": "error", "error": f"unauthorized: {exc.reason}"}, JSON
            status, reply = plain(params)
            return status, reply, JSON
        if receiver is None:
            return 404, {"status": "error", "error": "no remote readers here"}, JSON
        from dtwin_gui.runtime.core.glue import response_headers

        status, reply = receiver.handle(method, headers, body)
        return status, reply, {**JSON, **response_headers(status)}

    return handle
