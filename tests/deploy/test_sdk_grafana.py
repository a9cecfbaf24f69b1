"""L5 Grafana: data source and dashboard follow the project, drift is probed and repaired."""

from __future__ import annotations

import pytest
from helpers_sdk import final_states, prepare_minimal, sdk_context

from dtwin_gui.clouds.aws.sdk.context import OUT_GRAFANA_WORKSPACE_ID, OUT_HOT_READER_URL
from dtwin_gui.clouds.aws.sdk.grafana import (
    DATASOURCE_TYPE,
    GrafanaApi,
    base_url,
    dashboard_model,
    dashboard_uid,
    datasource_uid,
    destroy_grafana,
    ensure_grafana,
    probe_grafana,
)
from dtwin_gui.clouds.aws.sdk.state import SdkState
from dtwin_gui.core.project import load_project

DS = "dtwin-factory-twin-hot"
DASH = "dtwin-factory-twin"


@pytest.fixture
def prepared(aws, project):
    return prepare_minimal(aws, project)


def deploy(aws, project, outputs, events=None) -> SdkState:
    ctx = sdk_context(aws, project, outputs, events)
    state = SdkState.load(ctx.workspace)
    ensure_grafana(ctx, state)
    return state


def probes(aws, project, outputs) -> dict[str, tuple[str, str]]:
    ctx = sdk_context(aws, project, outputs)
    found = probe_grafana(ctx, SdkState.load(ctx.workspace))
    return {p.kind: (p.state, p.detail) for p in found}


def admin_api(aws, workspace: str) -> GrafanaApi:
    grafana = aws.client("grafana")
    endpoint = grafana.describe_workspace(workspaceId=workspace)["workspace"]["endpoint"]
    key = grafana.create_workspace_api_key(
        workspaceId=workspace, keyName="test", keyRole="ADMIN", secondsToLive=300
    )["key"]
    return GrafanaApi(base_url(endpoint), key)


def test_base_url_for_real_and_sandbox_endpoints():
    real = "g-abc1234567.grafana-workspace.eu-west-1.amazonaws.com"
    assert base_url(real) == f"https://{real}"
    assert base_url("127.0.0.1:4566/_grafana/g-abc1234567/") == (
        "http://127.0.0.1:4566/_grafana/g-abc1234567"
    )
    assert base_url("https://example.test/grafana") == "https://example.test/grafana"


def test_dashboard_has_one_panel_per_property_reading_the_hot_reader(project):
    model = dashboard_model(load_project(project), "factory-twin")
    assert model["uid"] == DASH
    panels = {p["title"]: p for p in model["panels"]}
    assert len(panels) == 5
    valve = panels["pressure-sensor-1 · valve_open"]
    assert valve["type"] == "state-timeline"
    assert panels["temperature-sensor-1 · humidity"]["type"] == "timeseries"
    [target] = valve["targets"]
    assert target["datasource"] == {"type": DATASOURCE_TYPE, "uid": DS}
    assert ["device_id", "pressure-sensor-1"] in target["params"]
    assert ["properties", "valve_open"] in target["params"]
    assert target["fields"][1] == {
        "jsonPath": "$.items[*].valve_open",
        "type": "boolean",
        "name": "valve_open",
    }
    positions = [(p["gridPos"]["x"], p["gridPos"]["y"]) for p in model["panels"]]
    assert positions == [(0, 0), (12, 0), (0, 8), (12, 8), (0, 16)]


def test_uids_stay_valid_for_long_twin_names():
    long_twin = "a-very-long-twin-name-that-goes-on-and-on"
    for uid in (datasource_uid(long_twin), dashboard_uid(long_twin)):
        assert len(uid) <= 40
    assert datasource_uid(long_twin) != dashboard_uid(long_twin)


