"""The outputs table: every button is whole inside its row."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QPushButton

from dtwin_gui.ui.widgets.outputs_table import OutputsTable

pytestmark = pytest.mark.gui


def test_copy_and_reveal_buttons_are_not_cut_off(qtbot):
    table = OutputsTable()
    qtbot.addWidget(table)
    table.resize(900, 300)
    table.set_outputs({"hot_table_name": "factory-twin-hot", "grafana_api_key": "glsa_x"})
    table.show()
    qtbot.waitExposed(table)
    for row in range(table.rowCount()):
        box = table.cellWidget(row, 2)
        buttons = box.findChildren(QPushButton)
        assert buttons
        cell = table.visualRect(table.model().index(row, 2))
        assert box.geometry().height() >= box.sizeHint().height()
        assert cell.height() >= box.sizeHint().height()
        for button in buttons:
            assert button.height() >= button.sizeHint().height()  # not squeezed
            bottom = button.mapTo(box, button.rect().bottomLeft()).y()
            assert bottom < box.height(), f"{button.objectName()} is cut off"
            assert button.width() >= button.fontMetrics().horizontalAdvance(button.text())
    assert table.button("copy", "hot_table_name").text() == "Copy"
    assert table.button("reveal", "grafana_api_key") is not None
