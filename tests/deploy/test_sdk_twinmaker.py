"""L4 TwinMaker: the model follows the project (changes, removals, drift), destroy empties it."""

from __future__ import annotations

import json

import pytest
from helpers_sandbox import create_function
from helpers_sdk import final_states, prepare_minimal, sdk_context

from dtwin_gui.clouds.aws.sdk.context import (
    OUT_TWINMAKER_CONNECTOR_ARN,
    OUT_TWINMAKER_ROLE_ARN,
    SdkError,
)
from dtwin_gui.clouds.aws.sdk.state import SdkState
from dtwin_gui.clouds.aws.sdk.twinmaker import (
    ComponentSpec,
    EntitySpec,
    component_type_body,
    destroy_twinmaker,
    ensure_twinmaker,
    probe_twinmaker,
    read_hierarchy,
)
from dtwin_gui.core.project import load_project

WS = "factory-twin-twin"


@pytest.fixture
def prepared(aws, project):
    return prepare_minimal(aws, project)


def deploy(aws, project, outputs, events=None):
    ctx = sdk_context(aws, project, outputs, events)
    state = SdkState.load(ctx.workspace)
    ensure_twinmaker(ctx, state)
    state.save(ctx.workspace)
    return ctx, state


def probes(aws, project, outputs) -> dict[str, tuple[str, str]]:
    ctx = sdk_context(aws, project, outputs)
    found = probe_twinmaker(ctx, SdkState.load(ctx.workspace))
    return {f"{p.kind}:{p.name}": (p.state, p.detail) for p in found}


def write_hierarchy(project, nodes) -> None:
    (project / "twin_hierarchy/aws_hierarchy.json").write_text(json.dumps(nodes))


def component(device: str) -> dict:
    return {"type": "component", "name": device, "iotDeviceId": device}


def test_read_hierarchy_lists_parents_first_with_their_components(project):
    entities = read_hierarchy(load_project(project))
    assert [(e.id, e.parent) for e in entities] == [
        ("factory", None),
        ("hall-1", "factory"),
        ("machine-1", "hall-1"),
        ("machine-2", "hall-1"),
    ]
    assert entities[2] == EntitySpec(
        "machine-1",
        "hall-1",
        {
            "temperature-sensor-1": ComponentSpec(
                "com.dtwin.device.temperature-sensor-1", "temperature-sensor-1"
            ),
            "pressure-sensor-1": ComponentSpec(
                "com.dtwin.device.pressure-sensor-1", "pressure-sensor-1"
            ),
        },
    )


def test_component_type_types_properties_and_binds_the_reader(project):
    device = load_project(project).devices[0]  # temperature-sensor-1, const serial
    body = component_type_body(device, "arn:aws:lambda:us-east-1:1:function:r")
    definitions = body["propertyDefinitions"]
    assert definitions["temperature"] == {
        "dataType": {"type": "DOUBLE"},
        "isTimeSeries": True,
        "isStoredExternally": True,
    }
    assert definitions["serial"] == {
        "dataType": {"type": "STRING"},
        "defaultValue": {"stringValue": "TS-0001"},
    }
    assert definitions["device_id"]["defaultValue"] == {"stringValue": "temperature-sensor-1"}
    reader = body["functions"]["dataReader"]["implementedBy"]["lambda"]["arn"]
    assert reader == "arn:aws:lambda:us-east-1:1:function:r"


def test_hierarchy_changes_update_only_what_changed(aws, project, prepared):
    deploy(aws, project, prepared.outputs)
    write_hierarchy(
        project,
        [
            {
                "type": "entity",
                "id": "factory",
                "children": [
                    {
                        "type": "entity",
                        "id": "hall-1",
                        "children": [
                            {
                                "type": "entity",
                                "id": "machine-1",
                                "children": [component("temperature-sensor-1")],
                            }
                        ],
                    },
                    {
                        "type": "entity",
                        "id": "machine-2",
                        "children": [
                            component("temperature-sensor-2"),
                            component("pressure-sensor-1"),
                        ],
                    },
                    {"type": "entity", "id": "hall-2", "children": []},
                ],
            }
        ],
    )
    events: list = []
    ctx, state = deploy(aws, project, prepared.outputs, events)
    states = final_states(events)
    assert states["sdk:twinmaker-entity:factory"] == "unchanged"
    assert states["sdk:twinmaker-entity:hall-1"] == "unchanged"
    assert states["sdk:twinmaker-entity:machine-1"] == "updated"  # lost pressure-sensor-1
    assert states["sdk:twinmaker-entity:machine-2"] == "updated"  # new parent, new component
    assert states["sdk:twinmaker-entity:hall-2"] == "created"
    assert {s for a, s in states.items() if "component-type" in a} == {"unchanged"}
    tm = ctx.client("iottwinmaker")
    machine2 = tm.get_entity(workspaceId=WS, entityId="machine-2")
    assert machine2["parentEntityId"] == "factory"
    assert set(machine2["components"]) == {"temperature-sensor-2", "pressure-sensor-1"}
    assert set(tm.get_entity(workspaceId=WS, entityId="machine-1")["components"]) == {
        "temperature-sensor-1"
    }
    assert state.twinmaker.entities == ["factory", "hall-1", "machine-1", "machine-2", "hall-2"]
    assert {s for s, _ in probes(aws, project, prepared.outputs).values()} == {"present"}


