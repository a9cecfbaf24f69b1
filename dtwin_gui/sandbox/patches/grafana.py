"""Amazon Managed Grafana, emulated in memory (moto has none).

Two faces, as in AWS:

* the control plane (``grafana`` service, rest-json) that Terraform's ``aws_grafana_workspace``
  and our SDK steps call: workspaces (ACTIVE at once, deleted at once), configuration,
  authentication, permissions, tags, API keys, service accounts and their tokens;
* the Grafana HTTP API of each workspace, served by the gateway at
  ``http://127.0.0.1:<port>/_grafana/<workspace-id>/api/...``. ``DescribeWorkspace`` gives
  ``127.0.0.1:<port>/_grafana/<id>`` as the endpoint (AWS: ``<id>.grafana-workspace.<region>
  .amazonaws.com``), so clients build ``<scheme>://<endpoint>/api/...`` the same way for both.
  It serves data sources, dashboards, search, health and the data source proxy, checks the
  ``Bearer`` key (an API key or a service account token of that workspace, not expired) and
  the key's role (Viewer reads, Editor saves dashboards, Admin manages data sources).

Known gap: ``UntagResource`` sees only the last ``tagKeys`` value (the gateway keeps one value
per query parameter).
"""

from __future__ import annotations

import base64
import copy
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import unquote, urlencode

from dtwin_gui.sandbox.gateway import Request, Response

ACCOUNT = "123456789012"
GRAFANA_VERSIONS = ("8.4", "9.4", "10.4")
DEFAULT_VERSION = "10.4"
GRAFANA_BUILD = {"8.4": "8.4.7", "9.4": "9.4.7", "10.4": "10.4.1"}
WORKSPACE_ID = re.compile(r"g-[0-9a-f]{10}")
WORKSPACE_NAME = re.compile(r"[a-zA-Z0-9-._~]{1,255}")
UID = re.compile(r"[a-zA-Z0-9\-_]{1,40}")
ROLES = ("ADMIN", "EDITOR", "VIEWER")
ROLE_RANK = {"VIEWER": 1, "EDITOR": 2, "ADMIN": 3}
HTTP_PREFIX = "/_grafana/"
_SERVICE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/(?P<service>[^/]+)/")

ERROR_STATUS = {
    "ValidationException": 400,
    "AccessDeniedException": 403,
    "ResourceNotFoundException": 404,
    "ConflictException": 409,
    "NotImplementedException": 501,
}


class ApiError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.status = ERROR_STATUS.get(code, 400)


def _validation(message: str) -> ApiError:
    return ApiError("ValidationException", message)


def _now() -> float:
    return round(time.time(), 3)


def _iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


# --------------------------------------------------------------------------- model


@dataclass
class Credential:
    """An API key or a service account token: what a ``Bearer`` header may carry."""

    id: str
    name: str
    key: str
    role: str
    expires: float
    created: float = field(default_factory=_now)

    @property
    def expired(self) -> bool:
        return time.time() >= self.expires


@dataclass
class ServiceAccount:
    id: str
    name: str
    role: str
    tokens: dict[str, Credential] = field(default_factory=dict)


@dataclass
class GrafanaInstance:
    """The Grafana server behind one workspace: data sources and dashboards."""

    datasources: dict[str, dict] = field(default_factory=dict)  # uid -> record
    dashboards: dict[str, dict] = field(default_factory=dict)  # uid -> {dashboard, meta}
    next_id: int = 1

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1


@dataclass
class Workspace:
    id: str
    arn: str
    body: dict
    endpoint: str
    created: float = field(default_factory=_now)
    modified: float = field(default_factory=_now)
    configuration: str = "{}"
    permissions: list[dict] = field(default_factory=list)
    api_keys: dict[str, Credential] = field(default_factory=dict)
    service_accounts: dict[str, ServiceAccount] = field(default_factory=dict)
    grafana: GrafanaInstance = field(default_factory=GrafanaInstance)

    def credential(self, key: str) -> Credential | None:
        candidates = list(self.api_keys.values())
        for account in self.service_accounts.values():
            candidates.extend(account.tokens.values())
        for candidate in candidates:
            if secrets.compare_digest(candidate.key, key) and not candidate.expired:
                return candidate
        return None


