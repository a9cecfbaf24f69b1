"""Creating code from templates: valid code, and an existing file is never overwritten."""

from __future__ import annotations

import pytest

from dtwin_gui.code.kinds import FEEDBACK_TARGET, action_target, processor_target
from dtwin_gui.code.templates import CodeFileExistsError, create_from_template
from dtwin_gui.code.test_run import run_code_test
from dtwin_gui.core.project import load_project
from dtwin_gui.core.validation import validate_project


def test_created_processor_passes_validation_and_runs(project):
    target = processor_target("temperature-sensor-2")
    target.path(project).unlink()
    p = load_project(project)
    device = next(d for d in p.devices if d.id == "temperature-sensor-2")
    path = create_from_template(project, target, device)
    assert path.is_file() and "def process(event: dict) -> dict:" in path.read_text()
    assert not [e for e in validate_project(project).errors if e.file == target.rel_path]
    result = run_code_test(p, target)
    assert result.ok, result.error
    assert result.output["temperature"] == 23.1


@pytest.mark.parametrize("target", [action_target("new-action"), FEEDBACK_TARGET])
def test_created_action_and_feedback_run(project, target):
    target.path(project).unlink(missing_ok=True)
    create_from_template(project, target)
    result = run_code_test(load_project(project), target)
    assert result.ok, result.error
    assert isinstance(result.output, dict)


def test_an_existing_file_is_never_overwritten(project):
    target = processor_target("temperature-sensor-1")
    before = target.path(project).read_text()
    with pytest.raises(CodeFileExistsError, match="already exists"):
        create_from_template(project, target)
    assert target.path(project).read_text() == before


def test_a_name_leaving_the_project_is_refused(project):
    with pytest.raises(ValueError, match="outside the project"):
        create_from_template(project, action_target("../../escape"))
    assert not (project.parent / "escape").exists()
