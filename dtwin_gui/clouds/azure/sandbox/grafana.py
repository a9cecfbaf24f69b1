"""Emulated Azure Managed Grafana data plane (the Grafana HTTP API) behind the sandbox gateway.

Mounted at ``/grafana/<name>``; the instance's endpoint in the sandbox is
``https://<gateway host:port>/grafana/<name>`` (real Azure: ``https://<name>-<hash>.<region>
.grafana.azure.com``). Serves ``/api/health``, ``/api/datasources`` (POST, GET list, GET/PUT/
DELETE by ``uid/<uid>``, ``name/<name>`` or id), ``POST /api/dashboards/db``, ``GET/DELETE
/api/dashboards/uid/<uid>``, ``GET /api/search`` and ``POST /api/ds/query`` (a panel's
Infinity query, really sent to its data source: ``grafana_query.py``) with Grafana's own
answer shapes and status codes. Any well-formed bearer (an Entra token or a service account
token) passes.

The AWS sandbox's Managed Grafana emulation (clouds/aws/sandbox/patches/grafana/) is bound to
AWS workspaces, API keys and the AWS gateway's Request type, so Azure keeps this small model
of its own. State is in memory behind one lock.
"""

from __future__ import annotations

import copy
import re
import secrets
import threading
from urllib.parse import unquote

from dtwin_gui.clouds.azure.sandbox.iothub_http import AzureRequest, AzureResponse

GRAFANA_VERSION = "11.3.0"
_BEARER = re.compile(r"^Bearer [A-Za-z0-9\-._~+/]+=*$")


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _message(http_status: int, message: str, **extra) -> AzureResponse:
    return AzureResponse.of_json(http_status, {"message": message, **extra})


