"""Every validation rule, on a broken copy of the example project."""

from __future__ import annotations

import json

import pytest
from helpers import edit_json

from dtwin_gui.core.validation import validate_project


def only(report, code):
    found = [p for p in report.problems if p.code == code]
    assert found, f"no {code!r} problem in {[p.code for p in report.problems]}"
    return found


def test_example_project_is_valid(project):
    report = validate_project(project)
    assert report.valid, [p.location + " " + p.message for p in report.problems]
    assert report.warnings == []


def test_every_problem_is_reported_at_once(project):
    edit_json(project / "config.json", lambda c: c.update(digital_twin_name="Bad_Name"))
    edit_json(project / "config_providers.json", lambda c: c.update(layer_5_provider="google"))
    (project / "processors/pressure-sensor-1/process.py").unlink()
    report = validate_project(project)
    codes = {p.code for p in report.errors}
    assert {"twin-name", "provider-unsupported", "processor-missing"} <= codes
    assert not report.valid


def test_json_syntax_error_has_line_and_column(project):
    (project / "config_events.json").write_text('[\n  {"condition": "a.b > 1",}\n]')
    (problem,) = only(validate_project(project), "json-syntax")
    assert (problem.file, problem.line, problem.column) == ("config_events.json", 2, 27)
    assert "trailing comma" in problem.message
    assert problem.hint


def test_missing_required_file(project):
    (project / "config_providers.json").unlink()
    (problem,) = only(validate_project(project), "missing-file")
    assert problem.file == "config_providers.json"
    assert "docs/project-format.md" in problem.hint


def test_schema_errors_are_located_by_json_path(project):
    def change(devices):
        devices[0]["properties"][1]["dataType"] = "FLOAT"
        devices[1]["colour"] = "red"
        del devices[2]["properties"]

    edit_json(project / "config_iot_devices.json", change)
    report = validate_project(project)
    by_path = {p.path: p for p in report.errors}
    assert "expected 'STRING', 'DOUBLE'" in by_path["$[0].properties[1].dataType"].message
    assert by_path["$[0].properties[1].dataType"].line is not None
    assert by_path["$[1].colour"].message == "unknown key 'colour'"
    assert by_path["$[2].properties"].message == "required key 'properties' is missing"


def test_unknown_key_gets_a_spelling_suggestion(project):
    edit_json(project / "config.json", lambda c: c.update(hot_storage_size_in_dayz=3))
    problem = next(
        p for p in validate_project(project).errors if p.path == "$.hot_storage_size_in_dayz"
    )
    assert "hot_storage_size_in_days" in problem.hint


@pytest.mark.parametrize(
    ("providers", "expected"),
    [
        ({"layer_3_cold_provider": "azure"}, "storage account"),
        ({"layer_5_provider": "azure"}, "Managed Grafana"),
        ({"layer_2_provider": "google"}, "service account id"),
    ],
)
def test_twin_name_limits_depend_on_the_chosen_clouds(project, providers, expected):
    long_name = "a-very-long-factory-twin-name"
    edit_json(project / "config.json", lambda c: c.update(digital_twin_name=long_name))
    aws_only = validate_project(project)
    assert aws_only.valid, [p.message for p in aws_only.errors]
    edit_json(project / "config_providers.json", lambda c: c.update(providers))
    report = validate_project(project)
    problem = next(p for p in report.errors if expected in p.message)
    assert problem.path == "$.digital_twin_name"
    assert problem.file == "config.json" and problem.line == 2
    assert "at most" in problem.hint


def test_duplicate_devices_and_reserved_properties(project):
    def change(devices):
        devices.append(
            {"id": "temperature-sensor-2", "properties": [{"name": "x", "dataType": "DOUBLE"}]}
        )
        devices[0]["properties"].append({"name": "timestamp", "dataType": "STRING"})
        devices[1]["properties"].append({"name": "temperature", "dataType": "DOUBLE"})

    edit_json(project / "config_iot_devices.json", change)
    report = validate_project(project)
    assert only(report, "device-duplicate")[0].path == "$[3].id"
    assert only(report, "property-reserved")[0].path == "$[0].properties[2].name"
    assert only(report, "property-duplicate")[0].path == "$[1].properties[1].name"


