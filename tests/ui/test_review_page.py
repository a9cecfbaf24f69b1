"""The Review page: the plan per layer, destructive changes, confirmations, stale plans."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from dtwin_gui.clouds.aws.connection import AwsConnection, sandbox_target
from dtwin_gui.core.providers import Cloud, Slot
from dtwin_gui.deploy.review import DestroyPreview
from dtwin_gui.iac.runner import PlannedResource, PlanSummary
from dtwin_gui.ui import theme
from dtwin_gui.ui.pages.review_page import ReviewPage
from dtwin_gui.ui.target_choice import TargetChoice

from .conftest import wait_checked

pytestmark = pytest.mark.gui

L1_THING = 'module.aws_l1.aws_iot_thing.device["temperature-sensor-1"]'
L2_FN = 'module.aws_l2.aws_lambda_function.processor["temperature-sensor-1"]'
L3_TABLE = "module.aws_l3_hot.aws_dynamodb_table.hot"


def _plan(*rows: tuple[str, str, str]) -> PlanSummary:
    resources = [PlannedResource(*row) for row in rows]
    counts = {"create": 0, "update": 0, "delete": 0}
    for _address, action, _layer in rows:
        for key in {"replace": ("create", "delete")}.get(action, (action,)):
            counts[key] = counts.get(key, 0) + 1
    return PlanSummary(
        add=counts["create"],
        change=counts["update"],
        destroy=counts["delete"],
        resources=resources,
        has_changes=bool(rows),
    )


def _unreachable_target() -> AwsConnection:
    raise AssertionError("these tests feed plans directly and must not make a target")


@pytest.fixture
def page(opened, qtbot):
    choice = TargetChoice(sandbox_factory=_unreachable_target)
    page = ReviewPage(opened.session, opened.runner, choice)
    qtbot.addWidget(page)
    page.resize(1100, 720)
    page.show()
    return page


def _click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def test_destructive_changes_are_highlighted_and_named_in_the_tick(page, tmp_path):
    page.show_plan(
        _plan(
            (L1_THING, "delete", "L1"),
            (L2_FN, "replace", "L2"),
            (L3_TABLE, "update", "L3_hot"),
            ("module.aws_l4.aws_s3_bucket.twinmaker", "create", "L4"),
        )
    )
    assert page.note_label.isVisible()
    assert page.note_label.text() == "⚠ 2 resources will be destroyed or replaced"
    rows = {row.toolTip(0): row for row in page.plan_tree.resource_rows()}
    assert set(rows) == {L1_THING, L2_FN, L3_TABLE, "module.aws_l4.aws_s3_bucket.twinmaker"}
    destructive = {row.toolTip(0) for row in page.plan_tree.destructive_rows()}
    assert destructive == {L1_THING, L2_FN}
    assert rows[L2_FN].text(0).startswith("⚠")
    assert rows[L2_FN].foreground(0).color() == QColor(theme.ERROR)
    assert rows[L3_TABLE].foreground(0).color() != QColor(theme.ERROR)
    assert "destroy and re-create" in rows[L2_FN].text(1)
    layers = page.plan_tree.layer_rows()
    assert list(layers) == ["L1", "L2", "L3_hot", "L4"]
    assert layers["L2"].text(1) == "+1 ~0 -1"
    assert "2 resources it destroys or replaces" in page.review_tick.text()
    page.grab().save(str(tmp_path / "review_destructive.png"))


def test_deploy_needs_the_tick_and_sends_the_reviewed_plan(page, qtbot):
    plan = _plan((L2_FN, "create", "L2"))
    assert not page.deploy_button.isEnabled()  # no plan yet
    page.show_plan(plan)
    assert not page.note_label.isVisible()
    assert page.review_tick.text() == "I have reviewed this plan"
    assert not page.deploy_button.isEnabled()
    page.review_tick.setChecked(True)
    assert page.deploy_button.isEnabled()
    with qtbot.waitSignal(page.deploy_requested) as sent:
        _click(qtbot, page.deploy_button)
    assert sent.args == [plan]


def test_no_changes_state(page):
    page.show_plan(PlanSummary())
    assert page.status_label.text() == "No changes: everything is up to date."
    assert page.plan_tree.topLevelItemCount() == 0


def test_a_project_change_makes_the_plan_stale(page, opened, qtbot):
    page.show_plan(_plan((L2_FN, "create", "L2")))
    page.review_tick.setChecked(True)
    assert page.deploy_button.isEnabled()
    opened.session.set_providers({**opened.session.project.providers, Slot.L3_HOT: Cloud.AZURE})
    wait_checked(qtbot, opened)
    assert page.stale
    assert not page.deploy_button.isEnabled()
    assert not page.review_tick.isEnabled()
    assert "make a new plan" in page.status_label.text()
    page.show_plan(_plan((L2_FN, "create", "L2")))  # re-planned
    assert not page.stale
    assert any("Azure" in page.glue_list.item(i).text() for i in range(page.glue_list.count()))


def test_another_target_forgets_the_plan_of_the_previous_one(page):
    page.show_plan(_plan((L2_FN, "create", "L2")))
    page._choice.use_aws(_unreachable_target, "AWS · profile dev · eu-west-1")
    assert page.review is None and page.plan_tree.topLevelItemCount() == 0
    assert page.status_label.text().startswith("No plan yet")
    assert not page.deploy_button.isEnabled()
    assert page.target_label.text() == "Target: AWS · profile dev · eu-west-1"
    assert page.destroy_tick.text().endswith("on AWS · profile dev · eu-west-1")


def test_destroy_needs_the_i_understand_tick(page, qtbot):
    page.show_plan(
        _plan((L2_FN, "create", "L2")),
        DestroyPreview({"L1": ["a", "b"], "L2": ["c"]}),
    )
    assert page.destroy_summary.text() == "This deletes 3 resources in 2 layers: L1 (2), L2 (1)."
    assert page.destroy_tick.text().startswith(
        "I understand this deletes everything deployed from this project on Sandbox"
    )
    assert not page.destroy_button.isEnabled()
    page.destroy_tick.setChecked(True)
    assert page.destroy_button.isEnabled()
    with qtbot.waitSignal(page.destroy_requested):
        _click(qtbot, page.destroy_button)
    assert not page.destroy_tick.isChecked()  # a second destroy needs a second tick


def test_nothing_deployed_offers_no_destroy(page):
    page.show_plan(_plan((L2_FN, "create", "L2")), DestroyPreview({}))
    assert page.destroy_summary.text() == (
        "Nothing deployed from this project was found on this target."
    )
    assert not page.destroy_tick.isEnabled() and not page.destroy_button.isEnabled()
    page.show_plan(_plan((L2_FN, "create", "L2")), DestroyPreview({"L1": ["a"]}))
    assert page.destroy_tick.isEnabled()


def test_sdk_steps_and_glue_are_listed(page):
    page.show_plan(_plan((L2_FN, "create", "L2")))
    titles = page.sdk_tree.step_titles()
    assert "IoT device certificate for temperature-sensor-1" in titles
    assert any(t.startswith("TwinMaker workspace") for t in titles)
    assert "Grafana dashboard" in titles
    assert page.glue_list.item(0).text().startswith("None")


def test_a_failed_plan_shows_message_and_hint_and_can_be_retried(opened, qtbot):
    def broken_target() -> AwsConnection:
        raise RuntimeError("the sandbox did not start: port 4566 is in use")

    page = ReviewPage(opened.session, opened.runner, TargetChoice(sandbox_factory=broken_target))
    qtbot.addWidget(page)
    page.make_plan()
    qtbot.waitUntil(lambda: page.retry_button.isVisibleTo(page), timeout=10_000)
    text = page.banner.label.text()
    assert "port 4566 is in use" in text
    assert "try again" in text
    assert "Traceback" not in text
    assert not page.deploy_button.isEnabled()
    with qtbot.waitSignal(page.bridge.idle, timeout=10_000):
        _click(qtbot, page.retry_button)
    assert page.banner.label.text() == text


@pytest.mark.slow
@pytest.mark.e2e
def test_plan_against_the_emulator_shows_every_layer(opened, aws, qtbot, tmp_path):
    target = sandbox_target(aws.endpoint, aws.region)
    page = ReviewPage(opened.session, opened.runner, TargetChoice(sandbox_factory=lambda: target))
    qtbot.addWidget(page)
    page.resize(1100, 720)
    page.show()
    with qtbot.waitSignal(page.bridge.idle, timeout=240_000):
        _click(qtbot, page.make_plan_button)
    assert page.banner.label.text() == "" or not page.banner.isVisibleTo(page)
    layers = page.plan_tree.layer_rows()
    for slot in Slot:
        assert str(slot) in layers, f"no {slot} resources in the plan"
        assert layers[str(slot)].childCount() > 0
    assert page.review.plan.add > 0 and not page.review.destructive
    assert page.destroy_summary.text() == (
        "Nothing deployed from this project was found on this target."
    )
    page.grab().save(str(tmp_path / "review_e2e.png"))
    assert not page.deploy_button.isEnabled()
    page.review_tick.setChecked(True)
    assert page.deploy_button.isEnabled()


def test_left_out_layers_read_not_part_of_this_twin(page, opened):
    from dtwin_gui.core.providers import NO_CLOUD, NOT_IN_TWIN

    opened.session.set_providers({Slot.L4: NO_CLOUD, Slot.L5: NO_CLOUD})
    page.show_plan(_plan((L2_FN, "create", "L2")))
    rows = page.plan_tree.layer_rows()
    assert list(rows) == ["L2", "L4", "L5"]
    for layer in ("L4", "L5"):
        assert rows[layer].text(1) == NOT_IN_TWIN and rows[layer].childCount() == 0
        assert rows[layer].foreground(1).color() == QColor(theme.MUTED)
    assert "no dashboards" in rows["L5"].toolTip(0)
    titles = page.sdk_tree.step_titles()
    assert not any("TwinMaker" in t or "Grafana" in t for t in titles)
