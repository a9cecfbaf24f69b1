"""The generated-placeholder rule: a warning per marked code file, at the marker's line."""

from __future__ import annotations

from dtwin_gui.core.validation import validate_project
from dtwin_gui.core.validation.generated_rules import GENERATED_CODE, GENERATED_MARKER

PROCESSOR = "processors/temperature-sensor-1/process.py"


def placeholders(root):
    return [p for p in validate_project(root).warnings if p.code == GENERATED_CODE]


def test_the_example_project_has_no_placeholder(project):
    assert placeholders(project) == []


def test_a_marked_file_is_warned_about_at_the_marker_line(project):
    path = project / PROCESSOR
    lines = path.read_text().splitlines()
    lines.insert(3, f"    {GENERATED_MARKER} - placeholder")  # indented, on line 4
    path.write_text("\n".join(lines) + "\n")
    helper = project / "event_actions/high-temperature-alert/helper.py"
    helper.write_text(f"{GENERATED_MARKER} - helper\nX = 1\n")

    found = {(p.file, p.line) for p in placeholders(project)}
    assert found == {(PROCESSOR, 4), ("event_actions/high-temperature-alert/helper.py", 1)}


def test_the_marker_text_elsewhere_is_not_a_marker(project):
    path = project / PROCESSOR
    text = path.read_text()
    path.write_text(text + f'\nNOTE = "{GENERATED_MARKER} is how the importer marks code"\n')

    assert placeholders(project) == []
