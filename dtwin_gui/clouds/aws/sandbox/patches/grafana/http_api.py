"""Amazon Managed Grafana emulation: the Grafana HTTP API each workspace serves.

Served by the gateway at ``http://127.0.0.1:<port>/_grafana/<workspace-id>/api/...``: data
sources, dashboards, search, health and the data source proxy, for a ``Bearer`` key of that
workspace with the role the call needs.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import unquote, urlencode

from dtwin_gui.clouds.aws.sandbox.gateway import Request, Response
from dtwin_gui.clouds.aws.sandbox.patches.grafana.api import GrafanaBackend
from dtwin_gui.clouds.aws.sandbox.patches.grafana.model import (
    DEFAULT_VERSION,
    GRAFANA_BUILD,
    HTTP_PREFIX,
    ROLE_RANK,
    UID,
    Credential,
    Workspace,
    _iso,
)


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