class GrafanaEmulation:
    def __init__(self, name: str, *, ca_bundle: str = "") -> None:
        self.name = name
        #: Trusted when a panel's query goes to an HTTPS data source (the sandbox's gateway).
        self.ca_bundle = ca_bundle
        self.prefix = f"/grafana/{name}"
        self._lock = threading.Lock()
        self._next_id = 1
        self._datasources: dict[str, dict] = {}  # uid -> record
        self._dashboards: dict[str, dict] = {}  # uid -> {"dashboard", "meta"}

    def endpoint(self, host: str) -> str:
        return f"https://{host}{self.prefix}"

    def summary(self) -> dict:
        """What the control API's ``resources`` says of the instance."""
        with self._lock:
            return {"datasources": len(self._datasources), "dashboards": len(self._dashboards)}

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def handle(self, request: AzureRequest) -> AzureResponse | None:
        path = request.path
        if path.startswith(self.prefix):
            path = path[len(self.prefix) :] or "/"
        parts = [unquote(p) for p in path.strip("/").split("/") if p]
        if parts[:1] != ["api"]:
            return None
        rest, method = parts[1:], request.method.upper()
        if rest == ["health"]:
            return AzureResponse.of_json(
                200, {"commit": "sandbox", "database": "ok", "version": GRAFANA_VERSION}
            )
        if not _BEARER.match(request.header("authorization")):
            return _message(401, "Unauthorized")
        if rest == ["ds", "query"] and method == "POST":  # a panel draws (outside the lock)
            from dtwin_gui.clouds.azure.sandbox.grafana_query import ds_query

            try:
                body = request.json()
            except ValueError:
                return _message(400, "bad request data: the body is not JSON")
            return ds_query(body, self._datasource_copy, self.ca_bundle)
        with self._lock:
            if rest[:1] == ["datasources"]:
                return self._datasources_rest(method, rest[1:], request)
            if rest == ["dashboards", "db"] and method == "POST":
                return self._save_dashboard(request.json() or {})
            if rest[:2] == ["dashboards", "uid"] and len(rest) == 3:
                return self._dashboard_rest(method, rest[2])
            if rest == ["search"] and method == "GET":
                return self._search(request.query)
        return _message(404, "Not found")

    # ---------------------------------------------------------------------- datasources
    def _find(self, rest: list[str]) -> dict | None:
        if len(rest) == 2 and rest[0] == "uid":
            return self._datasources.get(rest[1])
        if len(rest) == 2 and rest[0] == "name":
            return next((d for d in self._datasources.values() if d["name"] == rest[1]), None)
        if len(rest) == 1 and rest[0].isdigit():
            return next((d for d in self._datasources.values() if d["id"] == int(rest[0])), None)
        return None

    def _datasource_copy(self, uid: str | None) -> dict | None:
        with self._lock:
            record = self._datasources.get(uid or "")
            return copy.deepcopy(record) if record else None

    @staticmethod
    def _view(record: dict) -> dict:
        view = {k: v for k, v in record.items() if k != "secureJsonData"}
        view["secureJsonFields"] = {k: True for k in record.get("secureJsonData") or {}}
        return copy.deepcopy(view)

    def _datasources_rest(self, method: str, rest: list[str], request: AzureRequest):
        if not rest and method == "GET":
            return AzureResponse.of_json(200, [self._view(d) for d in self._datasources.values()])
        if not rest and method == "POST":
            body = request.json() or {}
            if not body.get("name") or not body.get("type"):
                return _message(400, "Validation error: name and type are required")
            if any(d["name"] == body["name"] for d in self._datasources.values()):
                return _message(409, "data source with the same name already exists")
            uid = body.get("uid") or secrets.token_hex(7)
            if uid in self._datasources:
                return _message(409, "data source with the same uid already exists")
            record = self._record(body, {"id": self._id(), "uid": uid, "orgId": 1, "version": 1})
            self._datasources[uid] = record
            return AzureResponse.of_json(
                200,
                {
                    "datasource": self._view(record),
                    "id": record["id"],
                    "message": "Datasource added",
                    "name": record["name"],
                },
            )
        record = self._find(rest)
        if record is None:
            return _message(404, "Data source not found")
        if method == "GET":
            return AzureResponse.of_json(200, self._view(record))
        if method == "PUT":
            updated = self._record(request.json() or {}, record)
            updated["version"] = record["version"] + 1
            self._datasources[record["uid"]] = updated
            return AzureResponse.of_json(
                200,
                {
                    "datasource": self._view(updated),
                    "id": updated["id"],
                    "message": "Datasource updated",
                    "name": updated["name"],
                },
            )
        if method == "DELETE":
            del self._datasources[record["uid"]]
            return _message(200, "Data source deleted", id=record["id"])
        return _message(405, "Method not allowed")

    @staticmethod
    def _record(body: dict, base: dict) -> dict:
        record = {
            "name": "",
            "type": "",
            "typeName": "",
            "access": "proxy",
            "url": "",
            "basicAuth": False,
            "isDefault": False,
            "jsonData": {},
            "readOnly": False,
            **base,
        }
        for key in ("name", "type", "access", "url", "basicAuth", "isDefault", "jsonData"):
            if key in body:
                record[key] = copy.deepcopy(body[key])
        if "secureJsonData" in body:
            record["secureJsonData"] = dict(body["secureJsonData"] or {})
        return record

    # ----------------------------------------------------------------------- dashboards
    def _save_dashboard(self, body: dict) -> AzureResponse:
        dashboard = copy.deepcopy(body.get("dashboard") or {})
        title = dashboard.get("title")
        if not title:
            return _message(400, "Dashboard title cannot be empty")
        uid = dashboard.get("uid") or secrets.token_hex(7)
        existing = self._dashboards.get(uid)
        same_title = next(
            (
                d
                for u, d in self._dashboards.items()
                if u != uid and d["dashboard"]["title"] == title
            ),
            None,
        )
        if not body.get("overwrite"):
            if existing is not None:
                return _message(
                    412, "A dashboard with the same uid already exists", status="name-exists"
                )
            if same_title is not None:
                return _message(
                    412, "A dashboard with the same name already exists", status="name-exists"
                )
        elif same_title is not None:
            del self._dashboards[same_title["dashboard"]["uid"]]
        version = (existing["dashboard"]["version"] + 1) if existing else 1
        ident = existing["dashboard"]["id"] if existing else self._id()
        dashboard.update({"uid": uid, "id": ident, "version": version})
        slug = _slug(title)
        url = f"{self.prefix}/d/{uid}/{slug}"
        meta = {
            "type": "db",
            "slug": slug,
            "url": url,
            "folderUid": body.get("folderUid") or "",
            "version": version,
            "canSave": True,
            "canEdit": True,
        }
        self._dashboards[uid] = {"dashboard": dashboard, "meta": meta}
        return AzureResponse.of_json(
            200,
            {
                "id": ident,
                "uid": uid,
                "url": url,
                "status": "success",
                "version": version,
                "slug": slug,
            },
        )

    def _dashboard_rest(self, method: str, uid: str) -> AzureResponse:
        entry = self._dashboards.get(uid)
        if entry is None:
            return _message(404, "Dashboard not found")
        if method == "GET":
            return AzureResponse.of_json(200, copy.deepcopy(entry))
        if method == "DELETE":
            del self._dashboards[uid]
            title = entry["dashboard"]["title"]
            return AzureResponse.of_json(
                200,
                {
                    "title": title,
                    "message": f"Dashboard {title} deleted",
                    "id": entry["dashboard"]["id"],
                },
            )
        return _message(405, "Method not allowed")

    def _search(self, query: dict) -> AzureResponse:
        if query.get("type") not in (None, "", "dash-db"):
            return AzureResponse.of_json(200, [])
        text = (query.get("query") or "").lower()
        hits = [
            {
                "id": e["dashboard"]["id"],
                "uid": uid,
                "title": e["dashboard"]["title"],
                "uri": f"db/{e['meta']['slug']}",
                "url": e["meta"]["url"],
                "slug": "",
                "type": "dash-db",
                "tags": list(e["dashboard"].get("tags") or []),
                "isStarred": False,
                "sortMeta": 0,
            }
            for uid, e in sorted(self._dashboards.items(), key=lambda i: i[1]["dashboard"]["title"])
            if text in e["dashboard"]["title"].lower()
        ]
        return AzureResponse.of_json(200, hits)