class GrafanaBackend:
    """Workspaces of one region and the answer to each control-plane operation."""

    def __init__(self, region: str, endpoint_base: str) -> None:
        self.region = region
        self.endpoint_base = endpoint_base  # "127.0.0.1:<port>"
        self.workspaces: dict[str, Workspace] = {}
        self.tags: dict[str, dict[str, str]] = {}
        self.client_tokens: dict[str, str] = {}
        self.lock = threading.RLock()

    def workspace(self, workspace_id: str) -> Workspace:
        if not WORKSPACE_ID.fullmatch(workspace_id or ""):
            raise _validation(f"workspaceId {workspace_id!r} must match g-[0-9a-f]{{10}}")
        ws = self.workspaces.get(workspace_id)
        if ws is None:
            raise ApiError("ResourceNotFoundException", f"Workspace {workspace_id} not found")
        return ws

    def describe(self, ws: Workspace) -> dict:
        body = ws.body
        out = {
            "id": ws.id,
            "name": body.get("workspaceName", ""),
            "description": body.get("workspaceDescription", ""),
            "endpoint": ws.endpoint,
            "grafanaVersion": body.get("grafanaVersion", DEFAULT_VERSION),
            "status": "ACTIVE",
            "created": ws.created,
            "modified": ws.modified,
            "accountAccessType": body.get("accountAccessType"),
            "permissionType": body.get("permissionType"),
            "dataSources": list(body.get("workspaceDataSources") or []),
            "notificationDestinations": list(body.get("workspaceNotificationDestinations") or []),
            "organizationalUnits": list(body.get("workspaceOrganizationalUnits") or []),
            "authentication": {
                "providers": list(body.get("authenticationProviders") or []),
                "samlConfigurationStatus": "NOT_CONFIGURED",
            },
            "tags": dict(self.tags.get(ws.arn, {})),
            "licenseType": "ENTERPRISE_FREE_TRIAL",
            "freeTrialConsumed": False,
        }
        for src, dst in (
            ("workspaceRoleArn", "workspaceRoleArn"),
            ("organizationRoleName", "organizationRoleName"),
            ("stackSetName", "stackSetName"),
            ("vpcConfiguration", "vpcConfiguration"),
            ("networkAccessControl", "networkAccessControl"),
            ("ipAddressType", "ipAddressType"),
            ("kmsKeyId", "kmsKeyId"),
        ):
            if body.get(src):
                out[dst] = copy.deepcopy(body[src])
        if out["accountAccessType"] is None:
            del out["accountAccessType"]
        if out["permissionType"] is None:
            del out["permissionType"]
        return out

    def _check_body(self, body: dict, *, creating: bool) -> None:
        for key, allowed in (
            ("accountAccessType", ("CURRENT_ACCOUNT", "ORGANIZATION")),
            ("permissionType", ("CUSTOMER_MANAGED", "SERVICE_MANAGED")),
        ):
            if (creating or key in body) and body.get(key) not in allowed:
                raise _validation(f"{key} must be {' or '.join(allowed)}")
        if creating:
            providers = body.get("authenticationProviders")
            if not providers or not set(providers) <= {"AWS_SSO", "SAML"}:
                raise _validation("authenticationProviders must list AWS_SSO and/or SAML")
        name = body.get("workspaceName")
        if name is not None and not WORKSPACE_NAME.fullmatch(name):
            raise _validation(f"workspaceName {name!r} must match [a-zA-Z0-9-._~]{{1,255}}")
        version = body.get("grafanaVersion")
        if version is not None and version not in GRAFANA_VERSIONS:
            raise _validation(f"grafanaVersion must be one of {', '.join(GRAFANA_VERSIONS)}")
        if body.get("configuration") is not None:
            _json_object(body["configuration"], "configuration")

    # --- workspaces ----------------------------------------------------------------------
    def create_workspace(self, body: dict) -> dict:
        token = body.get("clientToken")
        if token and token in self.client_tokens and self.client_tokens[token] in self.workspaces:
            return {"workspace": self.describe(self.workspaces[self.client_tokens[token]])}
        self._check_body(body, creating=True)
        workspace_id = "g-" + secrets.token_hex(5)
        arn = f"arn:aws:grafana:{self.region}:{ACCOUNT}:/workspaces/{workspace_id}"
        stored = {k: copy.deepcopy(v) for k, v in body.items() if k not in ("tags", "clientToken")}
        stored.setdefault("grafanaVersion", DEFAULT_VERSION)
        ws = Workspace(
            workspace_id,
            arn,
            stored,
            f"{self.endpoint_base}{HTTP_PREFIX}{workspace_id}",
            configuration=stored.pop("configuration", None) or "{}",
        )
        self.workspaces[workspace_id] = ws
        self.tags[arn] = dict(body.get("tags") or {})
        if token:
            self.client_tokens[token] = workspace_id
        out = self.describe(ws)
        out["status"] = "CREATING"
        return {"workspace": out}

    def update_workspace(self, workspace_id: str, body: dict) -> dict:
        ws = self.workspace(workspace_id)
        self._check_body(body, creating=False)
        for key, value in body.items():
            if key == "removeVpcConfiguration" and value:
                ws.body.pop("vpcConfiguration", None)
            elif key == "removeNetworkAccessConfiguration" and value:
                ws.body.pop("networkAccessControl", None)
            elif key != "workspaceId":
                ws.body[key] = copy.deepcopy(value)
        ws.modified = _now()
        return {"workspace": self.describe(ws)}

    def delete_workspace(self, workspace_id: str) -> dict:
        ws = self.workspace(workspace_id)
        del self.workspaces[ws.id]
        self.tags.pop(ws.arn, None)
        out = self.describe(ws)
        out["status"] = "DELETING"
        return {"workspace": out}

    def list_workspaces(self, query: dict) -> dict:
        summaries = []
        for ws in sorted(self.workspaces.values(), key=lambda w: w.created):
            full = self.describe(ws)
            summaries.append(
                {
                    k: full[k]
                    for k in (
                        "id",
                        "name",
                        "description",
                        "endpoint",
                        "grafanaVersion",
                        "status",
                        "created",
                        "modified",
                        "notificationDestinations",
                        "authentication",
                        "tags",
                        "licenseType",
                    )
                    if k in full
                }
            )
        return _page(summaries, query, "workspaces")

    def describe_configuration(self, workspace_id: str) -> dict:
        ws = self.workspace(workspace_id)
        return {
            "configuration": ws.configuration,
            "grafanaVersion": ws.body.get("grafanaVersion", DEFAULT_VERSION),
        }

    def update_configuration(self, workspace_id: str, body: dict) -> dict:
        ws = self.workspace(workspace_id)
        ws.configuration = json.dumps(_json_object(body.get("configuration"), "configuration"))
        if body.get("grafanaVersion"):
            self._check_body({"grafanaVersion": body["grafanaVersion"]}, creating=False)
            ws.body["grafanaVersion"] = body["grafanaVersion"]
        ws.modified = _now()
        return {}

    def describe_authentication(self, workspace_id: str) -> dict:
        ws = self.workspace(workspace_id)
        auth = {"providers": list(ws.body.get("authenticationProviders") or [])}
        if "SAML" in auth["providers"]:
            auth["saml"] = {"status": "NOT_CONFIGURED"}
        return {"authentication": auth}

    def update_authentication(self, workspace_id: str, body: dict) -> dict:
        ws = self.workspace(workspace_id)
        providers = body.get("authenticationProviders")
        if not providers or not set(providers) <= {"AWS_SSO", "SAML"}:
            raise _validation("authenticationProviders must list AWS_SSO and/or SAML")
        ws.body["authenticationProviders"] = list(providers)
        return self.describe_authentication(workspace_id)

    def list_permissions(self, workspace_id: str, query: dict) -> dict:
        ws = self.workspace(workspace_id)
        return _page(copy.deepcopy(ws.permissions), query, "permissions")

    def update_permissions(self, workspace_id: str, body: dict) -> dict:
        ws = self.workspace(workspace_id)
        for entry in body.get("updateInstructionBatch") or []:
            for user in entry.get("users") or []:
                key = (user.get("id"), user.get("type"))
                ws.permissions = [
                    p for p in ws.permissions if (p["user"]["id"], p["user"]["type"]) != key
                ]
                if entry.get("action") == "ADD":
                    ws.permissions.append({"role": entry.get("role"), "user": dict(user)})
        return {"errors": []}

    # --- API keys and service accounts ---------------------------------------------------
    def create_api_key(self, workspace_id: str, body: dict) -> dict:
        ws = self.workspace(workspace_id)
        name, role, ttl = body.get("keyName"), body.get("keyRole"), body.get("secondsToLive")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            raise _validation("keyName must be 1 to 100 characters")
        if role not in ROLES:
            raise _validation(f"keyRole must be one of {', '.join(ROLES)}")
        _check_ttl(ttl)
        if name in ws.api_keys:
            raise ApiError("ConflictException", f"API key {name} already exists")
        key_id = len(ws.api_keys) + 1
        raw = {"k": secrets.token_urlsafe(24), "n": name, "id": key_id}
        key = base64.b64encode(json.dumps(raw).encode()).decode()
        ws.api_keys[name] = Credential(str(key_id), name, key, role, time.time() + ttl)
        return {"keyName": name, "key": key, "workspaceId": ws.id}

    def delete_api_key(self, workspace_id: str, name: str) -> dict:
        ws = self.workspace(workspace_id)
        if ws.api_keys.pop(name, None) is None:
            raise ApiError("ResourceNotFoundException", f"API key {name} not found")
        return {"keyName": name, "workspaceId": ws.id}

    def _account(self, ws: Workspace, account_id: str) -> ServiceAccount:
        account = ws.service_accounts.get(account_id)
        if account is None:
            raise ApiError("ResourceNotFoundException", f"Service account {account_id} not found")
        return account

    def create_service_account(self, workspace_id: str, body: dict) -> dict:
        ws = self.workspace(workspace_id)
        name, role = body.get("name"), body.get("grafanaRole")
        if not isinstance(name, str) or not 1 <= len(name) <= 128:
            raise _validation("name must be 1 to 128 characters")
        if role not in ROLES:
            raise _validation(f"grafanaRole must be one of {', '.join(ROLES)}")
        if any(a.name == name for a in ws.service_accounts.values()):
            raise ApiError("ConflictException", f"Service account {name} already exists")
        account_id = str(ws.grafana.new_id())
        ws.service_accounts[account_id] = ServiceAccount(account_id, name, role)
        return {"id": account_id, "name": name, "grafanaRole": role, "workspaceId": ws.id}

    def list_service_accounts(self, workspace_id: str, query: dict) -> dict:
        ws = self.workspace(workspace_id)
        items = [
            {"id": a.id, "name": a.name, "grafanaRole": a.role, "isDisabled": "false"}
            for a in ws.service_accounts.values()
        ]
        out = _page(items, query, "serviceAccounts")
        out["workspaceId"] = ws.id
        return out

    def delete_service_account(self, workspace_id: str, account_id: str) -> dict:
        ws = self.workspace(workspace_id)
        self._account(ws, account_id)
        del ws.service_accounts[account_id]
        return {"serviceAccountId": account_id, "workspaceId": ws.id}

    def create_token(self, workspace_id: str, account_id: str, body: dict) -> dict:
        ws = self.workspace(workspace_id)
        account = self._account(ws, account_id)
        name, ttl = body.get("name"), body.get("secondsToLive")
        if not isinstance(name, str) or not 1 <= len(name) <= 128:
            raise _validation("name must be 1 to 128 characters")
        _check_ttl(ttl)
        if any(t.name == name for t in account.tokens.values()):
            raise ApiError("ConflictException", f"Token {name} already exists")
        token_id = str(ws.grafana.new_id())
        key = f"glsa_{secrets.token_urlsafe(24)}_{secrets.token_hex(4)}"
        account.tokens[token_id] = Credential(token_id, name, key, account.role, time.time() + ttl)
        return {
            "serviceAccountToken": {"id": token_id, "name": name, "key": key},
            "serviceAccountId": account.id,
            "workspaceId": ws.id,
        }

    def list_tokens(self, workspace_id: str, account_id: str, query: dict) -> dict:
        ws = self.workspace(workspace_id)
        account = self._account(ws, account_id)
        items = [
            {"id": t.id, "name": t.name, "createdAt": t.created, "expiresAt": t.expires}
            for t in account.tokens.values()
        ]
        out = _page(items, query, "serviceAccountTokens")
        out.update(serviceAccountId=account.id, workspaceId=ws.id)
        return out

    def delete_token(self, workspace_id: str, account_id: str, token_id: str) -> dict:
        ws = self.workspace(workspace_id)
        account = self._account(ws, account_id)
        if account.tokens.pop(token_id, None) is None:
            raise ApiError("ResourceNotFoundException", f"Token {token_id} not found")
        return {"tokenId": token_id, "serviceAccountId": account.id, "workspaceId": ws.id}

    # --- tags ----------------------------------------------------------------------------
    def _tagged(self, arn: str) -> dict[str, str]:
        if arn not in self.tags:
            raise ApiError("ResourceNotFoundException", f"Resource {arn} not found")
        return self.tags[arn]

    def list_tags(self, arn: str) -> dict:
        return {"tags": dict(self._tagged(arn))}

    def tag_resource(self, arn: str, body: dict) -> dict:
        self._tagged(arn).update(body.get("tags") or {})
        return {}

    def untag_resource(self, arn: str, keys: list[str]) -> dict:
        tags = self._tagged(arn)
        for key in keys:
            tags.pop(key, None)
        return {}


