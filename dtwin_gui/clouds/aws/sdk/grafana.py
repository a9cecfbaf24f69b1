"""L5 Amazon Managed Grafana: a data source on the hot reader and a generated dashboard.

Terraform makes the workspace (``aws_grafana_workspace``); this step talks to the workspace's
Grafana HTTP API (``https://<endpoint>/api/...``; ``http`` for the sandbox's loopback
endpoint) with a short-lived token of a dtwin service account (API keys are deprecated from
Grafana 9 on). The token is deleted when the step ends; the service account stays so later
runs, status probes and destroy can make new tokens.

The data source is the hot reader's Function URL (its plain JSON API: ``device_id``,
``properties``, ``start``, ``end``, ``limit``, ``order``). Its type is
:data:`DATASOURCE_TYPE`, the JSON API plugin (``marcusolsson-json-datasource``): it queries a
plain HTTPS JSON endpoint and picks fields with JSONPath, which is all the reader needs. The
plugin must be installed in the workspace (AMG plugin management, enabled by the workspace
configuration ``plugins.pluginAdminEnabled``); change the constant to switch to another
JSON plugin such as Infinity — the panel targets are built in one function,
:func:`panel_target`.

The dashboard has one panel per device property (numbers as time series, booleans and text as
state timelines). Everything is create-or-update by fixed uids; destroy deletes the dashboard,
the data source and the service account.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from urllib.parse import urlsplit

from dtwin_gui.clouds.aws.sdk.context import (
    OUT_GRAFANA_WORKSPACE_ID,
    OUT_HOT_READER_PROXY_URL,
    OUT_HOT_READER_URL,
    Probe,
    SdkContext,
    SdkError,
    describe_error,
    hint_for,
    is_not_found,
)
from dtwin_gui.clouds.aws.sdk.state import GrafanaRecord, SdkState
from dtwin_gui.core import dashboard
from dtwin_gui.core.dashboard import dashboard_uid, datasource_uid
from dtwin_gui.core.project import Project
from dtwin_gui.core.providers import Slot

LAYER = Slot.L5
K_ACCOUNT = "grafana-service-account"
K_DATASOURCE = "grafana-datasource"
K_DASHBOARD = "grafana-dashboard"
DATASOURCE_TYPE = "marcusolsson-json-datasource"
ACCOUNT_ROLE = "ADMIN"  # managing data sources needs the Admin role
TOKEN_TTL_S = 900
HTTP_TIMEOUT_S = 30
WAIT_TIMEOUT_S = 600.0
PANEL_WIDTH, PANEL_HEIGHT = 12, 8
FIELD_TYPES = {"DOUBLE": "number", "INTEGER": "number", "BOOLEAN": "boolean", "STRING": "string"}
LOOPBACK = ("127.0.0.1", "localhost", "::1")


# --------------------------------------------------------------------------- names


def service_account_name(twin: str) -> str:
    return f"dtwin-{twin}"


def reader_url(ctx: SdkContext, *, required: bool = True) -> str | None:
    """The Function URL Grafana queries: the hot reader's, or the proxy's when L3 hot is
    on another cloud."""
    from dtwin_gui.clouds.aws.sandbox_urls import reachable_url

    proxied = ctx.topology.boundary("l5-l3hot-reader") is not None
    url = ctx.output(OUT_HOT_READER_PROXY_URL if proxied else OUT_HOT_READER_URL, required=required)
    # In the sandbox moto's Function URL resolves nowhere: Grafana gets the gateway's.
    return reachable_url(ctx.target, url) if url else url


def base_url(endpoint: str) -> str:
    """The Grafana server URL of a workspace endpoint (AMG gives it without a scheme)."""
    endpoint = endpoint.rstrip("/")
    if "://" in endpoint:
        return endpoint
    host = urlsplit(f"//{endpoint}").hostname or ""
    return f"{'http' if host in LOOPBACK else 'https'}://{endpoint}"


# --------------------------------------------------------------------------- content


def datasource_model(twin: str, url: str) -> dict:
    return {
        "uid": datasource_uid(twin),
        "name": f"{twin} hot storage",
        "type": DATASOURCE_TYPE,
        "access": "proxy",
        "url": url,
        "isDefault": False,
        "jsonData": {},
    }


def panel_target(twin: str, device_id: str, prop: str, data_type: str) -> dict:
    """The JSON API query of one panel: the newest records of one device property."""
    return {
        "refId": "A",
        "datasource": {"type": DATASOURCE_TYPE, "uid": datasource_uid(twin)},
        "method": "GET",
        "urlPath": "",
        "params": [
            ["device_id", device_id],
            ["properties", prop],
            ["start", "${__from:date:iso}"],
            ["end", "${__to:date:iso}"],
            ["order", "desc"],
            ["limit", "500"],
        ],
        "fields": [
            {"jsonPath": "$.items[*].timestamp", "type": "time", "name": "time"},
            {
                "jsonPath": f"$.items[*].{prop}",
                "type": FIELD_TYPES.get(data_type, "string"),
                "name": prop,
            },
        ],
        "cacheDurationSeconds": 0,
    }


def dashboard_model(project: Project, twin: str) -> dict:
    """The dashboard: one panel per device property, two per row."""
    return dashboard.dashboard_model(
        project,
        twin,
        DATASOURCE_TYPE,
        lambda device_id, prop, data_type: panel_target(twin, device_id, prop, data_type),
        {"transformations": [{"id": "sortBy", "options": {"sort": [{"field": "time"}]}}]},
    )


_differences = dashboard.differences
_datasource_differences = dashboard.datasource_differences


# --------------------------------------------------------------------------- HTTP API


class GrafanaApiError(SdkError):
    def __init__(self, status: int, message: str, hint: str = "") -> None:
        super().__init__(message, hint)
        self.status = status


class GrafanaApi:
    """The few Grafana HTTP API calls dtwin makes, with a ``Bearer`` token."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url.rstrip("/")
        self._token = token

    def call(self, method: str, path: str, body: object = None) -> object:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method)
        request.add_header("Authorization", f"Bearer {self._token}")
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as reply:
                text = reply.read()
        except urllib.error.HTTPError as exc:
            with exc:
                detail = exc.read()[:300].decode("utf-8", "replace")
            with suppress(ValueError, AttributeError):
                detail = json.loads(detail).get("message", detail)
            raise GrafanaApiError(
                exc.code,
                f"Grafana {method} {path} answered {exc.code}: {detail}",
                _http_hint(exc.code),
            ) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise GrafanaApiError(
                0,
                f"cannot reach Grafana at {self.url}: {exc}",
                "check the network path to the workspace (VPC or network access settings)",
            ) from None
        return json.loads(text) if text else None

    def find(self, path: str) -> dict | None:
        """GET ``path``; None when Grafana says 404."""
        try:
            return self.call("GET", path)
        except GrafanaApiError as exc:
            if exc.status == 404:
                return None
            raise


