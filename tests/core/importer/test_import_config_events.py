"""Issue 12 items 7, 9 and 10: feedback payloads and feature flags of older event rules."""

from __future__ import annotations

import json

from dtwin_gui.core.importer import import_project
from dtwin_gui.core.validation import validate_project

from .test_import_project import old_project_files, write_files


def _import(tmp_path, files):
    dest = tmp_path / "new"
    return import_project(write_files(tmp_path / "old", files), dest), dest


def _rules(dest):
    return json.loads((dest / "config_events.json").read_text(encoding="utf-8"))


def _features(dest):
    return json.loads((dest / "config_features.json").read_text(encoding="utf-8"))


def _with_feedback(feedback: dict) -> dict[str, str]:
    files = old_project_files()
    rules = json.loads(files["config_events.json"])
    rules[0]["action"]["feedback"] = feedback
    files["config_events.json"] = json.dumps(rules)
    return files


# --------------------------------------------------------------------------- item 7


def test_string_feedback_payload_becomes_a_message_object(tmp_path):
    files = _with_feedback(
        {"type": "mqtt", "iotDeviceId": "temperature-sensor-1", "payload": "High Temp Warning"}
    )

    report, dest = _import(tmp_path, files)

    feedback = _rules(dest)[0]["action"]["feedback"]
    assert feedback == {
        "device_id": "temperature-sensor-1",
        "payload": {"message": "High Temp Warning"},
    }
    events = [e for e in report.entries if e.source == "config_events.json"]
    assert any('{"message": "High Temp Warning"}' in e.message for e in events)
    assert not [e for e in report.needs_attention if e.source == "config_events.json"]
    assert validate_project(dest).errors == []


# --------------------------------------------------------------------------- item 10


def test_missing_feedback_payload_needs_attention_and_is_not_made_up(tmp_path):
    files = _with_feedback({"type": "mqtt", "iotDeviceId": "temperature-sensor-1"})

    report, dest = _import(tmp_path, files)

    assert _rules(dest)[0]["action"]["feedback"] == {"device_id": "temperature-sensor-1"}
    [attention] = [e for e in report.needs_attention if e.source == "config_events.json"]
    assert "rule 1" in attention.message
    assert "no payload" in attention.message
    assert "refused" in attention.message
    # The validator keeps pointing at it until the user writes a payload.
    errors = validate_project(dest).errors
    assert [e.file for e in errors] == ["config_events.json"]
    assert "payload" in errors[0].message


# --------------------------------------------------------------------------- item 9


def test_no_optimization_file_infers_event_checking_and_feedback(tmp_path):
    files = old_project_files()
    del files["config_optimization.json"]

    report, dest = _import(tmp_path, files)

    assert _features(dest) == {
        "use_event_checking": True,
        "trigger_notification_workflow": False,
        "return_feedback_to_device": True,
        "integrate_error_handling": False,
        "needs_3d_model": False,
    }
    [entry] = [e for e in report.entries if e.target == "config_features.json"]
    assert "inferred" in entry.message
    assert "use_event_checking (1 event rule(s))" in entry.message
    assert "return_feedback_to_device (1 rule(s) send feedback)" in entry.message
    result = validate_project(dest)
    assert result.errors == []
    assert not [w for w in result.warnings if w.code in ("events-off", "feedback-off")]


def test_no_optimization_file_infers_the_workflow_from_a_rule(tmp_path):
    files = old_project_files()
    del files["config_optimization.json"]
    rules = json.loads(files["config_events.json"])
    rules.append(
        {
            "condition": "pressure-sensor-1.pressure > DOUBLE(2)",
            "action": {"type": "step_function", "functionName": "notify"},
        }
    )
    files["config_events.json"] = json.dumps(rules)
    files["state_machines/aws_step_function.json"] = json.dumps(
        {"StartAt": "Notify", "States": {"Notify": {"Type": "Pass", "End": True}}}
    )

    report, dest = _import(tmp_path, files)

    assert _features(dest)["trigger_notification_workflow"] is True
    [entry] = [e for e in report.entries if e.target == "config_features.json"]
    assert "trigger_notification_workflow (1 rule(s) start a workflow)" in entry.message
    assert validate_project(dest).errors == []


def test_no_optimization_file_infers_the_workflow_from_the_state_machine(tmp_path):
    files = old_project_files()
    del files["config_optimization.json"]
    files["state_machines/aws_step_function.json"] = json.dumps(
        {"StartAt": "Notify", "States": {"Notify": {"Type": "Pass", "End": True}}}
    )

    _, dest = _import(tmp_path, files)

    assert _features(dest)["trigger_notification_workflow"] is True
    assert validate_project(dest).errors == []


def test_state_machine_of_another_cloud_does_not_switch_workflows_on(tmp_path):
    files = old_project_files()
    del files["config_optimization.json"]
    files["state_machines/azure_logic_app.json"] = json.dumps({"definition": {}})

    _, dest = _import(tmp_path, files)

    assert _features(dest)["trigger_notification_workflow"] is False
    assert validate_project(dest).errors == []


def test_no_optimization_file_leaves_the_scene_off_and_says_so(tmp_path):
    files = old_project_files()
    del files["config_optimization.json"]
    files["scene_assets/aws/scene.glb"] = "glb"
    files["scene_assets/aws/scene.json"] = "{}"

    report, dest = _import(tmp_path, files)

    assert _features(dest)["needs_3d_model"] is False
    [entry] = [e for e in report.entries if e.target == "config_features.json"]
    assert "needs_3d_model stays off" in entry.message
    assert validate_project(dest).errors == []
