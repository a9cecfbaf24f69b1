"""The Twin page's rules: conditions shown whole (wrapped, never elided), with tooltips."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFontMetrics

from dtwin_gui.core.project import EventRule
from dtwin_gui.ui.widgets.rules_table import RulesTable

pytestmark = pytest.mark.gui
LONG = "pressure-sensor-1.pressure >= 1100 and pressure-sensor-1.valve_open == false"


def rule(condition: str) -> EventRule:
    return EventRule(condition=condition, action_type="function", function_name="alert")


def test_a_long_condition_is_wrapped_whole_with_its_tooltip(qtbot):
    table = RulesTable()
    qtbot.addWidget(table)
    table.resize(480, 300)
    table.show()
    qtbot.waitExposed(table)
    table.show_rules([rule("a.b > 1"), rule(LONG)])
    item = table.topLevelItem(1)
    assert item.toolTip(1) == LONG and LONG in item.toolTip(0)
    assert table.conditions() == ["a.b > 1", LONG]
    shown = item.text(1)
    assert shown.replace("\n", " ") == LONG  # every character is there, nothing elided
    width = table.columnWidth(1)
    metrics = QFontMetrics(item.font(1))
    assert "\n" in shown
    assert all(metrics.horizontalAdvance(line) <= width for line in shown.splitlines())
    assert table.visualItemRect(item).height() >= metrics.lineSpacing() * len(shown.splitlines())
    # Wider, the same condition takes fewer lines.
    table.resize(1200, 300)
    qtbot.waitUntil(lambda: "\n" not in table.topLevelItem(1).text(1))
    assert table.details(1)["action"] == "run function alert"
