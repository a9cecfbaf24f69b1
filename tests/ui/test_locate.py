"""Finding a problem's line from its JSON path when the validator gave none."""

from __future__ import annotations

import pytest

from dtwin_gui.core.problems import Problem, Severity
from dtwin_gui.ui.locate import parse_json_path, problem_position


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("$", ()),
        ("$[0].properties[1].name", (0, "properties", 1, "name")),
        ('$.twins[2]["$dtId"]', ("twins", 2, "$dtId")),
        ('$.models[0]["@id"]', ("models", 0, "@id")),
        ('$["odd key"]', ("odd key",)),
        ("devices[0]", None),
        ("$..x", None),
    ],
)
def test_parse_json_path(text, parts):
    assert parse_json_path(text) == parts


def test_position_from_json_path(project):
    text = (project / "config_iot_devices.json").read_text(encoding="utf-8").splitlines()
    expected = next(i for i, line in enumerate(text, 1) if '"valve_open"' in line)
    problem = Problem(Severity.ERROR, "config_iot_devices.json", "$[2].properties[1].name", "x")
    line, column = problem_position(project, problem)
    assert line == expected
    assert column == text[expected - 1].index('"valve_open"') + 1


def test_position_given_by_the_validator_wins(project):
    problem = Problem(Severity.ERROR, "config.json", "$.mode", "x", line=4, column=3)
    assert problem_position(project, problem) == (4, 3)


def test_unknown_position_means_top_of_file(project):
    (project / "config_events.json").write_text("[ broken", encoding="utf-8")
    problem = Problem(Severity.ERROR, "config_events.json", "$[0].condition", "x")
    assert problem_position(project, problem) == (None, None)
    code = Problem(Severity.WARNING, "processors/x/process.py", "", "x")
    assert problem_position(project, code) == (None, None)
