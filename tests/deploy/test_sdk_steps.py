"""The SDK phase end to end against the emulated AWS: deploy twice, probe, read, destroy.

Terraform's part (things, policies, functions, table, TwinMaker role and bucket, Grafana
workspace) is made with boto3 first; the hot reader really runs, so TwinMaker's
GetPropertyValueHistory and Grafana's data source proxy return what the pipeline stored.
"""

from __future__ import annotations

import json
import stat

import pytest
from helpers_aws import grafana_get
from helpers_sdk import final_states, prepare_terraform_side, sdk_context, sdk_resources

from dtwin_gui.clouds.aws.sdk.context import OUT_GRAFANA_WORKSPACE_ID
from dtwin_gui.clouds.aws.sdk.grafana import dashboard_uid, datasource_uid
from dtwin_gui.clouds.aws.sdk.iot_devices import CERT_FILE, INFO_FILE, KEY_FILE
from dtwin_gui.clouds.aws.sdk.steps import destroy_sdk, probe_sdk, run_sdk_steps
from dtwin_gui.clouds.aws.sdk.twinmaker import workspace_id

pytestmark = pytest.mark.slow

DEVICES = ("temperature-sensor-1", "temperature-sensor-2", "pressure-sensor-1")
ENTITIES = ("factory", "hall-1", "machine-1", "machine-2")
EXPECTED = {
    *(f"sdk:iot-certificate:{d}" for d in DEVICES),
    "sdk:twinmaker-workspace:factory-twin-twin",
    *(f"sdk:twinmaker-component-type:com.dtwin.device.{d}" for d in DEVICES),
    *(f"sdk:twinmaker-entity:{e}" for e in ENTITIES),
    "sdk:grafana-service-account:dtwin-factory-twin",
    "sdk:grafana-datasource:dtwin-factory-twin-hot",
    "sdk:grafana-dashboard:dtwin-factory-twin",
}


@pytest.fixture
def prepared(aws, project, tmp_path):
    return prepare_terraform_side(aws, project, tmp_path / "build")