def test_drifted_and_deleted_content_is_probed_and_repaired(aws, project, prepared):
    workspace = prepared.outputs[OUT_GRAFANA_WORKSPACE_ID]
    deploy(aws, project, prepared.outputs)
    api = admin_api(aws, workspace)
    changed = api.call("GET", f"/api/datasources/uid/{DS}")
    api.call("PUT", f"/api/datasources/uid/{DS}", dict(changed, url="https://elsewhere.invalid/"))
    api.call("DELETE", f"/api/dashboards/uid/{DASH}")
    found = probes(aws, project, prepared.outputs)
    assert found["grafana-datasource"] == ("drifted", "url")
    assert found["grafana-dashboard"][0] == "missing"
    assert found["grafana-service-account"][0] == "present"

    events: list = []
    deploy(aws, project, prepared.outputs, events)
    states = final_states(events)
    assert states == {
        "sdk:grafana-service-account:dtwin-factory-twin": "unchanged",
        f"sdk:grafana-datasource:{DS}": "updated",
        f"sdk:grafana-dashboard:{DASH}": "created",
    }
    assert (
        api.call("GET", f"/api/datasources/uid/{DS}")["url"]
        == (prepared.outputs[OUT_HOT_READER_URL])
    )
    assert {s for s, _ in probes(aws, project, prepared.outputs).values()} == {"present"}


def test_tokens_do_not_outlive_the_step_and_a_lost_account_is_recreated(aws, project, prepared):
    workspace = prepared.outputs[OUT_GRAFANA_WORKSPACE_ID]
    state = deploy(aws, project, prepared.outputs)
    grafana = aws.client("grafana")
    account = state.grafana.service_account_id
    tokens = grafana.list_workspace_service_account_tokens(
        workspaceId=workspace, serviceAccountId=account
    )
    assert tokens["serviceAccountTokens"] == []
    grafana.delete_workspace_service_account(workspaceId=workspace, serviceAccountId=account)
    found = probes(aws, project, prepared.outputs)
    assert found["grafana-service-account"][0] == "missing"
    assert found["grafana-datasource"][0] == "error"

    events: list = []
    state = deploy(aws, project, prepared.outputs, events)
    assert final_states(events) == {
        "sdk:grafana-service-account:dtwin-factory-twin": "created",
        f"sdk:grafana-datasource:{DS}": "unchanged",
        f"sdk:grafana-dashboard:{DASH}": "unchanged",
    }
    assert state.grafana.service_account_id != account


def test_a_replaced_workspace_gets_the_content_again(aws, project, prepared):
    deploy(aws, project, prepared.outputs)
    new = aws.client("grafana").create_workspace(
        accountAccessType="CURRENT_ACCOUNT",
        authenticationProviders=["AWS_SSO"],
        permissionType="SERVICE_MANAGED",
    )["workspace"]["id"]
    outputs = dict(prepared.outputs, **{OUT_GRAFANA_WORKSPACE_ID: new})
    events: list = []
    state = deploy(aws, project, outputs, events)
    assert set(final_states(events).values()) == {"created"}
    assert state.grafana.workspace_id == new


def test_destroy_removes_content_and_account_but_not_the_workspace(aws, project, prepared):
    workspace = prepared.outputs[OUT_GRAFANA_WORKSPACE_ID]
    deploy(aws, project, prepared.outputs)
    events: list = []
    ctx = sdk_context(aws, project, prepared.outputs, events)
    state = SdkState.load(ctx.workspace)

    assert destroy_grafana(ctx, state) == []

    assert state.grafana is None
    assert set(final_states(events).values()) == {"deleted"}
    grafana = aws.client("grafana")
    assert grafana.describe_workspace(workspaceId=workspace)["workspace"]["status"] == "ACTIVE"
    assert grafana.list_workspace_service_accounts(workspaceId=workspace)["serviceAccounts"] == []
    api = admin_api(aws, workspace)
    assert api.call("GET", "/api/datasources") == []
    assert api.call("GET", "/api/search") == []
    assert {s for s, _ in probes(aws, project, prepared.outputs).values()} == {"missing"}


def test_destroy_after_the_workspace_is_gone_has_nothing_left(aws, project, prepared):
    deploy(aws, project, prepared.outputs)
    aws.client("grafana").delete_workspace(workspaceId=prepared.outputs[OUT_GRAFANA_WORKSPACE_ID])
    ctx = sdk_context(aws, project, prepared.outputs)
    state = SdkState.load(ctx.workspace)
    assert destroy_grafana(ctx, state) == []
    assert state.grafana is None
