"""Amazon Managed Grafana emulation, the routing: control-plane paths to operations, the hook."""

from __future__ import annotations

import json
import re
import threading
from urllib.parse import unquote

from dtwin_gui.clouds.aws.sandbox.gateway import Request, Response
from dtwin_gui.clouds.aws.sandbox.patches.grafana.api import GrafanaBackend
from dtwin_gui.clouds.aws.sandbox.patches.grafana.http_api import handle_http
from dtwin_gui.clouds.aws.sandbox.patches.grafana.model import (
    GRAFANA_VERSIONS,
    HTTP_PREFIX,
    ApiError,
)

_SERVICE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/(?P<service>[^/]+)/")


_W = r"^/workspaces/(?P<ws>[^/]+)"
ROUTES: list[tuple[str, re.Pattern, str]] = [
    ("POST", re.compile(r"^/workspaces$"), "create_workspace"),
    ("GET", re.compile(r"^/workspaces$"), "list_workspaces"),
    ("GET", re.compile(r"^/versions$"), "list_versions"),
    ("GET", re.compile(r"^/tags/(?P<arn>.+)$"), "list_tags"),
    ("POST", re.compile(r"^/tags/(?P<arn>.+)$"), "tag_resource"),
    ("DELETE", re.compile(r"^/tags/(?P<arn>.+)$"), "untag_resource"),
    ("GET", re.compile(_W + "$"), "describe_workspace"),
    ("PUT", re.compile(_W + "$"), "update_workspace"),
    ("DELETE", re.compile(_W + "$"), "delete_workspace"),
    ("GET", re.compile(_W + "/configuration$"), "describe_configuration"),
    ("PUT", re.compile(_W + "/configuration$"), "update_configuration"),
    ("GET", re.compile(_W + "/authentication$"), "describe_authentication"),
    ("POST", re.compile(_W + "/authentication$"), "update_authentication"),
    ("GET", re.compile(_W + "/permissions$"), "list_permissions"),
    ("PATCH", re.compile(_W + "/permissions$"), "update_permissions"),
    ("POST", re.compile(_W + "/apikeys$"), "create_api_key"),
    ("DELETE", re.compile(_W + "/apikeys/(?P<key>[^/]+)$"), "delete_api_key"),
    ("POST", re.compile(_W + "/serviceaccounts$"), "create_service_account"),
    ("GET", re.compile(_W + "/serviceaccounts$"), "list_service_accounts"),
    ("DELETE", re.compile(_W + "/serviceaccounts/(?P<sa>[^/]+)$"), "delete_service_account"),
    ("POST", re.compile(_W + "/serviceaccounts/(?P<sa>[^/]+)/tokens$"), "create_token"),
    ("GET", re.compile(_W + "/serviceaccounts/(?P<sa>[^/]+)/tokens$"), "list_tokens"),
    (
        "DELETE",
        re.compile(_W + "/serviceaccounts/(?P<sa>[^/]+)/tokens/(?P<token>[^/]+)$"),
        "delete_token",
    ),
]
#: HTTP status of each operation's success in the service model (the rest answer 200).
ACCEPTED = {"create_workspace", "delete_workspace", "update_workspace", "update_configuration"}


def _control(backend: GrafanaBackend, name: str, p: dict, request: Request, body: dict) -> dict:
    q = request.query
    ws = p.get("ws", "")
    simple = {
        "describe_workspace": lambda: {"workspace": backend.describe(backend.workspace(ws))},
        "create_workspace": lambda: backend.create_workspace(body),
        "list_workspaces": lambda: backend.list_workspaces(q),
        "list_versions": lambda: {"grafanaVersions": list(GRAFANA_VERSIONS)},
        "list_tags": lambda: backend.list_tags(p["arn"]),
        "tag_resource": lambda: backend.tag_resource(p["arn"], body),
        "untag_resource": lambda: backend.untag_resource(
            p["arn"], [q["tagKeys"]] if q.get("tagKeys") else []
        ),
        "update_workspace": lambda: backend.update_workspace(ws, body),
        "delete_workspace": lambda: backend.delete_workspace(ws),
        "describe_configuration": lambda: backend.describe_configuration(ws),
        "update_configuration": lambda: backend.update_configuration(ws, body),
        "describe_authentication": lambda: backend.describe_authentication(ws),
        "update_authentication": lambda: backend.update_authentication(ws, body),
        "list_permissions": lambda: backend.list_permissions(ws, q),
        "update_permissions": lambda: backend.update_permissions(ws, body),
        "create_api_key": lambda: backend.create_api_key(ws, body),
        "delete_api_key": lambda: backend.delete_api_key(ws, p["key"]),
        "create_service_account": lambda: backend.create_service_account(ws, body),
        "list_service_accounts": lambda: backend.list_service_accounts(ws, q),
        "delete_service_account": lambda: backend.delete_service_account(ws, p["sa"]),
        "create_token": lambda: backend.create_token(ws, p["sa"], body),
        "list_tokens": lambda: backend.list_tokens(ws, p["sa"], q),
        "delete_token": lambda: backend.delete_token(ws, p["sa"], p["token"]),
    }
    with backend.lock:
        return simple[name]()


def _aws_json(status: int, data: dict, code: str | None = None) -> Response:
    headers = {"Content-Type": "application/json"}
    if code:
        headers["X-Amzn-ErrorType"] = code
    return Response(status, json.dumps(data).encode(), headers)


def handle_control(backend: GrafanaBackend, request: Request) -> Response:
    """Answer one Managed Grafana control-plane request."""
    try:
        body = json.loads(request.body) if request.body else {}
    except ValueError:
        return _aws_json(400, {"message": "the request body is not JSON"}, "ValidationException")
    for method, pattern, name in ROUTES:
        match = pattern.match(request.path)
        if match and method == request.method:
            params = {k: unquote(v) for k, v in match.groupdict().items()}
            try:
                data = _control(backend, name, params, request, body)
            except ApiError as exc:
                return _aws_json(exc.status, {"message": str(exc)}, exc.code)
            return _aws_json(202 if name in ACCEPTED else 200, data)
    message = f"sandbox: Managed Grafana {request.method} {request.path} is not emulated"
    return _aws_json(501, {"message": message}, "NotImplementedException")


def is_grafana(request: Request) -> bool:
    match = _SERVICE.search(request.headers.get("Authorization", ""))
    return bool(match) and match.group("service") == "grafana"


def install(gateway, emulator) -> dict[str, GrafanaBackend]:
    """Answer Managed Grafana control-plane calls and each workspace's Grafana HTTP API.

    Returns the backends by region (created on first use), for inspection in tests.
    """
    backends: dict[str, GrafanaBackend] = {}
    guard = threading.RLock()

    def interceptor(request: Request) -> Response | None:
        if request.path.startswith(HTTP_PREFIX):
            return handle_http(backends, request, guard)
        if not is_grafana(request):
            return None
        base = gateway.url.split("://", 1)[-1]
        with guard:
            backend = backends.setdefault(request.region, GrafanaBackend(request.region, base))
        return handle_control(backend, request)

    gateway.add_interceptor(interceptor)
    return backends