def test_deploy_is_idempotent_probed_readable_and_fully_destroyed(aws, project, prepared):
    events: list = []
    ctx = sdk_context(aws, project, prepared.outputs, events)

    state = run_sdk_steps(ctx)

    assert final_states(events) == dict.fromkeys(EXPECTED, "created")
    layers = {e.address.split(":")[1]: e.layer for e in sdk_resources(events)}
    assert layers == {
        "iot-certificate": "L1",
        "twinmaker-workspace": "L4",
        "twinmaker-component-type": "L4",
        "twinmaker-entity": "L4",
        "grafana-service-account": "L5",
        "grafana-datasource": "L5",
        "grafana-dashboard": "L5",
    }
    assert set(state.devices) == set(DEVICES)
    assert state.twinmaker.entities == list(ENTITIES)
    assert ctx.workspace.sdk_state_file.stat().st_mode & 0o777 == 0o600

    # Device files: owner-only, in the deployment workspace, never in the project.
    for device in DEVICES:
        folder = ctx.devices_dir / device
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        for name in (CERT_FILE, KEY_FILE, INFO_FILE):
            assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
        assert "PRIVATE KEY" in (folder / KEY_FILE).read_text()
        info = json.loads((folder / INFO_FILE).read_text())
        assert info["thing_name"] == f"factory-twin-{device}"
        assert info["endpoint"] and info["telemetry_topic"].endswith(f"{device}/telemetry")
        assert info["certificate_id"] == state.devices[device].certificate_id
    assert not [p for p in project.rglob("*") if p.suffix in (".pem", ".key")]
    iot = aws.client("iot")
    for device in DEVICES:
        record = state.devices[device]
        principals = iot.list_thing_principals(thingName=record.thing_name)["principals"]
        assert principals == [record.certificate_arn]
        policies = iot.list_attached_policies(target=record.certificate_arn)["policies"]
        assert [p["policyName"] for p in policies] == [f"factory-twin-{device}"]

    # The twin's structure in TwinMaker.
    tm = ctx.client("iottwinmaker")
    ws = workspace_id(ctx.topology)
    machine = tm.get_entity(workspaceId=ws, entityId="machine-1")
    assert machine["parentEntityId"] == "hall-1" and machine["status"]["state"] == "ACTIVE"
    assert set(machine["components"]) == {"temperature-sensor-1", "pressure-sensor-1"}
    ctype = tm.get_component_type(
        workspaceId=ws, componentTypeId="com.dtwin.device.pressure-sensor-1"
    )
    assert ctype["propertyDefinitions"]["valve_open"]["dataType"]["type"] == "BOOLEAN"
    assert ctype["propertyDefinitions"]["pressure"]["isTimeSeries"] is True
    assert ctype["functions"]["dataReader"]["implementedBy"]["lambda"]["arn"].endswith(
        ":function:factory-twin-hot-reader"
    )
    assert tm.get_entity(workspaceId=ws, entityId="factory")["parentEntityId"] == "$ROOT"

    # A second run changes nothing.
    again: list = []
    run_sdk_steps(sdk_context(aws, project, prepared.outputs, again))
    assert final_states(again) == dict.fromkeys(EXPECTED, "unchanged")
    assert {e.state for e in sdk_resources(again)} == {"unchanged"}
    assert all(e.action == "noop" for e in sdk_resources(again))

    probes = probe_sdk(sdk_context(aws, project, prepared.outputs))
    assert {f"sdk:{p.kind}:{p.name}" for p in probes} == EXPECTED
    assert {p.state for p in probes} == {"present"}, [p for p in probes if p.state != "present"]

    # Telemetry through L1/L2 lands in L3 hot; TwinMaker (L4) and Grafana (L5) read it back.
    reply = aws.client("lambda").invoke(
        FunctionName=prepared.deployed.name("dispatcher"),
        Payload=json.dumps(
            {
                "device_id": "temperature-sensor-1",
                "timestamp": "2026-11-25T10:00:00.000Z",
                "temperature": 30.5,
                "humidity": 40.0,
            }
        ).encode(),
    )
    assert json.loads(reply["Payload"].read())["status"] == "routed"
    assert aws.host.drain(timeout_s=60)
    history = tm.get_property_value_history(
        workspaceId=ws,
        entityId="machine-1",
        componentName="temperature-sensor-1",
        selectedProperties=["temperature", "humidity"],
        startTime="2026-11-25T00:00:00Z",
        endTime="2026-11-26T00:00:00Z",
    )
    values = {
        h["entityPropertyReference"]["propertyName"]: h["values"] for h in history["propertyValues"]
    }
    assert values["temperature"] == [
        {"time": "2026-11-25T10:00:00.000Z", "value": {"doubleValue": 30.5}}
    ]
    assert values["humidity"][0]["value"] == {"doubleValue": 40.0}
    grafana_ws = prepared.outputs[OUT_GRAFANA_WORKSPACE_ID]
    page = grafana_get(
        aws,
        grafana_ws,
        f"/api/datasources/proxy/uid/{datasource_uid('factory-twin')}/"
        "?device_id=temperature-sensor-1&properties=temperature",
    )
    assert [item["temperature"] for item in page["items"]] == [30.5]
    dashboard = grafana_get(aws, grafana_ws, f"/api/dashboards/uid/{dashboard_uid('factory-twin')}")
    titles = [p["title"] for p in dashboard["dashboard"]["panels"]]
    assert titles == [
        "temperature-sensor-1 · temperature",
        "temperature-sensor-1 · humidity",
        "temperature-sensor-2 · temperature",
        "pressure-sensor-1 · pressure",
        "pressure-sensor-1 · valve_open",
    ]

    # Destroy removes everything the SDK made; Terraform's objects stay for Terraform.
    gone: list = []
    certificates = [state.devices[d].certificate_id for d in DEVICES]
    assert destroy_sdk(sdk_context(aws, project, prepared.outputs, gone)) == []
    assert final_states(gone) == dict.fromkeys(EXPECTED, "deleted")
    probes = probe_sdk(sdk_context(aws, project, prepared.outputs))
    assert {f"sdk:{p.kind}:{p.name}" for p in probes} == EXPECTED
    assert {p.state for p in probes} == {"missing"}, [p for p in probes if p.state != "missing"]
    assert list(ctx.devices_dir.iterdir()) == []
    assert not ctx.workspace.sdk_state_file.exists()
    assert tm.list_workspaces()["workspaceSummaries"] == []
    remaining = {c["certificateId"] for c in iot.list_certificates()["certificates"]}
    assert not remaining & set(certificates)
    for device in DEVICES:
        assert iot.list_thing_principals(thingName=f"factory-twin-{device}")["principals"] == []
    accounts = aws.client("grafana").list_workspace_service_accounts(workspaceId=grafana_ws)
    assert [a["name"] for a in accounts["serviceAccounts"]] == ["test-viewer"]
    # A second destroy finds nothing to do.
    assert destroy_sdk(sdk_context(aws, project, prepared.outputs)) == []