def test_removed_entities_and_devices_are_deleted(aws, project, prepared):
    deploy(aws, project, prepared.outputs)
    devices = json.loads((project / "config_iot_devices.json").read_text())
    (project / "config_iot_devices.json").write_text(
        json.dumps([d for d in devices if d["id"] != "temperature-sensor-2"])
    )
    write_hierarchy(
        project,
        [
            {
                "type": "entity",
                "id": "factory",
                "children": [
                    component("temperature-sensor-1"),
                    component("pressure-sensor-1"),
                ],
            }
        ],
    )
    events: list = []
    ctx, state = deploy(aws, project, prepared.outputs, events)
    states = final_states(events)
    for entity in ("hall-1", "machine-1", "machine-2"):
        assert states[f"sdk:twinmaker-entity:{entity}"] == "deleted"
    assert states["sdk:twinmaker-component-type:com.dtwin.device.temperature-sensor-2"] == (
        "deleted"
    )
    assert state.twinmaker.entities == ["factory"]
    tm = ctx.client("iottwinmaker")
    listed = tm.list_entities(workspaceId=WS)["entitySummaries"]
    assert [e["entityId"] for e in listed] == ["factory"]


def test_drift_is_probed_and_repaired(aws, project, prepared):
    ctx, _ = deploy(aws, project, prepared.outputs)
    tm = ctx.client("iottwinmaker")
    tm.delete_entity(workspaceId=WS, entityId="machine-2")
    tm.update_component_type(
        workspaceId=WS,
        componentTypeId="com.dtwin.device.temperature-sensor-2",
        functions={
            "dataReader": {
                "implementedBy": {"lambda": {"arn": "arn:aws:lambda:us-east-1:1:function:other"}}
            }
        },
    )
    found = probes(aws, project, prepared.outputs)
    assert found["twinmaker-entity:machine-2"][0] == "missing"
    assert found["twinmaker-component-type:com.dtwin.device.temperature-sensor-2"] == (
        "drifted",
        "data reader function",
    )
    events: list = []
    deploy(aws, project, prepared.outputs, events)
    states = final_states(events)
    assert states["sdk:twinmaker-entity:machine-2"] == "created"
    assert states["sdk:twinmaker-component-type:com.dtwin.device.temperature-sensor-2"] == (
        "updated"
    )
    assert {s for s, _ in probes(aws, project, prepared.outputs).values()} == {"present"}


def test_connector_is_looked_up_when_terraform_does_not_name_it(aws, project, prepared):
    arn = create_function(aws, "factory-twin-hot-reader", "def handler(e, c):\n    return {}\n")
    outputs = {k: v for k, v in prepared.outputs.items() if k != OUT_TWINMAKER_CONNECTOR_ARN}
    ctx, _ = deploy(aws, project, outputs)
    ctype = ctx.client("iottwinmaker").get_component_type(
        workspaceId=WS, componentTypeId="com.dtwin.device.temperature-sensor-1"
    )
    assert ctype["functions"]["dataReader"]["implementedBy"]["lambda"]["arn"] == arn


def test_a_missing_output_is_named(aws, project, prepared):
    outputs = {k: v for k, v in prepared.outputs.items() if k != OUT_TWINMAKER_ROLE_ARN}
    with pytest.raises(SdkError, match=OUT_TWINMAKER_ROLE_ARN) as caught:
        deploy(aws, project, outputs)
    assert "Terraform" in caught.value.hint


def test_destroy_empties_and_deletes_the_workspace_even_with_foreign_content(
    aws, project, prepared
):
    ctx, state = deploy(aws, project, prepared.outputs)
    tm = ctx.client("iottwinmaker")
    tm.create_entity(
        workspaceId=WS, entityId="added-by-hand", entityName="x", parentEntityId="hall-1"
    )
    events: list = []
    ctx = sdk_context(aws, project, prepared.outputs, events)
    state = SdkState.load(ctx.workspace)

    assert destroy_twinmaker(ctx, state) == []

    assert state.twinmaker is None
    assert tm.list_workspaces()["workspaceSummaries"] == []
    states = final_states(events)
    assert states["sdk:twinmaker-entity:added-by-hand"] == "deleted"
    assert states[f"sdk:twinmaker-workspace:{WS}"] == "deleted"
    found = probes(aws, project, prepared.outputs)
    assert {s for s, _ in found.values()} == {"missing"}
