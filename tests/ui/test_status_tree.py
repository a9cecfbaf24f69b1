"""The Deploy page's resource tree: rows read apart, full addresses in the tooltips."""

from __future__ import annotations

import pytest

from dtwin_gui.core.providers import LEFT_OUT_MEANING, Slot
from dtwin_gui.core.run_events import ResourceEvent
from dtwin_gui.deploy.run_model import RunModel
from dtwin_gui.ui.widgets.status_tree import StatusTree

pytestmark = pytest.mark.gui
PACKAGE = 'module.aws_setup.aws_s3_object.package["factory-twin-{}"]'


def test_indexed_rows_show_their_key_and_tooltip_the_address(qtbot):
    tree = StatusTree()
    qtbot.addWidget(tree)
    run = RunModel("deploy")
    first = PACKAGE.format("dispatcher")
    event = ResourceEvent(first, "setup", "aws_s3_object", "create", "pending")
    tree.update_from(run, {run.feed(event)})
    assert tree.row_texts(first)[0] == "factory-twin-dispatcher"  # alone: all of the key
    keys = ("processor-pump", "processor-temperature-sensor-1", "hot-reader")
    changed = {
        run.feed(ResourceEvent(PACKAGE.format(k), "setup", "aws_s3_object", "create", "created"))
        for k in keys
    }
    tree.update_from(run, changed)
    shown = [tree.row_texts(PACKAGE.format(k))[0] for k in ("dispatcher", *keys)]
    assert shown == ["dispatcher", *keys]  # the shared "factory-twin-" is gone
    assert len(set(shown)) == len(shown)
    assert tree.row_tooltip(PACKAGE.format("hot-reader")) == PACKAGE.format("hot-reader")
    # Rebuilt from scratch (a replay), the rows read the same.
    tree.show_run(run)
    assert [tree.row_texts(PACKAGE.format(k))[0] for k in ("dispatcher", *keys)] == shown


def test_left_out_layers_read_not_part_of_this_twin_below_the_run(qtbot):
    tree = StatusTree()
    qtbot.addWidget(tree)
    tree.show_left_out(["L4", "L5"])
    run = RunModel("deploy")
    address = "module.aws_l2.aws_lambda_function.persister"
    tree.update_from(
        run, {run.feed(ResourceEvent(address, "L2", "aws_lambda_function", "create", "pending"))}
    )
    assert tree.layer_names() == ["L2", "L4", "L5"]

    def cells(row):
        return [tree.model_.item(row, c).text() for c in (1, 3)]

    assert cells(1) == ["– not part of this twin", LEFT_OUT_MEANING[Slot.L4]]
    assert "no dashboards" in cells(2)[1]
    tree.show_run(run)  # a replay shows them again
    assert tree.layer_names() == ["L2", "L4", "L5"]


def test_each_layer_row_names_its_cloud(qtbot):
    from dtwin_gui.core.providers import Cloud

    tree = StatusTree()
    qtbot.addWidget(tree)
    run = RunModel("deploy")
    changed = {
        run.feed(
            ResourceEvent(
                "module.aws_l2.aws_lambda_function.p",
                "L2",
                "aws_lambda_function",
                "create",
                "pending",
            )
        ),
        run.feed(
            ResourceEvent(
                "provisioned:function-app:hot", "L3_hot", "function-app", "create", "pending"
            )
        ),
    }
    tree.update_from(run, changed)
    tree.set_clouds({Slot.L2: Cloud.AWS, Slot.L3_HOT: Cloud.AZURE, Slot.L1: Cloud.GOOGLE})
    assert tree.layer_names() == ["L2 · AWS", "L3 hot · Azure"]
    tree.show_run(run)  # a replay, or the next run: the clouds stay
    assert tree.layer_names() == ["L2 · AWS", "L3 hot · Azure"]
