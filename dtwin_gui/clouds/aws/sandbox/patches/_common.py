"""Helpers shared by the patch modules: which service a request is for, replies, the log."""

from __future__ import annotations

import json
import logging
import re
import threading
from datetime import UTC, datetime

from dtwin_gui.clouds.aws.sandbox.gateway import Request, Response

logger = logging.getLogger("dtwin_gui.sandbox")

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request")

_LOG_LOCK = threading.Lock()

#: Entries kept in ``emulator.sandbox_log`` (the oldest are dropped past this).
LOG_LIMIT = 5000


def service_of(request: Request) -> str | None:
    """The signing name in the request's SigV4 credential scope (``iot``, ``iotdata``...)."""
    auth = next((v for k, v in request.headers.items() if k.lower() == "authorization"), "")
    match = _SCOPE.search(auth)
    return match.group("service") if match else None


def header(request: Request, name: str) -> str | None:
    """A request header, looked up case-insensitively."""
    name = name.lower()
    return next((v for k, v in request.headers.items() if k.lower() == name), None)


def json_response(status: int, payload: object, content_type: str = "application/json"):
    return Response(status, json.dumps(payload).encode(), {"Content-Type": content_type})


def rest_error(status: int, code: str, message: str) -> Response:
    """An error the way REST-JSON services (IoT, Scheduler) send it."""
    return Response(
        status,
        json.dumps({"message": message}).encode(),
        {"X-Amzn-ErrorType": code, "Content-Type": "application/json"},
    )


def sandbox_log(emulator, source: str, message: str, **fields) -> dict:
    """Append an entry to ``emulator.sandbox_log`` (a list of dicts) and to logging.

    Entries carry ``seq`` (increasing from 0), ``time`` (wall clock), ``source`` and
    ``message``, plus ``fields``; ``level: "warning"`` marks problems.
    """
    state = emulator.__dict__
    with _LOG_LOCK:
        seq = state.get("sandbox_log_next", 0)
        state["sandbox_log_next"] = seq + 1
    entry = {
        "seq": seq,
        "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "source": source,
        "message": message,
        **fields,
    }
    with _LOG_LOCK:
        log = state.setdefault("sandbox_log", [])
        log.append(entry)
        if len(log) > LOG_LIMIT:
            del log[: len(log) - LOG_LIMIT]
    level = logging.WARNING if fields.get("level") == "warning" else logging.INFO
    logger.log(level, "[%s] %s", source, message)
    return entry


def invoke_function(
    gateway, function: str, event: object, *, region: str, asynchronous: bool
) -> tuple[bool, object]:
    """Invoke a Lambda function (name or ARN) through the gateway, i.e. run its code.

    In process (:meth:`Gateway.invoke_function`): the same lookup and function host as an
    ``Invoke`` request, without an HTTP round trip. Returns ``(ok, result)``: the function's
    result (or Lambda's error object) for a synchronous call; ``None`` for an accepted
    asynchronous one.
    """
    return gateway.invoke_function(function, event, region=region, asynchronous=asynchronous)
