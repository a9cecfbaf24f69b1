"""The Twin step: devices, rules, hierarchy and the live validation panel."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from dtwin_gui.core.problems import Severity
from dtwin_gui.core.project import EVENTS, PROVIDERS
from dtwin_gui.core.providers import Cloud, Slot
from dtwin_gui.core.validation import validate_project
from dtwin_gui.ui.main_window import TWIN_STEP
from dtwin_gui.ui.session import ProjectSession
from dtwin_gui.ui.workers import TaskRunner

from .conftest import WAIT_MS, wait_checked

pytestmark = pytest.mark.gui

BROKEN_EVENTS = """[
  {
    "condition": "temperature-sensor-1.temperature > DOUBLE(40.5)",
    "action": {"type": "function", "functionName": "high-temperature-alert"}
  },
  {
    "condition": "pressure-sensor-1.pressure > 3"
    "action": {"type": "function"}
  }
]
"""


@pytest.fixture
def twin(opened):
    opened.go_to(TWIN_STEP)
    return opened.twin_page


def test_lists_devices_rules_and_hierarchy(twin):
    assert twin.devices.device_ids() == [
        "temperature-sensor-1",
        "temperature-sensor-2",
        "pressure-sensor-1",
    ]
    first = twin.devices.topLevelItem(0)
    assert (first.child(0).text(0), first.child(0).text(1)) == ("temperature", "DOUBLE")
    assert first.child(2).text(0) == "serial (constant)"
    assert twin.tabs.tabText(0) == "Devices (3)"
    assert twin.rules.conditions()[0] == "temperature-sensor-1.temperature > DOUBLE(40.5)"
    details = twin.rules.details(0)
    assert details["action"] == "run function high-temperature-alert"
    assert details["feedback"].startswith("temperature-sensor-1 ← ")
    assert twin.rules.details(1)["feedback"] == "none"
    labels = twin.hierarchy.labels()
    assert labels[:3] == ["factory", "hall-1", "machine-1"]
    assert "pressure-sensor-1" in labels
    assert "aws_hierarchy.json" in twin.hierarchy.caption.text()
    assert twin.problems.visible_problems() == []
    assert twin.problems.stack.currentWidget() is twin.problems.empty


def test_hierarchy_follows_the_l4_cloud(twin, opened):
    opened.session.set_providers({Slot.L4: Cloud.AZURE})
    labels = twin.hierarchy.labels()
    assert labels[0] == "factory"
    assert "hall-1" in labels and "Models (4)" in labels
    assert "Azure Digital Twins" in twin.hierarchy.caption.text()


def test_hierarchy_says_the_twin_model_is_off_without_l4(twin, opened, qtbot):
    from dtwin_gui.core.providers import NO_CLOUD

    opened.session.set_providers({Slot.L4: NO_CLOUD})
    assert twin.hierarchy.labels() == []
    caption = twin.hierarchy.caption.text()
    assert caption.startswith("The twin model is off") and "needs no hierarchy" in caption
    assert twin.tabs.tabText(2) == "Hierarchy (off)"
    wait_checked(qtbot, opened)
    assert twin.problems.visible_problems() == []  # no hierarchy needed, nothing reported
    opened.session.set_providers({Slot.L4: Cloud.AWS})
    assert twin.tabs.tabText(2) == "Hierarchy" and twin.hierarchy.labels()


def test_broken_file_shows_an_error_and_opens_the_viewer_at_its_line(
    twin, opened, project, qtbot, opened_urls
):
    (project / EVENTS).write_text(BROKEN_EVENTS, encoding="utf-8")

    def event_errors():
        return [
            p
            for p in twin.problems.visible_problems()
            if p.file == EVENTS and p.severity is Severity.ERROR
        ]

    qtbot.waitUntil(lambda: bool(event_errors()), timeout=WAIT_MS)
    problem = event_errors()[0]
    assert problem.line == 8
    assert twin.rules.conditions() == []  # the tolerant loader could not read the rules
    assert "1 error" in twin.problems.errors_button.text()

    row = twin.problems.row_of(problem)
    twin.problems.list.setCurrentRow(row)
    twin.problems.list.setFocus()
    qtbot.keyClick(twin.problems.list, Qt.Key.Key_Return)
    viewer = twin.viewer
    assert viewer.current_path == project.resolve() / EVENTS
    assert viewer.current_line == 8
    assert viewer.code.cursor_line() == 8
    assert viewer.title.text() == EVENTS
    assert "line 8" in viewer.where.text()
    assert viewer.code.extraSelections()
    assert viewer.code.extraSelections()[0].cursor.blockNumber() == 7
    assert project.resolve() / EVENTS in opened_urls.paths()

    (project / EVENTS).write_text("[]\n", encoding="utf-8")
    qtbot.waitUntil(lambda: not event_errors(), timeout=WAIT_MS)


def test_filter_buttons_hide_errors_or_warnings(twin, opened, project, qtbot):
    text = (
        (project / PROVIDERS)
        .read_text(encoding="utf-8")
        .replace('"layer_1_provider": "aws"', '"layer_1_provider": "gcp"')
    )
    (project / PROVIDERS).write_text(text, encoding="utf-8")
    (project / "config.json").write_text('{"digital_twin_name": 5}\n', encoding="utf-8")
    qtbot.waitUntil(
        lambda: (
            {p.severity for p in twin.problems.visible_problems()}
            == {Severity.ERROR, Severity.WARNING}
        ),
        timeout=WAIT_MS,
    )
    twin.problems.errors_button.click()
    assert {p.severity for p in twin.problems.visible_problems()} == {Severity.WARNING}
    twin.problems.warnings_button.click()
    assert twin.problems.visible_problems() == []
    twin.problems.errors_button.click()
    assert {p.severity for p in twin.problems.visible_problems()} == {Severity.ERROR}


def test_check_again_and_matrix_changes_revalidate(twin, opened, qtbot):
    before = opened.session.report
    with qtbot.waitSignal(opened.session.validated, timeout=WAIT_MS):
        twin.problems.recheck_button.click()
    assert opened.session.report is not before
    with qtbot.waitSignal(opened.session.validated, timeout=WAIT_MS):
        opened.layers_page.choose(Slot.L5, Cloud.AZURE)


def test_validation_runs_on_a_worker_thread(qtbot, project: Path):
    threads = []

    def validate(root):
        threads.append(threading.get_ident())
        return validate_project(root)

    runner = TaskRunner()
    session = ProjectSession(runner, validate=validate)
    with qtbot.waitSignal(session.validated, timeout=WAIT_MS) as blocker:
        session.open(project)
    assert blocker.args[0].valid
    assert threads and threads[0] != threading.get_ident()
    session.close()
    assert runner.active == 0


def test_opened_window_is_valid(opened, qtbot):
    wait_checked(qtbot, opened)
    assert opened.session.report.valid