def _http_hint(status: int) -> str:
    if status in (401, 403):
        return (
            "the dtwin service account lacks rights in this workspace; deploy again (it is "
            "recreated with the Admin role if it was changed)"
        )
    if status == 409:
        return "a data source with this name exists but was not made by dtwin; rename or delete it"
    return "deploy again (the steps are safe to repeat); if it persists, open the run log"


# --------------------------------------------------------------------------- workspace access


def _describe(ctx: SdkContext, workspace: str) -> dict | None:
    try:
        return ctx.client("grafana").describe_workspace(workspaceId=workspace)["workspace"]
    except Exception as exc:
        if is_not_found(exc):
            return None
        raise


def _wait_active(ctx: SdkContext, workspace: str) -> dict:
    deadline = time.monotonic() + WAIT_TIMEOUT_S
    while True:
        described = _describe(ctx, workspace)
        if described is None:
            raise SdkError(
                f"Grafana workspace {workspace} does not exist",
                "Terraform creates it in the L5 module; run the deploy again",
            )
        status = described.get("status")
        if status == "ACTIVE":
            return described
        if status and status.endswith("FAILED"):
            raise SdkError(f"Grafana workspace {workspace} is {status}", "see the AWS console")
        if time.monotonic() > deadline:
            raise SdkError(
                f"Grafana workspace {workspace} stayed {status} for {WAIT_TIMEOUT_S:.0f} s",
                "deploy again once the workspace is ACTIVE",
            )
        time.sleep(5)


def _find_account(ctx: SdkContext, workspace: str) -> dict | None:
    grafana = ctx.client("grafana")
    name = service_account_name(ctx.twin)
    token = None
    while True:
        page = grafana.list_workspace_service_accounts(
            workspaceId=workspace, **({"nextToken": token} if token else {})
        )
        for account in page.get("serviceAccounts", []):
            if account["name"] == name:
                return account
        token = page.get("nextToken")
        if not token:
            return None


