"""Problems fixed on another page say so (issue 10, items 9 and 15): Review offers "Go to
Twin" / "Go to Layers" instead of "Try again", in the app's words (not the CLI's); the
Layers page says why the data flow cannot be worked out once, over a diagram drawn anyway."""

from __future__ import annotations

import json

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel

from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.core.project import PROVIDERS
from dtwin_gui.ui import theme
from dtwin_gui.ui.main_window import LAYERS_STEP, REVIEW_STEP, TWIN_STEP
from dtwin_gui.ui.widgets.flow_diagram import BADGE_BAND

from .conftest import WAIT_MS, wait_checked, write_json

pytestmark = pytest.mark.gui

#: Never reached: the plan stops at "validate", before anything talks to the target.
NOWHERE = sandbox_target("http://127.0.0.1:9")


def plan_and_fail(window, qtbot) -> None:
    window.choice._sandbox_factory = lambda: NOWHERE
    window.go_to(REVIEW_STEP)
    review = window.review_page
    review.make_plan()
    qtbot.waitUntil(lambda: review.banner.isVisibleTo(review), timeout=30_000)
    qtbot.waitUntil(lambda: not review.bridge.running, timeout=WAIT_MS)


def test_an_invalid_project_points_to_the_twin_page_not_the_cli(opened, project, qtbot):
    events = json.loads((project / "config_events.json").read_text(encoding="utf-8"))
    events[0]["condition"] = "temperature-sensor-1.temperature > > 3"
    write_json(project / "config_events.json", events)
    opened.session.reload()
    wait_checked(qtbot, opened)
    assert opened.session.report.errors

    plan_and_fail(opened, qtbot)
    review = opened.review_page
    text = review.banner.text()
    assert text.startswith("The plan could not be made: ")
    assert "config_events.json" in text  # the problem itself, with its place
    assert "dtwin validate" not in text and "Twin page" in text
    assert not review.retry_button.isVisibleTo(review)
    assert review.fix_button.isVisibleTo(review) and review.fix_button.text() == "Go to Twin"
    review.fix_button.click()
    assert opened.current_step == TWIN_STEP


def test_a_cloud_this_version_cannot_deploy_points_to_the_layers_page(
    opened, project, qtbot, monkeypatch
):
    from dtwin_gui.core import providers

    for slot, clouds in list(providers.DEPLOYABLE_CLOUDS.items()):
        monkeypatch.setitem(providers.DEPLOYABLE_CLOUDS, slot, clouds - {providers.Cloud.GOOGLE})
    providers = json.loads((project / PROVIDERS).read_text(encoding="utf-8"))
    # Google hosts the hot store (Firestore), but this version cannot deploy it there.
    write_json(project / PROVIDERS, {**providers, "layer_3_hot_provider": "google"})
    opened.session.reload()
    wait_checked(qtbot, opened)

    plan_and_fail(opened, qtbot)
    review = opened.review_page
    assert "Layers page" in review.banner.text()
    assert "dtwin validate" not in review.banner.text()
    assert not review.retry_button.isVisibleTo(review)
    assert review.fix_button.text() == "Go to Layers"
    review.fix_button.click()
    assert opened.current_step == LAYERS_STEP


def test_an_unsupported_twin_model_cloud_is_explained_once(opened, project, qtbot):
    providers = json.loads((project / PROVIDERS).read_text(encoding="utf-8"))
    write_json(project / PROVIDERS, {**providers, "layer_4_provider": "google"})
    opened.session.reload()
    opened.go_to(LAYERS_STEP)
    layers = opened.layers_page
    error = opened.session.topology_error
    assert error and "Google Cloud has no managed digital-twin service" in error

    shown = [label.text() for label in layers.findChildren(QLabel) if label.isVisibleTo(layers)]
    for widget in (layers.hops, layers.glue):
        shown += [widget.item(i).text() for i in range(widget.count())]
    assert sum(error in text for text in shown) == 1, shown
    assert not any("Cannot draw the data flow" in text for text in shown)

    # The diagram is drawn (boxes and arrows) with no error written over it: no text in the
    # error colour in the band above the boxes, where the old message was painted.
    image = layers.diagram.grab().toImage()
    red = QColor(theme.ERROR)

    def reddish(x: int, y: int) -> bool:
        c = image.pixelColor(x, y)
        return (
            abs(c.red() - red.red()) + abs(c.green() - red.green()) + abs(c.blue() - red.blue())
            < 60
        )

    band = [(x, y) for y in range(0, BADGE_BAND, 2) for x in range(0, image.width(), 2)]
    assert not any(reddish(x, y) for x, y in band)
    assert layers.diagram.edges(), "the arrows are drawn anyway"


def test_a_deploy_of_an_invalid_project_offers_the_twin_page_not_retry(opened, project, qtbot):
    events = json.loads((project / "config_events.json").read_text(encoding="utf-8"))
    events[0]["condition"] = "temperature-sensor-1.temperature > > 3"
    write_json(project / "config_events.json", events)
    opened.session.reload()
    wait_checked(qtbot, opened)
    opened.choice._sandbox_factory = lambda: NOWHERE
    deploy = opened.deploy_page
    with qtbot.waitSignal(deploy.run_finished, timeout=30_000):
        opened.start_deploy()
    outcome = deploy.outcome
    assert outcome.title.text().startswith("✖ The deploy failed during")
    assert "config_events.json" in outcome.reason.text()
    assert "dtwin validate" not in outcome.hint.text() and "Twin page" in outcome.hint.text()
    assert not outcome.retry_button.isVisibleTo(outcome)
    assert outcome.fix_button.isVisibleTo(outcome) and outcome.fix_button.text() == "Go to Twin"
    outcome.fix_button.click()
    assert opened.current_step == TWIN_STEP
