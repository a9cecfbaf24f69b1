"""The Azure plugin's sdk_steps and saved_steps parts: which steps act, a layer that left
Azure, and the shared SDK record (other clouds' entries kept)."""

from __future__ import annotations

import pytest

from dtwin_gui.clouds.azure.sdk.context import AzureSdkError
from dtwin_gui.clouds.azure.sdk.iothub_devices import connection_string_path
from dtwin_gui.clouds.azure.sdk.state import AzureSdkState, saved_steps
from dtwin_gui.clouds.azure.sdk.steps import azure_steps
from dtwin_gui.deploy.sdk_phase import destroy_steps, probe_steps, run_steps
from dtwin_gui.deploy.workspace import DeploymentWorkspace
from tests.clouds.azure.test_sdk_context import (
    ALL_AZURE,
    azure_project,
    context_for,
    served_sandbox,
)

STEP_IDS = ["azure.iothub_devices", "azure.digital_twins", "azure.grafana"]


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    with served_sandbox(tmp_path, monkeypatch) as served:
        yield served


def test_every_step_is_listed_in_deploy_order_and_describes_only_azure_layers(project):
    assert [s.step_id for s in azure_steps(None)] == STEP_IDS
    loaded, topology = azure_project(project)
    layers = {i.layer for s in azure_steps(topology) for i in s.describe(loaded, topology)}
    assert layers == {"L1", "L4", "L5"}
    only_l4 = {**dict.fromkeys(ALL_AZURE, "aws"), "layer_4_provider": "azure"}
    loaded, topology = azure_project(project, only_l4)
    items = [i for s in azure_steps(topology) for i in s.describe(loaded, topology)]
    assert items and {i.layer for i in items} == {"L4"}


def test_a_layer_that_left_azure_is_forgotten_with_its_device_secrets(sandbox, project):
    loaded, topology = azure_project(project)
    workspace = DeploymentWorkspace(project, "sandbox")
    ctx = context_for(sandbox, loaded, topology, workspace)
    run_steps(ctx, azure_steps(topology))
    device = loaded.devices[0].id
    assert connection_string_path(workspace.root, device).exists()

    # L1 moves to AWS: the hub went with the provisioned L1, the record has no hub any more
    providers = {**ALL_AZURE, "layer_1_provider": "aws"}
    loaded, topology = azure_project(project, providers)
    events: list = []
    record = sandbox.record(loaded, topology, iothub=None)
    ctx = context_for(sandbox, loaded, topology, workspace, record, events)
    run_steps(ctx, azure_steps(topology))
    saved = workspace.read_json(workspace.sdk_state_file, None)["steps"]
    assert "azure.iothub_devices" not in saved and "azure.digital_twins" in saved
    assert not connection_string_path(workspace.root, device).exists()
    assert any("L1 is no longer on Azure" in getattr(e, "message", "") for e in events)
    assert not [p for p in probe_steps(ctx, azure_steps(topology)) if p.layer == "L1"]
    assert destroy_steps(ctx, azure_steps(topology)) == []
    assert not workspace.sdk_state_file.exists()


def test_a_status_before_any_deploy_lists_what_is_missing(sandbox, project):
    loaded, topology = azure_project(project)
    ctx = context_for(sandbox, loaded, topology, DeploymentWorkspace(project, "sandbox"))
    probes = probe_steps(ctx, azure_steps(topology))
    assert {p.state for p in probes} == {"missing"}
    devices = {p.name for p in probes if p.step_id == "azure.iothub_devices"}
    assert devices == {d.id for d in loaded.devices}
    assert {p.step_id for p in probes} == set(STEP_IDS)


def test_the_record_keeps_other_clouds_steps_and_the_part_reads_only_azures(project):
    workspace = DeploymentWorkspace(project, "sandbox")
    aws = {"workspace_id": "twin", "component_types": ["c"], "entities": ["e"]}
    workspace.write_json(
        workspace.sdk_state_file,
        {"version": 2, "steps": {"aws.twinmaker": aws, "azure.grafana": {"grafana": "u"}}},
    )
    state = AzureSdkState.load(workspace)
    state.set_step("azure.digital_twins", {"twins": ["t"]})
    state.set_step("azure.grafana", {})
    state.save(workspace)
    data = workspace.read_json(workspace.sdk_state_file, None)
    assert data == {
        "version": 2,
        "steps": {"aws.twinmaker": aws, "azure.digital_twins": {"twins": ["t"]}},
    }
    assert saved_steps(data) == {"azure.digital_twins": {"twins": ["t"]}}
    assert saved_steps({"devices": {}}) == {}  # an AWS version-1 file has no Azure step
    state.set_step("aws.twinmaker", {})
    state.set_step("azure.digital_twins", None)
    state.save(workspace)
    assert not workspace.sdk_state_file.exists()


def test_an_sdk_refusal_names_the_layer_and_the_role_to_grant(sandbox, project):
    loaded, topology = azure_project(project)
    workspace = DeploymentWorkspace(project, "sandbox")
    record = sandbox.record(loaded, topology)
    conn = record["iothub"]["connection_string"]
    wrong = conn.replace(sandbox.iothub.owner_key, "d3Jvbmcta2V5LW5vdC10aGUtaHVicw==")
    record["iothub"] = {**record["iothub"], "connection_string": wrong}
    ctx = context_for(sandbox, loaded, topology, workspace, record)
    with pytest.raises(AzureSdkError, match="L1 on Azure: IoT Hub device identities") as caught:
        run_steps(ctx, azure_steps(topology))
    assert "IoT Hub Data Contributor" in caught.value.hint
    assert sandbox.iothub.summary()["devices"] == 0


def test_an_unreadable_twin_hierarchy_is_named(sandbox, project):
    loaded, topology = azure_project(project)
    (project / "twin_hierarchy" / "azure_hierarchy.json").write_text("{not json")
    ctx = context_for(sandbox, loaded, topology, DeploymentWorkspace(project, "sandbox"))
    with pytest.raises(AzureSdkError, match=r"azure_hierarchy\.json cannot be read"):
        run_steps(ctx, azure_steps(topology))
    assert sandbox.iothub.summary()["devices"] == len(loaded.devices)  # L1 went first
    assert sandbox.adt.summary()["models"] == 0
