"""L4 TwinMaker: a hierarchy component's properties/constProperties reach the deployed component
(on the emulated TwinMaker of the sandbox), are kept in step and probed for drift."""

from __future__ import annotations

import json

import pytest
from helpers_sdk import final_states, prepare_minimal, sdk_context

from dtwin_gui.clouds.aws.sdk.state import SdkState
from dtwin_gui.clouds.aws.sdk.twinmaker import ensure_twinmaker, probe_twinmaker
from dtwin_gui.core.validation import validate_project

WS = "factory-twin-twin"


def hierarchy(serial: str = "SN-42", floor: int = 3) -> list:
    return [
        {
            "type": "entity",
            "id": "factory",
            "children": [
                {
                    "type": "component",
                    "name": "temperature-sensor-1",
                    "iotDeviceId": "temperature-sensor-1",
                    # temperature is streamed by the device: nothing to write for it
                    "properties": [
                        {"name": "temperature", "dataType": "DOUBLE"},
                        {"name": "floor", "dataType": "INTEGER", "initValue": floor},
                    ],
                    "constProperties": [
                        {"name": "serial", "dataType": "STRING", "value": serial},
                        {"name": "vendor", "dataType": "STRING", "value": "ACME"},
                    ],
                },
                {
                    "type": "component",
                    "name": "temperature-sensor-2",
                    "iotDeviceId": "temperature-sensor-2",
                },
                {
                    "type": "component",
                    "name": "pressure-sensor-1",
                    "iotDeviceId": "pressure-sensor-1",
                },
            ],
        }
    ]


def write(project, nodes) -> None:
    (project / "twin_hierarchy/aws_hierarchy.json").write_text(json.dumps(nodes))


def deploy(aws, project, outputs, events=None):
    ctx = sdk_context(aws, project, outputs, events)
    state = SdkState.load(ctx.workspace)
    ensure_twinmaker(ctx, state)
    state.save(ctx.workspace)
    return ctx


def values(ctx, component: str = "temperature-sensor-1") -> dict:
    entity = ctx.client("iottwinmaker").get_entity(workspaceId=WS, entityId="factory")
    props = entity["components"][component]["properties"]
    return {name: p.get("value") for name, p in props.items()}


@pytest.fixture
def prepared(aws, project):
    write(project, hierarchy())
    return prepare_minimal(aws, project)


def test_hierarchy_with_component_properties_validates(project):
    write(project, hierarchy())
    problems = [p for p in validate_project(project).problems if "hierarchy" in p.file]
    assert [p for p in problems if p.severity.value == "error"] == []


def test_component_properties_and_constants_are_written_into_the_component(aws, project, prepared):
    ctx = deploy(aws, project, prepared.outputs)
    got = values(ctx)
    assert got["serial"] == {"stringValue": "SN-42"}  # overrides the device's TS-0001
    assert got["vendor"] == {"stringValue": "ACME"}  # a constant the device type lacks
    assert got["floor"] == {"integerValue": 3}  # a new property with its initial value
    assert got["device_id"] == {"stringValue": "temperature-sensor-1"}
    assert "vendor" not in values(ctx, "temperature-sensor-2")  # only where it was written
    probes = probe_twinmaker(ctx, SdkState.load(ctx.workspace))
    assert {p.state for p in probes} == {"present"}


def test_a_changed_constant_updates_the_component_and_is_seen_as_drift(aws, project, prepared):
    ctx = deploy(aws, project, prepared.outputs)
    write(project, hierarchy(serial="SN-43", floor=4))
    ctx = sdk_context(aws, project, prepared.outputs)
    drift = {p.name: p.detail for p in probe_twinmaker(ctx, SdkState.load(ctx.workspace))}
    assert "property serial" in drift["factory"] and "property floor" in drift["factory"]

    events: list = []
    ctx = deploy(aws, project, prepared.outputs, events)
    assert final_states(events)["sdk:twinmaker-entity:factory"] == "updated"
    assert values(ctx)["serial"] == {"stringValue": "SN-43"}
    assert values(ctx)["floor"] == {"integerValue": 4}

    events = []
    deploy(aws, project, prepared.outputs, events)
    assert final_states(events)["sdk:twinmaker-entity:factory"] == "unchanged"
