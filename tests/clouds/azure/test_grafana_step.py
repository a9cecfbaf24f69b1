"""SDK step azure.grafana on the emulated Managed Grafana: a data source on the hot reader
(or its proxy) with the app's functions key, and the generated dashboard."""

from __future__ import annotations

import pytest
import requests

from dtwin_gui.clouds.azure.intent import azure_intent
from dtwin_gui.clouds.azure.provision import SANDBOX_SUFFIX
from dtwin_gui.clouds.azure.sdk.grafana import GrafanaStep, dashboard_uid, datasource_uid
from dtwin_gui.core import topology as topo
from dtwin_gui.deploy.provision_phase import save_state
from dtwin_gui.deploy.workspace import DeploymentWorkspace
from tests.clouds.azure.test_sdk_context import (
    ALL_AZURE,
    azure_project,
    context_for,
    served_sandbox,
)


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    with served_sandbox(tmp_path, monkeypatch) as served:
        yield served


def _setup(sandbox, project, providers=ALL_AZURE, events=None):
    loaded, topology = azure_project(project, providers)
    workspace = DeploymentWorkspace(project, "sandbox")
    ctx = context_for(sandbox, loaded, topology, workspace, events=events)
    return loaded, topology, workspace, ctx


def _app_with(loaded, topology, host, role):
    intent = azure_intent(
        loaded, topology, suffix=SANDBOX_SUFFIX, app_url=lambda a: f"https://{host}/{a}"
    )
    return next(a for a in intent.function_apps if a.function(role) is not None)


def _api(sandbox, path):
    url = f"{sandbox.grafana.endpoint(sandbox.host)}{path}"
    auth = {"Authorization": "Bearer test"}
    return requests.get(url, headers=auth, timeout=10, verify=str(sandbox.ca))


def test_the_datasource_reads_the_azure_hot_reader_with_its_functions_key(sandbox, project):
    loaded, topology, _, ctx = _setup(sandbox, project)
    saved = GrafanaStep().ensure(ctx, {})
    twin = topology.twin_name
    app = _app_with(loaded, topology, sandbox.host, topo.HOT_READER)
    assert app.layer == "L3_hot"

    ds = _api(sandbox, f"/api/datasources/uid/{datasource_uid(twin)}").json()
    assert ds["url"] == f"https://{sandbox.host}/{app.name}/api/hot-reader"
    assert ds["type"] == "yesoreyeram-infinity-datasource"
    assert ds["jsonData"]["httpHeaderName1"] == "x-functions-key"
    # the key is write-only: Grafana says it is set, never what it is
    assert ds["secureJsonFields"] == {"httpHeaderValue1": True}
    assert "key-L3_hot" not in str(ds)
    stored = sandbox.grafana._datasources[datasource_uid(twin)]["secureJsonData"]
    assert stored == {"httpHeaderValue1": "key-L3_hot"}

    board = _api(sandbox, f"/api/dashboards/uid/{dashboard_uid(twin)}").json()["dashboard"]
    wanted = [(d.id, p.name) for d in loaded.devices for p in d.properties]
    assert len(board["panels"]) == len(wanted)
    first = board["panels"][0]["targets"][0]
    params = {p["key"]: p["value"] for p in first["url_options"]["params"]}
    assert (params["device_id"], params["properties"]) == wanted[0]
    assert first["datasource"]["uid"] == datasource_uid(twin)
    assert saved["datasource_uid"] == datasource_uid(twin)
    assert saved["dashboard_uid"] == dashboard_uid(twin)
    assert "key-L3_hot" not in str(saved)  # the saved state keeps a digest only


def test_a_second_ensure_changes_nothing_and_a_new_key_updates_the_datasource(sandbox, project):
    events: list = []
    loaded, topology, workspace, ctx = _setup(sandbox, project, events=events)
    step = GrafanaStep()
    saved = step.ensure(ctx, {})
    version = sandbox.grafana._dashboards[dashboard_uid(topology.twin_name)]["dashboard"]["version"]
    events.clear()
    assert step.ensure(ctx, saved) == saved
    assert {e.state for e in events} == {"unchanged"} and len(events) == 2
    board = sandbox.grafana._dashboards[dashboard_uid(topology.twin_name)]["dashboard"]
    assert board["version"] == version

    # the L3 hot app's key was rotated (a new provision record)
    record = sandbox.record(loaded, topology)
    record["functions_keys"]["L3_hot"] = "rotated"
    save_state(workspace, {"azure": record})
    ctx = context_for(sandbox, loaded, topology, workspace, record, events)
    events.clear()
    again = step.ensure(ctx, saved)
    assert again["key_digest"] != saved["key_digest"]
    changed = [(e.component, e.state) for e in events if e.state != "unchanged"]
    assert changed == [("grafana-datasource", "updating"), ("grafana-datasource", "updated")]
    stored = sandbox.grafana._datasources[datasource_uid(topology.twin_name)]["secureJsonData"]
    assert stored == {"httpHeaderValue1": "rotated"}


def test_with_l3_hot_elsewhere_grafana_reads_the_proxy_on_azure(sandbox, project):
    providers = {**ALL_AZURE, "layer_3_hot_provider": "aws", "layer_4_provider": "aws"}
    loaded, topology, _, ctx = _setup(sandbox, project, providers)
    GrafanaStep().ensure(ctx, {})
    app = _app_with(loaded, topology, sandbox.host, topo.HOT_READER_PROXY)
    assert app.layer == "L5"
    ds = sandbox.grafana._datasources[datasource_uid(topology.twin_name)]
    assert ds["url"] == f"https://{sandbox.host}/{app.name}/api/hot-reader-proxy"
    assert ds["secureJsonData"] == {"httpHeaderValue1": "key-L5"}


def test_drift_is_probed_repaired_and_destroy_removes_both(sandbox, project):
    _, topology, _, ctx = _setup(sandbox, project)
    step = GrafanaStep()
    saved = step.ensure(ctx, {})
    twin = topology.twin_name
    assert {p.state for p in step.probe(ctx, saved)} == {"present"}

    sandbox.grafana._datasources[datasource_uid(twin)]["url"] = "https://elsewhere/api/x"
    del sandbox.grafana._dashboards[dashboard_uid(twin)]
    probes = {p.kind: p for p in step.probe(ctx, saved)}
    assert probes["grafana-datasource"].state == "drifted"
    assert "url" in probes["grafana-datasource"].detail
    assert probes["grafana-dashboard"].state == "missing"

    assert step.ensure(ctx, saved) == saved
    assert {p.state for p in step.probe(ctx, saved)} == {"present"}

    del sandbox.grafana._dashboards[dashboard_uid(twin)]  # removed by hand: destroy copes
    assert step.destroy(ctx, saved) == []
    assert sandbox.grafana._datasources == {} and sandbox.grafana._dashboards == {}
    assert {p.state for p in step.probe(ctx, saved)} == {"missing"}
    assert step.recorded(saved) == [
        ("grafana-datasource", datasource_uid(twin)),
        ("grafana-dashboard", dashboard_uid(twin)),
    ]


def test_describe_names_the_datasource_and_the_dashboard(project):
    loaded, topology = azure_project(project)
    items = GrafanaStep().describe(loaded, topology)
    assert [i.kind for i in items] == ["grafana-datasource", "grafana-dashboard"]
    panels = sum(len(d.properties) for d in loaded.devices)
    assert items[1].detail == f"{panels} panels"