def _check_ttl(ttl: object) -> None:
    if isinstance(ttl, bool) or not isinstance(ttl, int) or not 1 <= ttl <= 2592000:
        raise _validation("secondsToLive must be between 1 and 2592000")


def _json_object(text: object, name: str) -> dict:
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise _validation(f"{name} must be a JSON object")
    return value


def _page(items: list, query: dict, key: str) -> dict:
    try:
        size = int(query.get("maxResults") or 100)
        start = int(query.get("nextToken") or 0)
    except ValueError:
        raise _validation("maxResults and nextToken must be numbers") from None
    out = {key: items[start : start + size]}
    if start + size < len(items):
        out["nextToken"] = str(start + size)
    return out


# --------------------------------------------------------------------------- control routing

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


# --------------------------------------------------------------------------- Grafana HTTP API


class HttpError(Exception):
    """A Grafana API error: HTTP status, message, extra body fields (e.g. ``status``)."""

    def __init__(self, http_status: int, message: str, **extra) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.extra = extra


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "dashboard"


def _datasource_view(record: dict) -> dict:
    view = {k: copy.deepcopy(v) for k, v in record.items() if k != "secureJsonData"}
    view["secureJsonFields"] = {k: True for k in record.get("secureJsonData") or {}}
    return view


class GrafanaHttp:
    """The Grafana HTTP API of one workspace (what dtwin uses of it)."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.g = ws.grafana

    def _need(self, credential: Credential, role: str) -> None:
        if ROLE_RANK[credential.role] < ROLE_RANK[role]:
            raise HttpError(403, f"Access denied: this needs the {role.title()} role")

    def _datasource(self, key: str, value: str) -> dict:
        for record in self.g.datasources.values():
            if str(record[key]) == value:
                return record
        raise HttpError(404, "Data source not found")

    def _datasource_fields(self, body: dict, record: dict | None) -> dict:
        name, kind = body.get("name"), body.get("type")
        if not isinstance(name, str) or not name:
            raise HttpError(400, "Required field name is missing")
        if not isinstance(kind, str) or not kind:
            raise HttpError(400, "Required field type is missing")
        uid = body.get("uid") or (record["uid"] if record else secrets.token_hex(7))
        if not UID.fullmatch(uid):
            raise HttpError(400, "Invalid data source UID")
        for other in self.g.datasources.values():
            if other is record:
                continue
            if other["name"] == name:
                raise HttpError(409, "data source with the same name already exists")
            if other["uid"] == uid:
                raise HttpError(409, "data source with the same uid already exists")
        return {
            "uid": uid,
            "orgId": 1,
            "name": name,
            "type": kind,
            "access": body.get("access") or "proxy",
            "url": body.get("url") or "",
            "user": body.get("user") or "",
            "database": body.get("database") or "",
            "basicAuth": bool(body.get("basicAuth")),
            "basicAuthUser": body.get("basicAuthUser") or "",
            "withCredentials": bool(body.get("withCredentials")),
            "isDefault": bool(body.get("isDefault")),
            "jsonData": copy.deepcopy(body.get("jsonData") or {}),
            "secureJsonData": copy.deepcopy(body.get("secureJsonData") or {}),
            "readOnly": False,
        }

    def create_datasource(self, body: dict) -> dict:
        record = self._datasource_fields(body, None)
        record.update(id=self.g.new_id(), version=1)
        self.g.datasources[record["uid"]] = record
        return {
            "datasource": _datasource_view(record),
            "id": record["id"],
            "message": "Datasource added",
            "name": record["name"],
        }

    def update_datasource(self, record: dict, body: dict) -> dict:
        fields = self._datasource_fields(body, record)
        if not body.get("secureJsonData"):
            fields["secureJsonData"] = record.get("secureJsonData") or {}
        del self.g.datasources[record["uid"]]
        record.update(fields, version=record["version"] + 1)
        self.g.datasources[record["uid"]] = record
        return {
            "datasource": _datasource_view(record),
            "id": record["id"],
            "message": "Datasource updated",
            "name": record["name"],
        }

    def delete_datasource(self, record: dict) -> dict:
        del self.g.datasources[record["uid"]]
        return {"message": "Data source deleted", "id": record["id"]}

    def save_dashboard(self, body: dict) -> dict:
        dashboard = copy.deepcopy(body.get("dashboard"))
        if not isinstance(dashboard, dict):
            raise HttpError(400, "dashboard must be an object")
        title = dashboard.get("title")
        if not isinstance(title, str) or not title.strip():
            raise HttpError(400, "Dashboard title cannot be empty")
        uid = dashboard.get("uid") or secrets.token_hex(7)
        if not UID.fullmatch(uid):
            raise HttpError(400, "uid contains illegal characters or is too long")
        folder = body.get("folderUid") or ""
        overwrite = bool(body.get("overwrite"))
        existing = self.g.dashboards.get(uid)
        for other_uid, other in self.g.dashboards.items():
            same_place = other["meta"]["folderUid"] == folder
            if other_uid != uid and same_place and other["dashboard"]["title"] == title:
                raise HttpError(
                    412,
                    "A dashboard with the same name in the folder already exists",
                    status="name-exists",
                )
        now = _iso(time.time())
        if existing:
            stored = existing["dashboard"]
            if not overwrite and dashboard.get("version") != stored["version"]:
                raise HttpError(
                    412,
                    "The dashboard has been changed by someone else",
                    status="version-mismatch",
                )
            dashboard.update(id=stored["id"], uid=uid, version=stored["version"] + 1)
            created = existing["meta"]["created"]
        else:
            dashboard.update(id=self.g.new_id(), uid=uid, version=1)
            created = now
        slug = _slug(title)
        meta = {
            "type": "db",
            "slug": slug,
            "url": f"/d/{uid}/{slug}",
            "folderUid": folder,
            "created": created,
            "updated": now,
            "version": dashboard["version"],
            "canSave": True,
            "canEdit": True,
        }
        self.g.dashboards[uid] = {"dashboard": dashboard, "meta": meta}
        return {
            "id": dashboard["id"],
            "uid": uid,
            "url": meta["url"],
            "status": "success",
            "version": dashboard["version"],
            "slug": slug,
        }

    def search(self, query: dict) -> list[dict]:
        if query.get("type") not in (None, "", "dash-db"):
            return []
        text = (query.get("query") or "").lower()
        return [
            {
                "id": d["dashboard"]["id"],
                "uid": uid,
                "title": d["dashboard"]["title"],
                "url": d["meta"]["url"],
                "type": "dash-db",
                "tags": d["dashboard"].get("tags") or [],
                "folderUid": d["meta"]["folderUid"],
            }
            for uid, d in self.g.dashboards.items()
            if text in d["dashboard"]["title"].lower()
        ]

    @staticmethod
    def proxy_url(record: dict, rest: str, query: dict) -> str:
        """Where ``/api/datasources/proxy/uid/<uid>/<rest>`` goes: the data source's URL."""
        url = record["url"].rstrip("/") + "/" + rest.lstrip("/")
        return url + ("?" + urlencode(query) if query else "")

    def route(self, credential: Credential, method: str, path: str, query: dict, body):
        if path == "/api/datasources":
            if method == "GET":
                return [_datasource_view(r) for r in self.g.datasources.values()]
            if method == "POST":
                self._need(credential, "ADMIN")
                return self.create_datasource(body)
        match = re.fullmatch(r"/api/datasources/proxy/uid/([^/]+)(/.*)?", path)
        if match and method == "GET":
            record = self._datasource("uid", unquote(match.group(1)))
            return _Proxy(self.proxy_url(record, match.group(2) or "/", query))
        match = re.fullmatch(r"/api/datasources/(uid|name)/([^/]+)", path) or re.fullmatch(
            r"/api/datasources/()(\d+)", path
        )
        if match:
            key = match.group(1) or "id"
            record = self._datasource(key, unquote(match.group(2)))
            if method == "GET":
                return _datasource_view(record)
            self._need(credential, "ADMIN")
            if method == "PUT" and key in ("uid", "id"):
                return self.update_datasource(record, body)
            if method == "DELETE":
                return self.delete_datasource(record)
        if path == "/api/dashboards/db" and method == "POST":
            self._need(credential, "EDITOR")
            return self.save_dashboard(body)
        match = re.fullmatch(r"/api/dashboards/uid/([^/]+)", path)
        if match:
            found = self.g.dashboards.get(unquote(match.group(1)))
            if found is None:
                raise HttpError(404, "Dashboard not found")
            if method == "GET":
                return copy.deepcopy(found)
            if method == "DELETE":
                self._need(credential, "EDITOR")
                del self.g.dashboards[found["dashboard"]["uid"]]
                title = found["dashboard"]["title"]
                return {
                    "title": title,
                    "message": f"Dashboard {title} deleted",
                    "id": found["dashboard"]["id"],
                }
        if path == "/api/search" and method == "GET":
            return self.search(query)
        raise HttpError(404, "Not found")


