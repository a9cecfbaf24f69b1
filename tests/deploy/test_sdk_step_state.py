"""SDK steps behind one protocol: saved state keyed by step id, older records upgraded, the
neutral runner's order and its refusal to stop at one failing step."""

from __future__ import annotations

import json
from dataclasses import asdict
from types import SimpleNamespace

import pytest
from helpers_sdk import final_states, prepare_minimal, sdk_context

from dtwin_gui.clouds import plugin
from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.clouds.aws.sdk.state import DeviceRecord, GrafanaRecord, SdkState, TwinMakerRecord
from dtwin_gui.clouds.aws.sdk.steps import run_sdk_steps
from dtwin_gui.clouds.base import Connections, SdkStep, StepProbe
from dtwin_gui.deploy import sdk_phase
from dtwin_gui.deploy.review import destroy_preview
from dtwin_gui.deploy.workspace import DeploymentWorkspace

DEVICE = DeviceRecord("d", "t-d", "t-d-policy", "c1", "arn:c1")
TWINMAKER = TwinMakerRecord("t-twin", ["com.dtwin.device.d"], ["a", "b"])
GRAFANA = GrafanaRecord("g-0123456789", "host", "7", "ds", "dash")


def as_version_1(state: SdkState) -> dict:
    """The record exactly as dtwin wrote it before step ids (``SdkState.to_json``, version 1)."""
    return {
        "version": 1,
        "devices": {k: asdict(v) for k, v in state.devices.items()},
        "twinmaker": asdict(state.twinmaker) if state.twinmaker else None,
        "grafana": asdict(state.grafana) if state.grafana else None,
    }


def test_the_record_is_saved_by_step_id(project):
    workspace = DeploymentWorkspace(project, "sandbox")
    SdkState({"d": DEVICE}, TWINMAKER, GRAFANA).save(workspace)

    saved = json.loads(workspace.sdk_state_file.read_text())

    assert saved == {
        "version": 2,
        "steps": {
            "aws.iot_devices": {"devices": {"d": asdict(DEVICE)}},
            "aws.twinmaker": asdict(TWINMAKER),
            "aws.grafana": asdict(GRAFANA),
        },
    }
    steps = plugin("aws").part("sdk_steps")(None)
    assert [s.step_id for s in steps] == list(saved["steps"])
    assert all(isinstance(s, SdkStep) for s in steps)


def test_a_step_of_another_cloud_survives_the_aws_steps_saving(project):
    workspace = DeploymentWorkspace(project, "sandbox")
    other = {"instance": "adt-factory", "models": ["dtmi:x;1"]}
    workspace.write_json(
        workspace.sdk_state_file, {"version": 2, "steps": {"azure.digital_twins": other}}
    )

    state = SdkState.load(workspace)
    state.devices["d"] = DEVICE
    state.save(workspace)

    steps = json.loads(workspace.sdk_state_file.read_text())["steps"]
    assert steps["azure.digital_twins"] == other and "aws.iot_devices" in steps


def test_a_version_1_record_reads_as_the_same_objects(project):
    before = SdkState({"d": DEVICE}, TWINMAKER, GRAFANA)
    workspace = DeploymentWorkspace(project, "sandbox")
    workspace.write_json(workspace.sdk_state_file, as_version_1(before))

    assert SdkState.load(workspace) == before
    # The destroy preview (read by each step from its saved state) lists every object.
    assert {layer: len(items) for layer, items in destroy_preview(workspace).layers.items()} == {
        "L1": 1,
        "L4": 4,
        "L5": 3,
    }
    assert SdkState.from_json({"version": 1, "devices": None, "twinmaker": None}).empty


