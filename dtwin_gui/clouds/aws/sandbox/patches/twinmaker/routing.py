"""IoT TwinMaker emulation, the routing: REST paths to operations, and the gateway hook."""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
from urllib.parse import quote, unquote

from dtwin_gui.clouds.aws.sandbox.gateway import Request, Response
from dtwin_gui.clouds.aws.sandbox.patches.twinmaker.api import TwinMakerBackend
from dtwin_gui.clouds.aws.sandbox.patches.twinmaker.model import ApiError

_SERVICE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/(?P<service>[^/]+)/")


_W = r"/workspaces/(?P<ws>[^/]+)"
ROUTES: list[tuple[str, re.Pattern, str]] = [
    ("POST", re.compile(r"^/workspaces-list$"), "list_workspaces"),
    ("POST", re.compile(r"^/tags$"), "tag_resource"),
    ("POST", re.compile(r"^/tags-list$"), "list_tags"),
    ("DELETE", re.compile(r"^/tags$"), "untag_resource"),
    ("POST", re.compile(_W + r"/component-types-list$"), "list_component_types"),
    ("POST", re.compile(_W + r"/entities-list$"), "list_entities"),
    ("POST", re.compile(_W + r"/entity-properties/history$"), "get_property_value_history"),
    ("POST", re.compile(_W + r"/entities$"), "create_entity"),
    ("GET", re.compile(_W + r"/entities/(?P<entity>[^/]+)$"), "get_entity"),
    ("PUT", re.compile(_W + r"/entities/(?P<entity>[^/]+)$"), "update_entity"),
    ("DELETE", re.compile(_W + r"/entities/(?P<entity>[^/]+)$"), "delete_entity"),
    ("POST", re.compile(_W + r"/component-types/(?P<ctype>[^/]+)$"), "create_component_type"),
    ("GET", re.compile(_W + r"/component-types/(?P<ctype>[^/]+)$"), "get_component_type"),
    ("PUT", re.compile(_W + r"/component-types/(?P<ctype>[^/]+)$"), "update_component_type"),
    ("DELETE", re.compile(_W + r"/component-types/(?P<ctype>[^/]+)$"), "delete_component_type"),
    ("POST", re.compile(_W + "$"), "create_workspace"),
    ("GET", re.compile(_W + "$"), "get_workspace"),
    ("PUT", re.compile(_W + "$"), "update_workspace"),
    ("DELETE", re.compile(_W + "$"), "delete_workspace"),
]


def is_twinmaker(request: Request) -> bool:
    match = _SERVICE.search(request.headers.get("Authorization", ""))
    return bool(match) and match.group("service") == "iottwinmaker"


def _call(backend: TwinMakerBackend, name: str, params: dict, request: Request, body: dict):
    ws, ctype, entity = params.get("ws"), params.get("ctype"), params.get("entity")
    if name == "get_property_value_history":  # invokes a function: must not hold the lock
        return backend.get_property_value_history(ws, body)
    with backend.lock:
        if name in ("list_workspaces", "tag_resource", "list_tags"):
            return getattr(backend, name)(body)
        if name == "untag_resource":
            keys = request.query.get("tagKeys")
            return backend.untag_resource(
                request.query.get("resourceARN", ""), [keys] if keys else []
            )
        if name in ("get_workspace", "delete_workspace"):
            return getattr(backend, name)(ws)
        if name in (
            "create_workspace",
            "update_workspace",
            "list_component_types",
            "list_entities",
            "create_entity",
        ):
            return getattr(backend, name)(ws, body)
        if name in ("get_component_type", "delete_component_type"):
            return getattr(backend, name)(ws, ctype)
        if name in ("create_component_type", "update_component_type"):
            return getattr(backend, name)(ws, ctype, body)
        if name == "get_entity":
            return backend.get_entity(ws, entity)
        if name == "update_entity":
            return backend.update_entity(ws, entity, body)
        if name == "delete_entity":
            recursive = request.query.get("isRecursive", "false").lower() == "true"
            return backend.delete_entity(ws, entity, recursive)
    raise ApiError("NotImplementedException", f"sandbox: {name} is not emulated")


def _json(status: int, data: dict, code: str | None = None) -> Response:
    headers = {"Content-Type": "application/json"}
    if code:
        headers["X-Amzn-ErrorType"] = code
    return Response(status, json.dumps(data).encode(), headers)


def handle(backend: TwinMakerBackend, request: Request) -> Response:
    """Answer one TwinMaker REST request."""
    try:
        body = json.loads(request.body) if request.body else {}
    except ValueError:
        return _json(400, {"message": "the request body is not JSON"}, "ValidationException")
    for method, pattern, name in ROUTES:
        match = pattern.match(request.path)
        if match and method == request.method:
            params = {k: unquote(v) for k, v in match.groupdict().items()}
            try:
                return _json(200, _call(backend, name, params, request, body))
            except ApiError as exc:
                return _json(exc.status, {"message": str(exc)}, exc.code)
    message = f"sandbox: TwinMaker {request.method} {request.path} is not emulated"
    return _json(501, {"message": message}, "NotImplementedException")


def install(gateway, emulator) -> dict[str, TwinMakerBackend]:
    """Answer TwinMaker requests at the gateway; data readers run in the function host.

    Returns the backends by region (created on first use), for inspection in tests.
    """

    def invoke(arn: str, event: dict) -> tuple[bool, object]:
        url = f"{gateway.url}/2015-03-31/functions/{quote(arn, safe='')}/invocations"
        call = urllib.request.Request(url, data=json.dumps(event).encode(), method="POST")
        call.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(call, timeout=120) as reply:
                payload = json.loads(reply.read() or b"null")
                return reply.headers.get("X-Amz-Function-Error") is None, payload
        except urllib.error.HTTPError as exc:
            with exc:
                return False, {"errorMessage": f"HTTP {exc.code}: {exc.read()[:200]!r}"}
        except (urllib.error.URLError, TimeoutError) as exc:
            return False, {"errorMessage": str(exc)}

    backends: dict[str, TwinMakerBackend] = {}
    guard = threading.Lock()

    def interceptor(request: Request) -> Response | None:
        if not is_twinmaker(request):
            return None
        with guard:
            backend = backends.setdefault(request.region, TwinMakerBackend(request.region, invoke))
        return handle(backend, request)

    gateway.add_interceptor(interceptor)
    return backends
