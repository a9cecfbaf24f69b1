"""The live chart: one strip per property (own y range), the legend outside the plots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from dtwin_gui.ui.widgets.hot_chart import HotChart

pytestmark = pytest.mark.gui


def series(values: list[float]) -> list[tuple[datetime, float]]:
    now = datetime.now(UTC)
    return [(now - timedelta(minutes=len(values) - i), v) for i, v in enumerate(values)]


@pytest.fixture
def chart(qtbot):
    widget = HotChart()
    qtbot.addWidget(widget)
    widget.resize(1000, 260)
    widget.set_series(
        {
            "pressure-sensor-1": {"pressure": series([1012.0, 1013.5, 1011.0])},
            "temperature-sensor-1": {
                "temperature": series([21.0, 22.5, 24.0]),
                "humidity": series([40.0, 41.0, 39.0]),
            },
            "temperature-sensor-2": {"temperature": series([20.0, 20.5, 21.5])},
        }
    )
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_each_property_has_its_own_strip_and_scale(chart):
    strips = chart.canvas.strips()
    assert [s.prop for s in strips] == ["humidity", "pressure", "temperature"]
    by_prop = {s.prop: s for s in strips}
    assert by_prop["pressure"].ticks[0] <= 1011.0 and by_prop["pressure"].ticks[-1] >= 1013.5
    temperature = by_prop["temperature"].ticks
    assert temperature[0] <= 20.0 and temperature[-1] >= 24.0
    assert temperature[-1] - temperature[0] < 20  # not squashed onto the pressure's scale
    for upper, lower in pairwise(strips):
        assert upper.rect.bottom() < lower.rect.top()  # stacked, not overlapping
    for strip in strips:
        assert strip.rect.height() >= 30  # room for its two tick labels


def test_the_legend_is_outside_every_plot(chart):
    canvas = chart.canvas
    legend = canvas.legend_rect()
    assert not legend.isEmpty()
    assert canvas.rect().toRectF().contains(legend)
    for strip in canvas.strips():
        assert not legend.intersects(strip.rect), f"the legend covers the {strip.prop} strip"
    # Each device keeps its colour in every strip, and its line is drawn there.
    image = canvas.grab().toImage()
    color = canvas.color_of("temperature-sensor-2").rgb()
    temperature = next(s for s in canvas.strips() if s.prop == "temperature").rect
    assert any(
        image.pixel(x, y) == color
        for x in range(int(temperature.left()), int(temperature.right()), 2)
        for y in range(int(temperature.top()), int(temperature.bottom()))
    )


def test_picking_a_property_leaves_one_strip(chart):
    chart.property.setCurrentText("pressure")
    assert [s.prop for s in chart.canvas.strips()] == ["pressure"]
    assert [(d, p) for d, p, _ in chart.lines()] == [("pressure-sensor-1", "pressure")]
    chart.property.setCurrentText("All")
    chart.device.setCurrentText("temperature-sensor-2")
    assert [s.prop for s in chart.canvas.strips()] == ["temperature"]
