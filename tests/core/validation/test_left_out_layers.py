"""L4/L5 "none": what validation says about a twin without a twin model or dashboards."""

from __future__ import annotations

import json

from helpers import edit_json

from dtwin_gui.core.validation import validate_project


def _leave_out(project, *keys):
    edit_json(project / "config_providers.json", lambda c: c.update(dict.fromkeys(keys, "none")))


def test_twin_without_l4_and_l5_is_valid_without_a_hierarchy(project):
    _leave_out(project, "layer_4_provider", "layer_5_provider")
    for rel in ("twin_hierarchy/aws_hierarchy.json", "twin_hierarchy/azure_hierarchy.json"):
        (project / rel).unlink(missing_ok=True)
    report = validate_project(project)
    assert report.valid, [p.location + " " + p.message for p in report.problems]
    assert report.warnings == []


def test_an_empty_hierarchy_is_not_checked_without_l4(project):
    _leave_out(project, "layer_4_provider")
    (project / "twin_hierarchy/aws_hierarchy.json").write_text("[]")
    (project / "twin_hierarchy/azure_hierarchy.json").write_text("{}")
    report = validate_project(project)
    assert report.valid and report.warnings == []


def test_a_3d_scene_needs_the_twin_model(project):
    _leave_out(project, "layer_4_provider")
    edit_json(project / "config_features.json", lambda c: c.update(needs_3d_model=True))
    (problem,) = [p for p in validate_project(project).errors if p.code == "needs-twin-model"]
    assert (problem.file, problem.path) == ("config_features.json", "$.needs_3d_model")
    assert problem.line is not None
    assert "no twin model (L4 is none)" in problem.message
    assert "needs_3d_model to false" in problem.hint and "layer_4_provider" in problem.hint


def test_a_condition_naming_a_twin_entity_is_reported(project):
    _leave_out(project, "layer_4_provider")
    rules = json.loads((project / "config_events.json").read_text())
    device, prop = rules[0]["condition"].split()[0].split(".")
    rules[0]["condition"] = f"room-1.{device}.{prop} > 1"
    (project / "config_events.json").write_text(json.dumps(rules))
    report = validate_project(project)
    (problem,) = [p for p in report.warnings if p.code == "condition-entity-without-twin"]
    assert (problem.file, problem.path) == ("config_events.json", "$[0].condition")
    assert "'room-1'" in problem.message
    assert f"write {device}.{prop} instead" in problem.hint


def test_none_on_a_required_layer_is_a_located_error(project):
    _leave_out(project, "layer_2_provider")
    (problem,) = [p for p in validate_project(project).errors if p.code == "provider-required"]
    assert (problem.file, problem.path) == ("config_providers.json", "$.layer_2_provider")
    assert 'cannot be "none"' in problem.message and "L1 to L3" in problem.message
    assert problem.line is not None


def test_none_spelled_otherwise_is_read_as_none(project):
    edit_json(project / "config_providers.json", lambda c: c.update(layer_5_provider="None"))
    report = validate_project(project)
    assert report.errors == []
    (alias,) = [p for p in report.warnings if p.code == "provider-alias"]
    assert alias.path == "$.layer_5_provider" and 'read as "none"' in alias.message