def test_init_value_must_fit_data_type(project):
    edit_json(
        project / "config_iot_devices.json", lambda d: d[2]["properties"][1].update(initValue=1)
    )
    (problem,) = only(validate_project(project), "property-value-type")
    assert problem.path == "$[2].properties[1].initValue"


def test_condition_syntax_error_points_into_the_condition(project):
    edit_json(
        project / "config_events.json",
        lambda e: e[0].update(condition="temperature-sensor-1.temperature >> 3"),
    )
    (problem,) = only(validate_project(project), "condition-syntax")
    assert problem.path == "$[0].condition"
    assert "column" in problem.message
    assert problem.line == 3 and problem.column > 18


def test_decimal_literals_are_fine(project):
    edit_json(
        project / "config_events.json",
        lambda e: e[0].update(condition="temperature-sensor-1.temperature > DOUBLE(40.75)"),
    )
    assert validate_project(project).valid


def test_condition_references_must_exist(project):
    condition = "ghost.temperature > 1 or temperature-sensor-2.pressure > 2"
    edit_json(project / "config_events.json", lambda e: e[0].update(condition=condition))
    report = validate_project(project)
    device = only(report, "condition-device")[0]
    prop = only(report, "condition-property")[0]
    assert "'ghost'" in device.message and "temperature-sensor-1" in device.hint
    assert "'pressure'" in prop.message and "temperature" in prop.hint
    assert prop.column > device.column


def test_three_part_references_are_accepted(project):
    condition = "machine-1.temperature-sensor-1.temperature > DOUBLE(30)"
    edit_json(project / "config_events.json", lambda e: e[0].update(condition=condition))
    assert validate_project(project).valid


def test_action_code_and_feedback_target_must_exist(project):
    def change(events):
        events[0]["action"]["functionName"] = "no-such-action"
        events[0]["action"]["feedback"]["device_id"] = "ghost"

    edit_json(project / "config_events.json", change)
    report = validate_project(project)
    assert only(report, "action-missing")[0].path == "$[0].action.functionName"
    assert only(report, "feedback-target")[0].path == "$[0].action.feedback.device_id"


def test_workflow_action_needs_workflows_on(project):
    edit_json(project / "config_events.json", lambda e: e[1]["action"].update(type="workflow"))
    (problem,) = only(validate_project(project), "workflow-off")
    assert "trigger_notification_workflow" in problem.hint


def test_processor_must_define_process_event(project):
    (project / "processors/temperature-sensor-2/process.py").write_text(
        "def handler(event):\n    return event\n"
    )
    (project / "processors/pressure-sensor-1/process.py").write_text(
        "def process(event, context):\n    return event\n"
    )
    (project / "processors/temperature-sensor-1/process.py").write_text(
        "def process(event):\n    return event[\n"
    )
    report = validate_project(project)
    by_file = {p.file: p for p in report.errors if p.code == "code"}
    assert (
        "no top-level function 'process'"
        in by_file["processors/temperature-sensor-2/process.py"].message
    )
    assert "(event, context)" in by_file["processors/pressure-sensor-1/process.py"].message
    syntax = by_file["processors/temperature-sensor-1/process.py"]
    assert syntax.message.startswith("Python syntax error") and syntax.line == 2


def test_processor_is_parsed_not_imported(project, tmp_path):
    marker = tmp_path / "imported"
    (project / "processors/temperature-sensor-2/process.py").write_text(
        f"open({str(marker)!r}, 'w').close()\n\ndef process(event):\n    return event\n"
    )
    assert validate_project(project).valid
    assert not marker.exists()