def _ensure_account(ctx: SdkContext, workspace: str, *, events: bool = True) -> str:
    """The id of the dtwin service account (created, or recreated with the right role)."""
    grafana = ctx.client("grafana")
    name = service_account_name(ctx.twin)
    found = _find_account(ctx, workspace)
    if found and found.get("grafanaRole") == ACCOUNT_ROLE:
        if events:
            ctx.unchanged(LAYER, K_ACCOUNT, name)
        return found["id"]
    with ctx.step(LAYER, K_ACCOUNT, name, "replace" if found else "create"):
        if found:
            grafana.delete_workspace_service_account(
                workspaceId=workspace, serviceAccountId=found["id"]
            )
        created = grafana.create_workspace_service_account(
            workspaceId=workspace, name=name, grafanaRole=ACCOUNT_ROLE
        )
    return created["id"]


@contextmanager
def _api(ctx: SdkContext, workspace: str, endpoint: str, account: str) -> Iterator[GrafanaApi]:
    """A Grafana API client with a fresh short-lived token, deleted afterwards."""
    grafana = ctx.client("grafana")
    token = grafana.create_workspace_service_account_token(
        workspaceId=workspace,
        serviceAccountId=account,
        name=f"dtwin-{uuid.uuid4().hex[:12]}",
        secondsToLive=TOKEN_TTL_S,
    )["serviceAccountToken"]
    try:
        yield GrafanaApi(base_url(endpoint), token["key"])
    finally:
        try:
            grafana.delete_workspace_service_account_token(
                workspaceId=workspace, serviceAccountId=account, tokenId=token["id"]
            )
        except Exception as exc:  # it expires on its own within TOKEN_TTL_S
            ctx.log("warning", f"Grafana token {token['id']} not deleted: {describe_error(exc)}")


# --------------------------------------------------------------------------- deploy


def ensure_grafana(ctx: SdkContext, state: SdkState) -> None:
    """Create or update the data source and the dashboard in the Terraform-made workspace."""
    workspace = ctx.output(OUT_GRAFANA_WORKSPACE_ID)
    reader = reader_url(ctx)
    try:
        described = _wait_active(ctx, workspace)
        if state.grafana and state.grafana.workspace_id != workspace:
            ctx.log(
                "info",
                f"the Grafana workspace changed ({state.grafana.workspace_id} → {workspace}); "
                "the old one's content went with it",
            )
            state.grafana = None
        record = state.grafana or GrafanaRecord(workspace)
        record.endpoint = described["endpoint"]
        state.grafana = record
        state.save(ctx.workspace)
        record.service_account_id = _ensure_account(ctx, workspace)
        state.save(ctx.workspace)
        with _api(ctx, workspace, record.endpoint, record.service_account_id) as api:
            _ensure_datasource(ctx, state, api, datasource_model(ctx.twin, reader))
            _ensure_dashboard(ctx, state, api, dashboard_model(ctx.project, ctx.twin))
    except SdkError:
        raise
    except Exception as exc:
        raise SdkError(
            f"Grafana workspace {workspace}: {describe_error(exc)}",
            hint_for(exc, "Managed Grafana"),
        ) from exc


def _ensure_datasource(ctx: SdkContext, state: SdkState, api: GrafanaApi, wanted: dict) -> None:
    uid = wanted["uid"]
    current = api.find(f"/api/datasources/uid/{uid}")
    if current is None:
        with ctx.step(LAYER, K_DATASOURCE, uid, "create"):
            api.call("POST", "/api/datasources", wanted)
    elif _datasource_differences(current, wanted):
        with ctx.step(LAYER, K_DATASOURCE, uid, "update"):
            api.call("PUT", f"/api/datasources/uid/{uid}", wanted)
    else:
        ctx.unchanged(LAYER, K_DATASOURCE, uid)
    state.grafana.datasource_uid = uid
    state.save(ctx.workspace)


def _ensure_dashboard(ctx: SdkContext, state: SdkState, api: GrafanaApi, wanted: dict) -> None:
    uid = wanted["uid"]
    current = api.find(f"/api/dashboards/uid/{uid}")
    save = {"dashboard": wanted, "overwrite": True, "message": "dtwin deploy"}
    if current is None:
        with ctx.step(LAYER, K_DASHBOARD, uid, "create"):
            api.call("POST", "/api/dashboards/db", save)
    elif _differences(current.get("dashboard") or {}, wanted):
        with ctx.step(LAYER, K_DASHBOARD, uid, "update"):
            api.call("POST", "/api/dashboards/db", save)
    else:
        ctx.unchanged(LAYER, K_DASHBOARD, uid)
    state.grafana.dashboard_uid = uid
    state.save(ctx.workspace)


