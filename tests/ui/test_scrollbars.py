"""Scroll bars can be seen: the handle stands out from its groove in both themes."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QApplication,
    QScrollArea,
    QStyle,
    QStyleOptionSlider,
    QWidget,
)

from dtwin_gui.ui import theme

pytestmark = pytest.mark.gui


def luminance(color: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(color.redF())
        + 0.7152 * channel(color.greenF())
        + 0.0722 * channel(color.blueF())
    )


def contrast(a: QColor, b: QColor) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_scroll_handle_stands_out_from_its_groove(qtbot, scheme):
    theme.apply_theme(QApplication.instance(), scheme)
    try:
        area = QScrollArea()
        qtbot.addWidget(area)
        content = QWidget()
        content.setMinimumSize(200, 3000)
        area.setWidget(content)
        area.resize(300, 300)
        area.show()
        qtbot.waitExposed(area)
        bar = area.verticalScrollBar()
        option = QStyleOptionSlider()
        bar.initStyleOption(option)
        style = bar.style()
        control = QStyle.ComplexControl.CC_ScrollBar
        handle = style.subControlRect(control, option, QStyle.SubControl.SC_ScrollBarSlider, bar)
        groove = style.subControlRect(control, option, QStyle.SubControl.SC_ScrollBarGroove, bar)
        image = bar.grab().toImage()
        on_handle = image.pixelColor(handle.center())
        below = groove.bottom() - 4  # the groove under the handle (it sits at the top)
        on_groove = image.pixelColor(groove.center().x(), below)
        assert below > handle.bottom()
        assert contrast(on_handle, on_groove) >= 1.8, (on_handle.name(), on_groove.name())
    finally:
        theme.apply_theme(QApplication.instance(), "light")