def test_orphan_processor_folder_is_a_warning(project):
    (project / "processors/old-device").mkdir()
    report = validate_project(project)
    assert report.valid
    assert only(report, "processor-orphan")[0].file == "processors/old-device"


def test_payloads_reference_known_devices_and_types(project):
    def change(payloads):
        payloads.append({"device_id": "ghost", "temperature": 1})
        payloads[0]["temperature"] = "warm"
        payloads[1]["colour"] = "red"

    edit_json(project / "payloads.json", change)
    report = validate_project(project)
    assert only(report, "payload-device")[0].path == "$[5].device_id"
    assert only(report, "payload-value-type")[0].path == "$[0].temperature"
    assert only(report, "payload-property")[0].severity == "warning"


def test_google_rejected_for_l4_and_l5_with_reason(project):
    edit_json(
        project / "config_providers.json",
        lambda p: p.update(layer_4_provider="google", layer_5_provider="gcp"),
    )
    report = validate_project(project)
    unsupported = only(report, "provider-unsupported")
    assert {p.path for p in unsupported} == {"$.layer_4_provider", "$.layer_5_provider"}
    assert all("no managed" in p.message for p in unsupported)
    assert only(report, "provider-alias")[0].path == "$.layer_5_provider"


@pytest.fixture
def google_undeployable(monkeypatch):
    """Google as a cloud this version cannot deploy (since issue 15 every cloud that can host
    a layer deploys it, so the "cannot deploy" path is shown with Google taken back)."""
    from dtwin_gui.core import providers

    for slot, clouds in list(providers.DEPLOYABLE_CLOUDS.items()):
        monkeypatch.setitem(providers.DEPLOYABLE_CLOUDS, slot, clouds - {providers.Cloud.GOOGLE})


def test_a_cloud_this_version_cannot_deploy_is_an_error_at_its_provider_key(
    google_undeployable, project
):
    edit_json(
        project / "config_providers.json",
        lambda p: p.update(layer_3_hot_provider="google", layer_4_provider="google"),
    )
    report = validate_project(project)
    (problem,) = only(report, "provider-not-deployable")
    assert (problem.file, problem.path) == ("config_providers.json", "$.layer_3_hot_provider")
    lines = (project / "config_providers.json").read_text().splitlines()
    assert "layer_3_hot_provider" in lines[problem.line - 1]
    assert "L3 · Hot storage on Google Cloud cannot be deployed" in problem.message
    assert "choose AWS or Azure for this layer on the Layers page" in problem.hint
    assert not report.valid
    # Google L4 is reported once, as a cloud that cannot host it at all.
    assert only(report, "provider-unsupported")[0].path == "$.layer_4_provider"


def test_which_clouds_deploy_is_read_from_one_place(google_undeployable, project, monkeypatch):
    from dtwin_gui.core import providers

    edit_json(project / "config_providers.json", lambda p: p.update(layer_2_provider="google"))
    assert not validate_project(project).valid
    deployable = {**providers.DEPLOYABLE_CLOUDS}
    deployable[providers.Slot.L2] = frozenset(
        {*deployable[providers.Slot.L2], providers.Cloud.GOOGLE}
    )
    monkeypatch.setattr(providers, "DEPLOYABLE_CLOUDS", deployable)
    report = validate_project(project)
    assert report.valid, [p.message for p in report.errors]


def test_unknown_provider(project):
    edit_json(project / "config_providers.json", lambda p: p.update(layer_1_provider="oracle"))
    (problem,) = only(validate_project(project), "provider-unknown")
    assert problem.path == "$.layer_1_provider" and '"aws"' in problem.hint


def test_aws_hierarchy_consistency(project):
    def change(tree):
        machine = tree[0]["children"][0]["children"][0]
        machine["children"][0]["iotDeviceId"] = "ghost"
        tree[0]["children"][0]["children"][1]["id"] = "machine-1"

    edit_json(project / "twin_hierarchy/aws_hierarchy.json", change)
    report = validate_project(project)
    device = only(report, "component-device")[0]
    assert device.path == "$[0].children[0].children[0].children[0].iotDeviceId"
    assert only(report, "entity-duplicate")[0].path == "$[0].children[0].children[1].id"
    assert only(report, "device-unplaced")[0].severity == "warning"


