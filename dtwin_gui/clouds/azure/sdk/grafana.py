"""SDK step ``azure.grafana`` (L5): a data source on the hot reader and a generated dashboard.

Terraform (real Azure) or the provisioner (sandbox) makes the Managed Grafana instance; this
step talks to its Grafana HTTP API with a bearer token of the signed-in identity (Entra; the
deployer has Grafana Admin on the instance, see ``terraform/modules/azure/l5``).

The data source is the Infinity plugin (:data:`DATASOURCE_TYPE`, installed in every Azure
Managed Grafana) on the hot reader's plain JSON API (``device_id``, ``properties``,
``start``, ``end``, ``limit``, ``order``): the Azure hot reader
``<app url>/api/<hot reader>`` when L3 hot is on Azure, else the hot reader proxy on Azure.
The app's functions key travels as the ``x-functions-key`` header, kept in the data source's
write-only ``secureJsonData`` (Grafana never shows it back, so the saved state keeps a digest
of it to notice a new key). The dashboard has one panel per device property (numbers as time
series, the rest as state timelines). Both are create-or-update by fixed uids; destroy
deletes both. Saved state: ``{"grafana": url, "datasource_uid", "dashboard_uid",
"key_digest"}``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from dtwin_gui.clouds.azure.sdk.context import AzureSdkContext, AzureSdkError, HotReader
from dtwin_gui.clouds.azure.sdk.state import STEP_GRAFANA
from dtwin_gui.clouds.base import StepItem, StepProbe
from dtwin_gui.core import dashboard
from dtwin_gui.core.dashboard import dashboard_uid, datasource_uid
from dtwin_gui.core.providers import Slot

STEP_ID = STEP_GRAFANA
LAYER = Slot.L5
K_DATASOURCE = "grafana-datasource"
K_DASHBOARD = "grafana-dashboard"
DATASOURCE_TYPE = "yesoreyeram-infinity-datasource"
HEADER_NAME, HEADER_VALUE = "httpHeaderName1", "httpHeaderValue1"
HTTP_TIMEOUT_S = 30
PANEL_WIDTH, PANEL_HEIGHT = 12, 8
FIELD_TYPES = {"DOUBLE": "number", "INTEGER": "number", "BOOLEAN": "string", "STRING": "string"}


# --------------------------------------------------------------------------- names


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- content


def datasource_model(twin: str, reader: HotReader) -> dict:
    """The Infinity data source on ``reader`` (its key in the write-only secure fields)."""
    parts = urlsplit(reader.url)
    return {
        "uid": datasource_uid(twin),
        "name": f"{twin} hot storage",
        "type": DATASOURCE_TYPE,
        "access": "proxy",
        "url": reader.url,
        "isDefault": False,
        "jsonData": {
            HEADER_NAME: reader.header,
            "allowedHosts": [f"{parts.scheme}://{parts.netloc}"],
        },
        "secureJsonData": {HEADER_VALUE: reader.key},
    }


def panel_target(twin: str, device_id: str, prop: str, data_type: str) -> dict:
    """The Infinity query of one panel: one device property over the dashboard's range
    (the query URL is empty: the data source's URL is the reader's)."""
    params = [
        ("device_id", device_id),
        ("properties", prop),
        ("start", "${__from:date:iso}"),
        ("end", "${__to:date:iso}"),
        ("order", "asc"),
        ("limit", "500"),
    ]
    return {
        "refId": "A",
        "datasource": {"type": DATASOURCE_TYPE, "uid": datasource_uid(twin)},
        "type": "json",
        "source": "url",
        "parser": "backend",
        "format": "timeseries",
        "url": "",
        "url_options": {
            "method": "GET",
            "data": "",
            "params": [{"key": k, "value": v} for k, v in params],
        },
        "root_selector": "items",
        "columns": [
            {"selector": "timestamp", "text": "time", "type": "timestamp"},
            {"selector": prop, "text": prop, "type": FIELD_TYPES.get(data_type, "string")},
        ],
    }


def dashboard_model(project, twin: str) -> dict:
    """The dashboard: one panel per device property, two per row."""
    return dashboard.dashboard_model(
        project,
        twin,
        DATASOURCE_TYPE,
        lambda device_id, prop, data_type: panel_target(twin, device_id, prop, data_type),
    )


_differences = dashboard.differences


def datasource_differences(current: Mapping, wanted: Mapping) -> list[str]:
    """What of ``current`` is not as wanted (the secure key only as "is set")."""
    out = dashboard.datasource_differences(current, wanted)
    if not (current.get("secureJsonFields") or {}).get(HEADER_VALUE):
        out.append(f"secureJsonData.{HEADER_VALUE}")
    return out


# --------------------------------------------------------------------------- HTTP API


class GrafanaApi:
    """The few Grafana HTTP API calls the step makes (bearer token, the context's trust)."""

    def __init__(self, ctx: AzureSdkContext, url: str) -> None:
        import requests

        self.url = url.rstrip("/")
        self._session = requests.Session()
        # per request: a session's own ``verify`` loses to REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE
        self._verify = ctx.verify
        self._session.headers["Authorization"] = f"Bearer {ctx.grafana_token()}"
        self._session.headers["Accept"] = "application/json"

    def call(self, method: str, path: str, body: object = None):
        import requests

        try:
            reply = self._session.request(
                method, f"{self.url}{path}", json=body, timeout=HTTP_TIMEOUT_S, verify=self._verify
            )
        except requests.RequestException as exc:
            raise AzureSdkError(
                f"L5 on Azure: cannot reach Grafana at {self.url}: {exc}",
                "check that the Grafana instance exists and is reachable, then deploy again",
            ) from None
        if reply.status_code == 404 and method == "GET":
            return None
        if reply.status_code >= 400:
            try:
                detail = reply.json().get("message", reply.text[:300])
            except ValueError:
                detail = reply.text[:300]
            raise AzureSdkError(
                f"L5 on Azure: Grafana {method} {path} answered {reply.status_code}: {detail}",
                _hint(reply.status_code),
            )
        return reply.json() if reply.content else None

    def close(self) -> None:
        self._session.close()


def _hint(status: int) -> str:
    if status in (401, 403):
        return (
            "the signed-in identity needs the Grafana Admin role on the Grafana instance "
            "(Terraform grants it to the deployer); grant it and deploy again"
        )
    if status == 409:
        return "a data source with this name exists but was not made by dtwin; rename or delete it"
    return "deploy again (the steps are safe to repeat); if it persists, open the run log"


# --------------------------------------------------------------------------- the step


class GrafanaStep:
    step_id = STEP_ID
    layer = str(LAYER)

    def describe(self, project, topology) -> list[StepItem]:
        twin = topology.twin_name
        panels = sum(len(d.properties) for d in project.devices)
        return [
            StepItem(
                self.layer,
                "Grafana data source on the hot reader",
                "Infinity",
                K_DATASOURCE,
                datasource_uid(twin),
            ),
            StepItem(
                self.layer,
                f"Grafana dashboard {twin} telemetry",
                f"{panels} panels",
                K_DASHBOARD,
                dashboard_uid(twin),
            ),
        ]

    def recorded(self, saved: Mapping[str, Any]) -> list[tuple[str, str]]:
        return [
            (kind, saved[key])
            for kind, key in ((K_DATASOURCE, "datasource_uid"), (K_DASHBOARD, "dashboard_uid"))
            if saved.get(key)
        ]

    def ensure(self, ctx: AzureSdkContext, saved: Mapping[str, Any]) -> dict[str, Any]:
        url = ctx.grafana_url
        reader = ctx.hot_reader()
        if saved.get("grafana") and saved["grafana"] != url:
            ctx.log("info", f"the Grafana instance changed ({saved['grafana']} → {url})")
            saved = {}
        api = GrafanaApi(ctx, url)
        try:
            ds = datasource_model(ctx.twin, reader)
            key_changed = saved.get("key_digest") != key_digest(reader.key)
            self._put_datasource(ctx, api, ds, force=key_changed)
            state = {
                "grafana": url,
                "datasource_uid": ds["uid"],
                "key_digest": key_digest(reader.key),
            }
            board = dashboard_model(ctx.project, ctx.twin)
            self._put_dashboard(ctx, api, board)
            state["dashboard_uid"] = board["uid"]
        finally:
            api.close()
        return state

    def _put_datasource(self, ctx, api: GrafanaApi, wanted: dict, *, force: bool) -> None:
        uid = wanted["uid"]
        current = api.call("GET", f"/api/datasources/uid/{uid}")
        if current is None:
            action, call = "create", ("POST", "/api/datasources")
        elif force or datasource_differences(current, wanted):
            action, call = "update", ("PUT", f"/api/datasources/uid/{uid}")
        else:
            ctx.resource(LAYER, K_DATASOURCE, uid, "noop", "unchanged")
            return
        ctx.resource(LAYER, K_DATASOURCE, uid, action, f"{action[:-1]}ing")
        api.call(*call, wanted)
        ctx.resource(LAYER, K_DATASOURCE, uid, action, f"{action}d")

    def _put_dashboard(self, ctx, api: GrafanaApi, wanted: dict) -> None:
        uid = wanted["uid"]
        current = api.call("GET", f"/api/dashboards/uid/{uid}")
        if current is not None and not _differences(current.get("dashboard") or {}, wanted):
            ctx.resource(LAYER, K_DASHBOARD, uid, "noop", "unchanged")
            return
        action = "create" if current is None else "update"
        ctx.resource(LAYER, K_DASHBOARD, uid, action, f"{action[:-1]}ing")
        body = {"dashboard": wanted, "overwrite": True, "message": "dtwin deploy"}
        api.call("POST", "/api/dashboards/db", body)
        ctx.resource(LAYER, K_DASHBOARD, uid, action, f"{action}d")

    def destroy(self, ctx: AzureSdkContext, saved: Mapping[str, Any]) -> list[str]:
        if not saved:
            return []
        url = saved.get("grafana") or ctx.grafana_url
        left = []
        api = GrafanaApi(ctx, url)
        try:
            for kind, path in (
                (K_DASHBOARD, f"/api/dashboards/uid/{saved.get('dashboard_uid')}"),
                (K_DATASOURCE, f"/api/datasources/uid/{saved.get('datasource_uid')}"),
            ):
                name = path.rsplit("/", 1)[-1]
                if name == "None":
                    continue
                try:
                    if api.call("GET", path) is None:
                        continue
                    ctx.resource(LAYER, kind, name, "delete", "deleting")
                    api.call("DELETE", path)
                    ctx.resource(LAYER, kind, name, "delete", "deleted")
                except AzureSdkError as exc:
                    ctx.resource(LAYER, kind, name, "delete", "failed", str(exc))
                    left.append(f"{kind} {name} in {url}: {exc}")
        finally:
            api.close()
        return left

    def probe(self, ctx: AzureSdkContext, saved: Mapping[str, Any]) -> list[StepProbe]:
        names = {K_DATASOURCE: datasource_uid(ctx.twin), K_DASHBOARD: dashboard_uid(ctx.twin)}

        def probe(kind: str, state: str, detail: str = "") -> StepProbe:
            return StepProbe(self.step_id, self.layer, names[kind], state, detail, kind)

        try:
            url = ctx.grafana_url
        except AzureSdkError as exc:
            return [probe(kind, "missing", str(exc)) for kind in names]
        try:
            api = GrafanaApi(ctx, url)
            try:
                out = []
                current = api.call("GET", f"/api/datasources/uid/{names[K_DATASOURCE]}")
                if current is None:
                    out.append(probe(K_DATASOURCE, "missing", "the data source does not exist"))
                else:
                    try:
                        wanted = datasource_model(ctx.twin, ctx.hot_reader())
                        diff = datasource_differences(current, wanted)
                    except AzureSdkError as exc:
                        diff = [str(exc)]
                    detail = "; ".join(diff) or current.get("url", "")
                    out.append(probe(K_DATASOURCE, "drifted" if diff else "present", detail))
                current = api.call("GET", f"/api/dashboards/uid/{names[K_DASHBOARD]}")
                wanted = dashboard_model(ctx.project, ctx.twin)
                out.append(probe(K_DASHBOARD, *dashboard.dashboard_state(current, wanted)))
                return out
            finally:
                api.close()
        except Exception as exc:  # a status is never a crash
            return [probe(kind, "error", f"{type(exc).__name__}: {exc}") for kind in names]
