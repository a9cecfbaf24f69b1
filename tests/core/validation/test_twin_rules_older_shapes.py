"""Validation of what older projects bring: TwinMaker components with properties and
constProperties, and a Google workflow in its own YAML format."""

from __future__ import annotations

import json

import pytest
from helpers import edit_json

from dtwin_gui.core.validation import validate_project

WORKFLOW_YAML = """\
main:
  params: [event]
  steps:
    - notify:
        call: sys.log
        args:
          text: '${"too hot: " + event.device_id}'
    - done:
        return: ok
"""


def only(report, code):
    found = [p for p in report.problems if p.code == code]
    assert found, f"no {code!r} problem in {[(p.code, p.message) for p in report.problems]}"
    return found


def codes(report, prefix=""):
    return {p.code for p in report.problems if p.code.startswith(prefix)}


def set_component(project, **fields) -> None:
    def change(nodes):
        machine = nodes[0]["children"][0]["children"][0]
        machine["children"][0].update(fields)  # temperature-sensor-1

    edit_json(project / "twin_hierarchy/aws_hierarchy.json", change)


# --------------------------------------------------------------------------- TwinMaker


def test_component_properties_and_constants_are_accepted(project):
    set_component(
        project,
        properties=[
            {"name": "temperature", "dataType": "DOUBLE"},
            {"name": "floor", "dataType": "LONG", "initValue": 3},
        ],
        constProperties=[{"name": "serial", "dataType": "STRING", "value": "SN-1"}],
    )
    report = validate_project(project)
    assert report.valid, [(p.file, p.message) for p in report.problems]
    assert report.warnings == []


@pytest.mark.parametrize(
    ("fields", "code", "path"),
    [
        (
            {"properties": [{"name": "temperature", "dataType": "STRING"}]},
            "component-property-type",
            "properties[0].dataType",
        ),
        (
            {"constProperties": [{"name": "serial", "dataType": "DOUBLE", "value": "x"}]},
            "component-property-value",
            "constProperties[0].value",
        ),
        (
            {
                "properties": [{"name": "floor", "dataType": "INTEGER", "initValue": 1}],
                "constProperties": [{"name": "floor", "dataType": "INTEGER", "value": 2}],
            },
            "component-property-duplicate",
            "constProperties[0].name",
        ),
        (
            {"constProperties": [{"name": "serial", "dataType": "FLOAT", "value": 1}]},
            "schema.literal_error",
            "constProperties[0].dataType",
        ),
        (
            {"constProperties": [{"name": "serial", "dataType": "STRING"}]},
            "schema.missing",
            "constProperties[0].value",
        ),
    ],
)
def test_bad_component_properties_are_located(project, fields, code, path):
    set_component(project, **fields)
    (problem,) = only(validate_project(project), code)
    assert problem.file == "twin_hierarchy/aws_hierarchy.json"
    assert problem.path.endswith(path), problem.path
    assert problem.line is not None and problem.hint


# --------------------------------------------------------------------------- Google workflow


@pytest.fixture
def google_workflows(project):
    edit_json(project / "config_providers.json", lambda p: p.update(layer_2_provider="google"))
    edit_json(
        project / "config_features.json", lambda f: f.update(trigger_notification_workflow=True)
    )
    (project / "state_machines").mkdir()
    return project / "state_machines"


@pytest.mark.parametrize("suffix", [".yaml", ".yml"])
def test_google_workflow_in_yaml_is_accepted(google_workflows, project, suffix):
    (google_workflows / f"google_cloud_workflow{suffix}").write_text(WORKFLOW_YAML)
    assert codes(validate_project(project), "state-machine") == set()
    assert "yaml-syntax" not in codes(validate_project(project))


def test_google_workflow_missing_names_the_yaml_form(google_workflows, project):
    (problem,) = only(validate_project(project), "state-machine-missing")
    assert ".yaml" in problem.hint


def test_yaml_syntax_error_has_line_and_column(google_workflows, project):
    (google_workflows / "google_cloud_workflow.yaml").write_text(
        "main:\n  steps:\n    - notify:\n        call: sys.log\n      args: [unclosed\n"
    )
    (problem,) = only(validate_project(project), "yaml-syntax")
    assert problem.file == "state_machines/google_cloud_workflow.yaml"
    assert problem.line is not None and problem.line >= 5 and problem.column is not None
    assert "invalid YAML" in problem.message


def test_yaml_without_main_steps_is_rejected(google_workflows, project):
    (google_workflows / "google_cloud_workflow.yaml").write_text("main:\n  params: [event]\n")
    (problem,) = only(validate_project(project), "state-machine-shape")
    assert "main" in problem.message and problem.file.endswith(".yaml")


def test_yaml_is_loaded_safely(google_workflows, project, tmp_path):
    marker = tmp_path / "ran"
    (google_workflows / "google_cloud_workflow.yaml").write_text(
        f"!!python/object/apply:os.system ['touch {marker}']\n"
    )
    assert only(validate_project(project), "yaml-syntax")
    assert not marker.exists()


def test_json_and_yaml_together_warn_which_one_is_used(google_workflows, project):
    (google_workflows / "google_cloud_workflow.yaml").write_text(WORKFLOW_YAML)
    (google_workflows / "google_cloud_workflow.json").write_text(
        json.dumps({"main": {"steps": [{"done": {"return": "ok"}}]}})
    )
    (problem,) = only(validate_project(project), "state-machine-duplicate")
    assert problem.file == "state_machines/google_cloud_workflow.yaml"
    assert "google_cloud_workflow.json" in problem.message