def test_aws_hierarchy_bad_node_type(project):
    edit_json(
        project / "twin_hierarchy/aws_hierarchy.json",
        lambda t: t[0]["children"][0].update(type="room"),
    )
    report = validate_project(project)
    problem = next(p for p in report.errors if p.code.startswith("schema"))
    assert problem.path == "$[0].children[0]"
    assert "'room'" in problem.message


def test_azure_hierarchy_checked_when_l4_is_azure(project):
    edit_json(project / "config_providers.json", lambda p: p.update(layer_4_provider="azure"))
    # The hierarchy itself is fine: L4 on Azure Digital Twins is valid and deployable.
    assert [p.code for p in validate_project(project).errors] == []

    def change(h):
        h["twins"][0]["$metadata"]["$model"] = "dtmi:dtwin:factory:Nope;1"
        h["relationships"][0]["$targetId"] = "nowhere"
        h["relationships"][1]["$relationshipName"] = "owns"

    edit_json(project / "twin_hierarchy/azure_hierarchy.json", change)
    report = validate_project(project)
    assert only(report, "twin-model")[0].path == '$.twins[0]["$metadata"]["$model"]'
    assert only(report, "relationship-end")[0].path == '$.relationships[0]["$targetId"]'
    assert "'owns'" in only(report, "relationship-name")[0].message


def test_state_machine_required_for_workflows(project):
    edit_json(
        project / "config_features.json", lambda f: f.update(trigger_notification_workflow=True)
    )
    report = validate_project(project)
    assert only(report, "state-machine-missing")[0].file == "state_machines/aws_step_function.json"
    (project / "state_machines").mkdir()
    (project / "state_machines/aws_step_function.json").write_text(
        json.dumps({"StartAt": "Notify", "States": {"Other": {"Type": "Pass", "End": True}}})
    )
    problem = only(validate_project(project), "state-machine-shape")[0]
    assert "'Notify'" in problem.message and problem.path == "$.StartAt"


def test_scene_assets_required_for_3d(project):
    edit_json(project / "config_features.json", lambda f: f.update(needs_3d_model=True))
    missing = {p.file for p in only(validate_project(project), "scene-missing")}
    assert missing == {"scene_assets/aws/scene.glb", "scene_assets/aws/scene.json"}


def test_events_without_event_checking_warn(project):
    edit_json(project / "config_features.json", lambda f: f.update(use_event_checking=False))
    report = validate_project(project)
    assert report.valid
    assert only(report, "events-off")[0].severity == "warning"


def test_every_problem_has_file_message_and_hint(project):
    (project / "config_events.json").write_text("[{]")
    edit_json(project / "config.json", lambda c: c.update(mode="LOUD", digital_twin_name="X"))
    (project / "processors/temperature-sensor-1/process.py").write_text("def nope(:\n")
    for problem in validate_project(project).problems:
        assert problem.file and problem.message and problem.hint, problem


def test_feedback_that_cannot_reach_the_devices_is_a_warning_at_l2(project):
    edit_json(project / "config_providers.json", lambda p: p.update(layer_1_provider="azure"))
    report = validate_project(project)
    (problem,) = only(report, "feedback-across-clouds")
    assert problem.severity == "warning" and problem.path == "$.layer_2_provider"
    assert "L1 is on Azure and L2 on AWS" in problem.message
    assert report.valid  # the twin deploys; only the feedback is not delivered
    edit_json(project / "config_providers.json", lambda p: p.update(layer_2_provider="azure"))
    codes = [p.code for p in validate_project(project).problems]
    assert "feedback-across-clouds" not in codes
