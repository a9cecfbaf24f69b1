"""Replacing code with a chosen file: checked before, atomic, with a backup to undo."""

from __future__ import annotations

import pytest

from dtwin_gui.code.kinds import action_target, processor_target
from dtwin_gui.code.replace import ReplaceError, replace_code, undo_replace

TARGET = processor_target("temperature-sensor-2")


def test_a_good_file_replaces_the_processor_and_can_be_undone(project, tmp_path):
    old = TARGET.path(project).read_text()
    chosen = tmp_path / "mine.py"
    chosen.write_text("def process(event):\n    event['x'] = 1\n    return event\n")
    done = replace_code(project, TARGET, chosen)
    assert TARGET.path(project).read_text() == chosen.read_text()
    assert done.backup is not None and done.backup.read_text() == old
    assert done.backup.name.startswith(".")  # hidden: not packaged, not watched
    undo_replace(done)
    assert TARGET.path(project).read_text() == old
    assert not done.backup.exists()


def test_a_syntax_error_is_refused_with_its_line_and_the_original_kept(project, tmp_path):
    old = TARGET.path(project).read_text()
    chosen = tmp_path / "broken.py"
    chosen.write_text("def process(event):\n    return event +\n")
    with pytest.raises(ReplaceError) as info:
        replace_code(project, TARGET, chosen)
    assert info.value.line == 2
    assert "line 2" in str(info.value) and "syntax" in str(info.value)
    assert TARGET.path(project).read_text() == old
    assert not list(TARGET.path(project).parent.glob(".*.bak"))


def test_an_error_only_the_compiler_sees_is_refused(project, tmp_path):
    chosen = tmp_path / "odd.py"
    chosen.write_text("def process(event):\n    return event\n\nreturn 3\n")
    with pytest.raises(ReplaceError, match="line 4"):
        replace_code(project, TARGET, chosen)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("notes.txt", "def process(event):\n    return event\n", "not a Python file"),
        ("other.py", "def handler(event):\n    return event\n", "no top-level function"),
        ("two.py", "def process():\n    return {}\n", "takes"),
    ],
)
def test_files_that_cannot_be_a_processor_are_refused(project, tmp_path, name, text, message):
    old = TARGET.path(project).read_text()
    chosen = tmp_path / name
    chosen.write_text(text)
    with pytest.raises(ReplaceError, match=message):
        replace_code(project, TARGET, chosen)
    assert TARGET.path(project).read_text() == old


def test_an_action_needs_event_and_rule(project, tmp_path):
    chosen = tmp_path / "act.py"
    chosen.write_text("def action(event):\n    return None\n")
    with pytest.raises(ReplaceError, match=r"action\(event, rule\)"):
        replace_code(project, action_target("high-temperature-alert"), chosen)
