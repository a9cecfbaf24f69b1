"""An older project whose workflow is Google Workflows YAML imports and validates."""

from __future__ import annotations

import json

from dtwin_gui.core.importer import import_project
from dtwin_gui.core.validation import validate_project

from .test_import_project import entry_for, old_project_files, write_files

WORKFLOW = "state_machines/google_cloud_workflow.yaml"
YAML = """\
main:
  params: [event]
  steps:
    - log:
        call: sys.log
        args:
          text: '${"workflow for " + event.iotDeviceId}'
    - done:
        return: ok
"""


def older_google_project() -> dict[str, str]:
    files = old_project_files()
    providers = json.loads(files["config_providers.json"])
    providers["layer_2_provider"] = "google"
    files["config_providers.json"] = json.dumps(providers)
    optimization = json.loads(files["config_optimization.json"])
    optimization["result"]["inputParamsUsed"]["triggerNotificationWorkflow"] = True
    files["config_optimization.json"] = json.dumps(optimization)
    files[WORKFLOW] = YAML
    return files


def workflow_problems(dest) -> list:
    return [
        (p.file, p.code, p.message)
        for p in validate_project(dest).problems
        if p.file.startswith("state_machines/") or p.code.startswith("state-machine")
    ]


def test_google_workflow_yaml_is_imported_and_valid(tmp_path):
    source = write_files(tmp_path / "old", older_google_project())
    report = import_project(source, tmp_path / "new")

    assert entry_for(report, WORKFLOW, "copied").target == WORKFLOW
    assert (tmp_path / "new" / WORKFLOW).read_text() == YAML
    assert workflow_problems(tmp_path / "new") == []


def test_a_broken_google_workflow_yaml_is_located(tmp_path):
    files = older_google_project()
    files[WORKFLOW] = "main:\n  steps:\n    - log: {call: sys.log\n"
    source = write_files(tmp_path / "old", files)
    import_project(source, tmp_path / "new")

    problems = [p for p in validate_project(tmp_path / "new").errors if p.code == "yaml-syntax"]
    assert [(p.file, p.line is not None, p.column is not None) for p in problems] == [
        (WORKFLOW, True, True)
    ]
