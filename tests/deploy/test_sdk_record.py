"""The SDK record read without knowing a cloud (deploy/sdk_record.py): each step's saved state
by step id, an older (version-1) AWS file read through the AWS plugin, and the destroy
preview counting what such a record holds."""

from __future__ import annotations

import json

from dtwin_gui.deploy.review import destroy_preview
from dtwin_gui.deploy.sdk_record import saved_steps, steps_of
from dtwin_gui.deploy.workspace import DeploymentWorkspace

DEVICE = {
    "device_id": "s1",
    "thing_name": "t-s1",
    "policy_name": "t-s1",
    "certificate_id": "c",
    "certificate_arn": "arn",
}


def test_a_version_2_record_gives_each_steps_saved_state_and_keeps_other_clouds_steps():
    data = {
        "version": 2,
        "steps": {
            "aws.iot_devices": {"devices": {"s1": DEVICE}},
            "aws.twinmaker": {"workspace_id": "ws", "entities": ["factory"]},
            "azure.digital_twins": {"instance": "adt-1"},
            "google.nothing": {},
        },
    }
    steps = steps_of(data)
    assert steps["aws.iot_devices"] == {"devices": {"s1": DEVICE}}
    assert steps["aws.twinmaker"]["workspace_id"] == "ws"
    assert steps["azure.digital_twins"] == {"instance": "adt-1"}  # no plugin claims it: as saved
    assert "google.nothing" not in steps and "aws.grafana" not in steps


def test_a_version_1_record_reads_as_the_aws_steps_and_unreadable_parts_as_nothing():
    data = {"devices": {"s1": DEVICE, "broken": {"thing_name": "x"}}, "grafana": {}}
    assert steps_of(data) == {"aws.iot_devices": {"devices": {"s1": DEVICE}}}
    assert steps_of(None) == {} and steps_of(["not", "a", "record"]) == {}


def test_the_destroy_preview_lists_what_an_older_deployments_record_holds(project):
    workspace = DeploymentWorkspace(project, "sandbox")
    workspace.root.mkdir(parents=True, exist_ok=True)
    old = {"devices": {"s1": DEVICE}, "twinmaker": {"workspace_id": "ws", "entities": ["f"]}}
    workspace.sdk_state_file.write_text(json.dumps(old), "utf-8")
    assert set(saved_steps(workspace)) == {"aws.iot_devices", "aws.twinmaker"}
    preview = destroy_preview(workspace)
    assert preview.total == 3
    assert sorted(preview.layers["L1"]) == ["sdk:iot-certificate:s1"]
    assert len(preview.layers["L4"]) == 2