@pytest.mark.slow
def test_a_twin_deployed_before_step_ids_is_destroyed_completely(aws, project):
    """An upgrading user's destroy finds everything a version-1 record names."""
    prepared = prepare_minimal(aws, project)
    made: list = []
    state = run_sdk_steps(sdk_context(aws, project, prepared.outputs, made))
    created = final_states(made)
    assert set(created.values()) == {"created"}
    workspace = DeploymentWorkspace(project, "sandbox")
    workspace.write_json(workspace.sdk_state_file, as_version_1(state))
    certificates = {r.certificate_id for r in state.devices.values()}

    events: list = []
    deployment = SimpleNamespace(
        project_root=project,
        connections=Connections.wrap(sandbox_target(aws.endpoint, aws.region)),
        workspace=workspace,
        _emit=events.append,
        _outputs=lambda: prepared.outputs,
    )
    assert sdk_phase.destroy_sdk(deployment, prepared.outputs) == []

    # Every object the record names is deleted as recorded (none found only by searching).
    assert final_states(events) == dict.fromkeys(created, "deleted")
    logged = [e.message for e in events if getattr(e, "type", "") == "log"]
    assert not [m for m in logged if "not recorded" in m]
    assert not workspace.sdk_state_file.exists()
    iot = aws.client("iot")
    assert not certificates & {c["certificateId"] for c in iot.list_certificates()["certificates"]}
    twinmaker = sdk_context(aws, project, prepared.outputs).client("iottwinmaker")
    assert twinmaker.list_workspaces()["workspaceSummaries"] == []


# --- the neutral runner, over the protocol only ----------------------------------------
class FakeStep:
    def __init__(self, step_id: str, calls: list, fail: str = "") -> None:
        self.step_id, self.layer, self.calls, self.fail = step_id, "L2", calls, fail

    def describe(self, project, topology):
        return []

    def ensure(self, ctx, saved):
        self.calls.append(("ensure", self.step_id, dict(saved)))
        return {"runs": saved.get("runs", 0) + 1}

    def destroy(self, ctx, saved):
        self.calls.append(("destroy", self.step_id, dict(saved)))
        if self.fail:
            raise RuntimeError(self.fail)
        return []

    def probe(self, ctx, saved):
        if self.fail:
            raise RuntimeError(self.fail)
        return [StepProbe(self.step_id, self.layer, "thing", "present", kind="fake")]

    def recorded(self, saved):
        return []


class FakeContext:
    def __init__(self, workspace: DeploymentWorkspace) -> None:
        self.workspace, self.logged, self._state = workspace, [], None

    def log(self, level: str, message: str) -> None:
        self.logged.append((level, message))

    def sdk_state(self, *, reload: bool = False) -> SdkState:
        if self._state is None or reload:
            self._state = SdkState.load(self.workspace)
        return self._state


def test_steps_run_in_order_are_undone_in_reverse_and_one_failure_stops_nothing(project):
    workspace = DeploymentWorkspace(project, "sandbox")
    calls: list = []
    steps = [FakeStep("x.first", calls), FakeStep("x.second", calls, fail="boom")]
    ctx = FakeContext(workspace)

    sdk_phase.run_steps(ctx, steps)
    sdk_phase.run_steps(ctx, steps)

    assert [c[:2] for c in calls] == [("ensure", "x.first"), ("ensure", "x.second")] * 2
    assert calls[-1][2] == {"runs": 1}  # the second run got what the first saved
    saved = json.loads(workspace.sdk_state_file.read_text())["steps"]
    assert saved == {"x.first": {"runs": 2}, "x.second": {"runs": 2}}

    probes = sdk_phase.probe_steps(ctx, steps)
    assert [(p.step_id, p.state) for p in probes] == [("x.first", "present"), ("x.second", "error")]

    calls.clear()
    left = sdk_phase.destroy_steps(ctx, steps)

    assert [c[:2] for c in calls] == [("destroy", "x.second"), ("destroy", "x.first")]
    assert left == ["x.second: RuntimeError: boom"]
    assert ("warning", "not removed: x.second: RuntimeError: boom") in ctx.logged
    # What was removed is forgotten, what is left stays recorded for the next destroy.
    assert json.loads(workspace.sdk_state_file.read_text())["steps"] == {"x.second": {"runs": 2}}