# --------------------------------------------------------------------------- destroy


def destroy_grafana(ctx: SdkContext, state: SdkState) -> list[str]:
    """Delete the dashboard, the data source and the service account dtwin made."""
    workspace = state.grafana.workspace_id if state.grafana else None
    if workspace is None and ctx.on_aws(LAYER):
        workspace = ctx.output(OUT_GRAFANA_WORKSPACE_ID, required=False)
    if workspace is None:
        return []
    try:
        described = _describe(ctx, workspace)
        if described is None:  # the workspace is gone, and its content with it
            state.grafana = None
            state.save(ctx.workspace)
            return []
        found = _find_account(ctx, workspace)
        if found is None and state.grafana is None:  # dtwin never put anything here
            return []
        # Without the account (deleted by hand) a new one is made to reach the content.
        account = found["id"] if found else _ensure_account(ctx, workspace)
        with _api(ctx, workspace, described["endpoint"], account) as api:
            for kind, path in (
                (K_DASHBOARD, f"/api/dashboards/uid/{dashboard_uid(ctx.twin)}"),
                (K_DATASOURCE, f"/api/datasources/uid/{datasource_uid(ctx.twin)}"),
            ):
                if api.find(path) is not None:
                    with ctx.step(LAYER, kind, path.rsplit("/", 1)[-1], "delete"):
                        api.call("DELETE", path)
        with ctx.step(LAYER, K_ACCOUNT, service_account_name(ctx.twin), "delete"):
            ctx.client("grafana").delete_workspace_service_account(
                workspaceId=workspace, serviceAccountId=account
            )
    except Exception as exc:
        return [f"Grafana workspace {workspace} content ({describe_error(exc)})"]
    state.grafana = None
    state.save(ctx.workspace)
    return []


# --------------------------------------------------------------------------- status


def probe_grafana(ctx: SdkContext, state: SdkState) -> list[Probe]:
    """Live state of the service account, data source and dashboard.

    Looking inside Grafana needs a token, so a short-lived one is made (and deleted).
    """
    if not ctx.on_aws(LAYER):
        return []
    names = {
        K_ACCOUNT: service_account_name(ctx.twin),
        K_DATASOURCE: datasource_uid(ctx.twin),
        K_DASHBOARD: dashboard_uid(ctx.twin),
    }

    def probe(kind: str, status: str, detail: str = "") -> Probe:
        return Probe(str(LAYER), kind, names[kind], status, detail)

    def every(status: str, detail: str) -> list[Probe]:
        return [probe(kind, status, detail) for kind in names]

    workspace = ctx.output(OUT_GRAFANA_WORKSPACE_ID, required=False) or (
        state.grafana.workspace_id if state.grafana else None
    )
    if workspace is None:
        return every("missing", "no Grafana workspace is deployed")
    try:
        described = _describe(ctx, workspace)
        if described is None:
            return every("missing", f"Grafana workspace {workspace} does not exist")
        found = _find_account(ctx, workspace)
        if found is None:
            if state.grafana is None:  # never deployed, or destroyed
                return every("missing", "not deployed (no dtwin service account)")
            unknown = "cannot look inside Grafana without the dtwin service account"
            return [
                probe(K_ACCOUNT, "missing", "deleted outside dtwin; deploy again"),
                probe(K_DATASOURCE, "error", unknown),
                probe(K_DASHBOARD, "error", unknown),
            ]
        out = [probe(K_ACCOUNT, "present", f"id {found['id']}, role {found.get('grafanaRole')}")]
        reader = reader_url(ctx, required=False)
        with _api(ctx, workspace, described["endpoint"], found["id"]) as api:
            current = api.find(f"/api/datasources/uid/{names[K_DATASOURCE]}")
            if current is None:
                out.append(probe(K_DATASOURCE, "missing", "the data source does not exist"))
            else:
                wanted = datasource_model(ctx.twin, reader or current.get("url", ""))
                diff = _datasource_differences(current, wanted)
                detail = "; ".join(diff) or current.get("url", "")
                out.append(probe(K_DATASOURCE, "drifted" if diff else "present", detail))
            current = api.find(f"/api/dashboards/uid/{names[K_DASHBOARD]}")
            wanted = dashboard_model(ctx.project, ctx.twin)
            out.append(probe(K_DASHBOARD, *dashboard.dashboard_state(current, wanted)))
        return out
    except Exception as exc:
        return every("error", describe_error(exc))