@dataclass(frozen=True)
class _Proxy:
    """A data source proxy call, made after the state lock is released."""

    url: str

    def fetch(self) -> Response:
        try:
            with urllib.request.urlopen(self.url, timeout=60) as reply:
                kind = reply.headers.get("Content-Type", "application/json")
                return Response(reply.status, reply.read(), {"Content-Type": kind})
        except urllib.error.HTTPError as exc:
            with exc:
                return Response(exc.code, exc.read(), {"Content-Type": "application/json"})
        except (urllib.error.URLError, TimeoutError) as exc:
            return _http_json(502, {"message": f"data source proxy error: {exc}"})


def _http_json(status: int, data) -> Response:
    return Response(status, json.dumps(data).encode(), {"Content-Type": "application/json"})


def handle_http(backends: dict[str, GrafanaBackend], request: Request, lock) -> Response:
    """Answer ``/_grafana/<workspace-id>/api/...`` like the workspace's Grafana server."""
    with lock:
        answer = _answer_http(backends, request)
    return answer.fetch() if isinstance(answer, _Proxy) else answer


def _answer_http(backends: dict[str, GrafanaBackend], request: Request) -> Response | _Proxy:
    rest = request.path[len(HTTP_PREFIX) :]
    workspace_id, _, path = rest.partition("/")
    path = "/" + path
    ws = next(
        (b.workspaces[workspace_id] for b in backends.values() if workspace_id in b.workspaces),
        None,
    )
    if ws is None:
        return _http_json(404, {"message": f"no Grafana workspace {workspace_id}"})
    if path == "/api/health":
        version = GRAFANA_BUILD.get(ws.body.get("grafanaVersion", DEFAULT_VERSION), "10.4.1")
        return _http_json(200, {"commit": "sandbox", "database": "ok", "version": version})
    header = request.headers.get("Authorization") or request.headers.get("authorization") or ""
    scheme, _, key = header.partition(" ")
    credential = ws.credential(key.strip()) if scheme.lower() == "bearer" else None
    if credential is None:
        return _http_json(401, {"message": "Unauthorized"})
    try:
        body = json.loads(request.body) if request.body else {}
    except ValueError:
        return _http_json(400, {"message": "bad request data"})
    try:
        answer = GrafanaHttp(ws).route(credential, request.method, path, request.query, body)
    except HttpError as exc:
        return _http_json(exc.http_status, {"message": str(exc), **exc.extra})
    return answer if isinstance(answer, _Proxy) else _http_json(200, answer)


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
