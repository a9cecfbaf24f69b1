"""The SDK phase as a whole: which layers get objects, what the record holds, what is reported
when something stays, and that probing an unreachable cloud is a status, not a crash."""

from __future__ import annotations

import json

import pytest
from helpers_sdk import final_states, prepare_minimal, sdk_context

from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.clouds.aws.sdk.iot_devices import thing_name
from dtwin_gui.clouds.aws.sdk.state import DeviceRecord, GrafanaRecord, SdkState, TwinMakerRecord
from dtwin_gui.clouds.aws.sdk.steps import destroy_sdk, probe_sdk, run_sdk_steps
from dtwin_gui.deploy.workspace import DeploymentWorkspace


def test_state_round_trips_and_tolerates_damage(project):
    state = SdkState(
        devices={"d": DeviceRecord("d", "t-d", "t-d-policy", "c1", "arn:c1")},
        twinmaker=TwinMakerRecord("t-twin", ["com.dtwin.device.d"], ["a", "b"]),
        grafana=GrafanaRecord("g-0123456789", "host", "7", "ds", "dash"),
    )
    assert SdkState.from_json(json.loads(json.dumps(state.to_json()))) == state
    damaged = state.to_json()
    damaged["steps"]["aws.iot_devices"]["devices"]["broken"] = {"device_id": "x"}
    damaged["steps"]["aws.grafana"] = {"unexpected": 1}
    read = SdkState.from_json(damaged)
    assert set(read.devices) == {"d"} and read.grafana is None and read.twinmaker
    assert SdkState.from_json("nonsense").empty

    workspace = DeploymentWorkspace(project, "sandbox")
    state.save(workspace)
    assert workspace.sdk_state_file.stat().st_mode & 0o777 == 0o600
    assert SdkState.load(workspace) == state
    SdkState().save(workspace)
    assert not workspace.sdk_state_file.exists()


@pytest.mark.slow
def test_a_layer_leaving_aws_loses_its_sdk_objects(aws, project):
    prepared = prepare_minimal(aws, project)
    run_sdk_steps(sdk_context(aws, project, prepared.outputs))
    providers = json.loads((project / "config_providers.json").read_text())
    providers["layer_4_provider"] = "azure"
    (project / "config_providers.json").write_text(json.dumps(providers))

    events: list = []
    state = run_sdk_steps(sdk_context(aws, project, prepared.outputs, events))

    states = final_states(events)
    assert states["sdk:twinmaker-workspace:factory-twin-twin"] == "deleted"
    assert state.twinmaker is None and state.grafana is not None and len(state.devices) == 3
    assert {s for a, s in states.items() if "twinmaker" not in a} == {"unchanged"}
    tm = sdk_context(aws, project, prepared.outputs).client("iottwinmaker")
    assert tm.list_workspaces()["workspaceSummaries"] == []
    probed = probe_sdk(sdk_context(aws, project, prepared.outputs))
    assert {p.layer for p in probed} == {"L1", "L5"}


@pytest.mark.slow
def test_destroy_reports_what_it_could_not_remove(aws, project):
    prepared = prepare_minimal(aws, project)
    run_sdk_steps(sdk_context(aws, project, prepared.outputs))
    iot = aws.client("iot")
    shared = iot.create_keys_and_certificate(setAsActive=True)
    iot.create_thing(thingName="someone-elses-thing")
    for thing in (thing_name("factory-twin", "temperature-sensor-1"), "someone-elses-thing"):
        iot.attach_thing_principal(thingName=thing, principal=shared["certificateArn"])

    left = destroy_sdk(sdk_context(aws, project, prepared.outputs))

    assert left == [f"IoT certificate {shared['certificateId']} (also used outside this twin)"]
    # ... detached from the twin's thing, so Terraform can delete the thing
    principals = iot.list_thing_principals(thingName="factory-twin-temperature-sensor-1")
    assert principals["principals"] == []
    assert iot.list_thing_principals(thingName="someone-elses-thing")["principals"] == [
        shared["certificateArn"]
    ]


def test_probing_an_unreachable_cloud_reports_errors(project):
    from dtwin_gui.clouds.aws.sdk.context import OUT_GRAFANA_WORKSPACE_ID, SdkContext
    from dtwin_gui.core.project import load_project
    from dtwin_gui.core.topology import topology_for_project

    loaded = load_project(project)
    ctx = SdkContext(
        project=loaded,
        topology=topology_for_project(loaded),
        target=sandbox_target("http://127.0.0.1:9"),
        workspace=DeploymentWorkspace(project, "sandbox"),
        outputs={OUT_GRAFANA_WORKSPACE_ID: "g-0123456789"},
    )
    probed = probe_sdk(ctx)
    assert {p.layer for p in probed} == {"L1", "L4", "L5"}
    assert {p.state for p in probed} == {"error"}
    assert all(
        "Could not connect" in p.detail or "EndpointConnectionError" in p.detail for p in probed
    )
