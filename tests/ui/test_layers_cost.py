"""The cost on the Layers page: a cost under each cell, this choice's total, the Cheapest
preset, the usage form and Refresh prices (on a worker: the page never waits for it)."""

from __future__ import annotations

import json
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from dtwin_gui.app.cost import cost_report
from dtwin_gui.core.project import PROVIDERS, read_choices
from dtwin_gui.core.providers import SLOTS, Cloud, Slot, unsupported_reason
from dtwin_gui.core.usage import USAGE, read_usage
from dtwin_gui.cost.table import load_table, refreshed_path, usd
from dtwin_gui.ui.dialogs.usage_dialog import UsageDialog
from dtwin_gui.ui.main_window import LAYERS_STEP
from tests.cost.price_helpers import FakeEndpoints

from .conftest import WAIT_MS, write_json

pytestmark = pytest.mark.gui


@pytest.fixture
def layers(opened, qtbot):
    opened.go_to(LAYERS_STEP)
    page = opened.layers_page
    qtbot.waitUntil(lambda: page.cost.cheapest is not None, timeout=WAIT_MS)
    return page


def test_every_cell_a_cloud_can_host_shows_its_monthly_cost(layers, project):
    report = cost_report(project)
    for slot in SLOTS:
        for cloud in Cloud:
            note = layers.matrix.note(slot, cloud)
            if unsupported_reason(slot, cloud):
                assert note == ""
            else:
                assert note == f"{usd(report.matrix[slot, cloud].usd)}/mo"
                # the tooltip says what the figure counts
                assert "× $" in layers.matrix.cell(slot, cloud).toolTip()
    # the cell's own text is still the service (the ✓ on the chosen one)
    assert layers.matrix.cell(Slot.L1, Cloud.AWS).text() == "✓ IoT Core"


def test_the_chosen_total_and_the_cheapest_are_shown(layers, project):
    report = cost_report(project)
    summary = layers.cost_summary
    assert summary.total.text() == usd(report.chosen.total)
    assert summary.cheapest.text().startswith(f"Cheapest: {usd(report.cheapest.total)}")
    assert f"prices {load_table().date}" == summary.prices.text()
    assert "3 devices × 1/min × 256 B" in summary.basis.text()


def test_the_cheapest_preset_chooses_the_cheapest_hostable_clouds(layers, project, qtbot):
    expected = cost_report(project).cheapest
    qtbot.mouseClick(layers.cheapest_button, Qt.MouseButton.LeftButton)
    choices = read_choices(project)
    assert choices == expected.choice()
    assert choices[Slot.L4] is not Cloud.GOOGLE and choices[Slot.L5] is not Cloud.GOOGLE
    assert layers.matrix.providers() == choices
    qtbot.waitUntil(lambda: layers.cost.cheapest is not None, timeout=WAIT_MS)
    assert layers.cost_summary.cheapest.text().endswith(": this choice")


def test_the_usage_form_saves_the_numbers_and_the_costs_follow(
    layers, opened, project, qtbot, monkeypatch
):
    before = layers.matrix.note(Slot.L1, Cloud.AWS)

    def fill(dialog: UsageDialog) -> int:
        dialog.fields["devices"].setValue(500)
        dialog.fields["archive_days"].setValue(730)
        dialog.fields["hot_days"].setValue(10)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(UsageDialog, "exec", fill)
    layers.cost_summary.usage_button.click()
    saved = json.loads((project / USAGE).read_text(encoding="utf-8"))
    assert (saved["devices"], saved["archive_days"]) == (500, 730)
    config = json.loads((project / "config.json").read_text(encoding="utf-8"))
    assert config["hot_storage_size_in_days"] == 10
    assert read_usage(project).devices == 500
    assert layers.matrix.note(Slot.L1, Cloud.AWS) != before
    assert "500 devices" in layers.cost_summary.basis.text()


def test_the_usage_form_refuses_cold_not_longer_than_hot(qtbot, project):
    dialog = UsageDialog(read_usage(project))
    qtbot.addWidget(dialog)
    dialog.fields["cold_days"].setValue(5)
    dialog.fields["hot_days"].setValue(5)
    assert not dialog.buttons.button(dialog.buttons.StandardButton.Save).isEnabled()
    assert "Cold retention must be longer than hot retention" in dialog.error.text()


def test_a_bad_usage_file_is_said_with_its_place(layers, opened, project, qtbot):
    write_json(project / USAGE, {"devices": 0})
    opened.session.reload()
    detail = layers.cost_summary.detail.text()
    assert "Cannot estimate: config_usage.json:2:" in detail and "$.devices" in detail
    assert layers.matrix.note(Slot.L1, Cloud.AWS) == ""


def test_refresh_runs_on_a_worker_and_says_what_changed(layers, qtbot):
    release = threading.Event()
    endpoints = FakeEndpoints()

    def slow(url):
        release.wait(5)  # the refresh is still running while the page keeps answering
        return endpoints(url)

    layers.cost.start_refresh(None, fetch=slow)
    assert layers.cost.refreshing
    assert not layers.cost_summary.refresh_button.isEnabled()
    layers.cost_summary.usage_button.setFocus()  # the GUI thread is free meanwhile
    assert layers.cost_summary.prices.text() == "refreshing…"
    with qtbot.waitSignal(layers.cost.refreshed, timeout=WAIT_MS) as signal:
        release.set()
    result = signal.args[0]
    assert "Lambda requests: $0.20 → $0.22 per M" in [c.text() for c in result.changes]
    banner = layers.banner.text()
    assert "Lambda requests: $0.20 → $0.22 per M" in banner
    assert "Google Cloud not refreshed" in banner  # no API key given
    assert refreshed_path().is_file()
    assert layers.cost.table.date == result.table.date
    assert layers.cost_summary.prices.text() == f"prices {result.table.date}"


def test_offline_refresh_keeps_the_table_and_says_its_date(layers, qtbot):
    from dtwin_gui.cost.refresh import RefreshError

    def offline(url):
        raise RefreshError(f"cannot reach {url.split('/')[2]}: [Errno -3]")

    date = layers.cost.table.date
    with qtbot.waitSignal(layers.cost.refreshed, timeout=WAIT_MS):
        layers.cost.start_refresh(None, fetch=offline)
    assert f"still using the table of {date}" in layers.banner.text()
    assert layers.cost_summary.prices.text() == f"prices {date}"
    assert not refreshed_path().exists()


def test_the_bundled_example_keeps_its_usage(window, qtbot, monkeypatch):
    from dtwin_gui.core.scaffold import template_dir

    assert window.open_project(template_dir())
    window.go_to(LAYERS_STEP)
    page = window.layers_page
    monkeypatch.setattr(UsageDialog, "exec", lambda self: QDialog.DialogCode.Accepted)
    page.cost_summary.usage_button.click()
    assert "bundled example" in page.banner.text()
    assert not (template_dir() / USAGE).exists()
    assert (template_dir() / PROVIDERS).is_file()
