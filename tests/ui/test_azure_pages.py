"""Azure layers on the Review and Credentials pages (issue 14): an all-Azure twin in the
sandbox has no Terraform root (it is provisioned on the emulators), and the pages say so
instead of failing the plan or calling the sandbox an emulated AWS."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from dtwin_gui.clouds import sandbox_connections
from dtwin_gui.core.project import PROVIDERS
from dtwin_gui.core.providers import PRESETS, Cloud, Slot
from dtwin_gui.iac.runner import PlannedResource, PlanSummary
from dtwin_gui.ui.pages.credentials_page import CredentialsPage
from dtwin_gui.ui.pages.review_page import ReviewPage
from dtwin_gui.ui.session import ProjectSession
from dtwin_gui.ui.target_choice import TargetChoice
from dtwin_gui.ui.workers import TaskRunner

from .conftest import WAIT_MS, wait_checked

pytestmark = [
    pytest.mark.gui,
    pytest.mark.filterwarnings(
        "ignore:Unverified HTTPS request:urllib3.exceptions.InsecureRequestWarning"
    ),
]
LAYERS = ["L1", "L2", "L3_hot", "L3_cold", "L3_archive", "L4", "L5"]


@pytest.fixture(scope="module")
def azure_endpoints(tmp_path_factory):
    """The sandbox's Azure emulator (Azurite, cosmosdb-server, the HTTPS gateway)."""
    from dtwin_gui.clouds.azure.sandbox.spec import start

    handle = start(tmp_path_factory.mktemp("azure-emulator"))
    yield dict(handle.endpoints)
    handle.stop()


def _review_page(qtbot, opened, factory) -> ReviewPage:
    page = ReviewPage(opened.session, opened.runner, TargetChoice(sandbox_factory=factory))
    qtbot.addWidget(page)
    page.resize(1100, 720)
    page.show()
    return page


def _choose(qtbot, opened, providers) -> None:
    opened.session.set_providers(providers)
    wait_checked(qtbot, opened)
    qtbot.wait(800)  # the file watcher's own reload of the written choice (300 ms of quiet)
    wait_checked(qtbot, opened)


def test_an_all_azure_sandbox_plan_lists_every_layer_as_provisioned(opened, qtbot, azure_endpoints):
    _choose(qtbot, opened, PRESETS["All Azure"])
    page = _review_page(qtbot, opened, lambda: sandbox_connections(azure_endpoints))
    page.make_plan()
    qtbot.waitUntil(lambda: not page.bridge.running, timeout=120_000)
    # Before: "The plan could not be made: plan finished." and no way to deploy.
    assert page.review is not None, page.banner.label.text()
    assert not page.banner.isVisible()
    rows = page.plan_tree.layer_rows()
    assert list(rows) == LAYERS
    assert {row.text(1) for row in rows.values()} == {"provisioned"}
    assert rows["L3_hot"].child(0).text(0) == "on the sandbox's Azure emulators"
    assert "no Terraform" in rows["L3_hot"].toolTip(0)
    status = page.status_label.text()
    assert status.startswith("7 layers on Azure: no Terraform plan"), status
    assert "up to date" not in status
    assert page.plan_title.text() == "What the deploy provisions, by layer"
    assert page.sdk_title.text() == "After provisioning: SDK steps"
    assert "IoT Hub device temperature-sensor-1" in page.sdk_tree.step_titles()
    assert "emulated clouds" in page.target_label.text()
    page.review_tick.setChecked(True)
    assert page.deploy_button.isEnabled()
    sent = []
    page.deploy_requested.connect(sent.append)
    qtbot.mouseClick(page.deploy_button, Qt.MouseButton.LeftButton)
    assert len(sent) == 1


def test_a_mixed_plan_shows_terraform_rows_and_the_provisioned_layers(opened, qtbot):
    _choose(qtbot, opened, {**PRESETS["All AWS"], Slot.L4: Cloud.AZURE, Slot.L5: Cloud.AZURE})
    page = _review_page(qtbot, opened, lambda: None)
    fn = 'module.aws_l2.aws_lambda_function.processor["temperature-sensor-1"]'
    plan = PlanSummary(add=1, resources=[PlannedResource(fn, "create", "L2")], has_changes=True)
    page.show_plan(plan, provisioned=[Cloud.AZURE])
    rows = page.plan_tree.layer_rows()
    assert list(rows) == ["L2", "L4", "L5"]
    assert rows["L2"].text(1) != "provisioned" and rows["L4"].text(1) == "provisioned"
    status = page.status_label.text()
    assert status.startswith("Terraform: 1 to add, 0 to change, 0 to destroy."), status
    assert "2 layers on Azure: no Terraform plan" in status
    # Terraform still plans the AWS layers: the titles stay Terraform's.
    assert page.plan_title.text() == "Terraform plan, by layer"
    page.show_plan(PlanSummary())  # a plan without provisioned clouds: as before
    assert page.status_label.text() == "No changes: everything is up to date."
    assert page.plan_tree.topLevelItemCount() == 0


def test_the_credentials_page_calls_the_sandbox_emulated_clouds(qtbot, project):
    providers = {f"layer_{n}_provider": "azure" for n in LAYERS_OLD}
    (project / PROVIDERS).write_text(json.dumps(providers), encoding="utf-8")
    runner = TaskRunner()
    session = ProjectSession(runner)
    session.open(project)
    qtbot.waitUntil(lambda: session.report is not None, timeout=WAIT_MS)
    choice = TargetChoice()
    page = CredentialsPage(session, runner, choice)
    qtbot.addWidget(page)
    page.show()
    try:
        note = page.target_note.text()
        assert "emulated AWS" not in note and "emulates the clouds" in note, note
        assert "Azure" in note
        assert choice.label == "Sandbox (emulated clouds on this computer)"
        azure_note = page.azure.findChildren(type(page.target_note))[0].text()
        assert "this version deploys AWS only" not in azure_note
        assert "deploy to the sandbox" in azure_note
    finally:
        runner.shutdown()


LAYERS_OLD = ("1", "2", "3_hot", "3_cold", "3_archive", "4", "5")


def test_the_outputs_tab_of_a_provisioned_deployment_says_why_it_is_empty(qtbot):
    from dtwin_gui.deploy.status import LayerStatus, ResourceStatus, StatusReport
    from dtwin_gui.ui.pages.status_page import NO_OUTPUTS_PROVISIONED, outputs_note
    from dtwin_gui.ui.widgets.outputs_table import OutputsTable

    app = ResourceStatus(
        "azure:function-app:t-l2", "function-app", "t-l2", "present", source="provisioned"
    )
    deployed = StatusReport(
        "sandbox", "t", {"L2": LayerStatus("L2", "azure", "deployed", [app])}, {}
    )
    assert outputs_note(deployed) == NO_OUTPUTS_PROVISIONED
    nothing = StatusReport("sandbox", "t", {"L2": LayerStatus("L2", "azure", "not deployed")}, {})
    assert outputs_note(nothing) == "No outputs: nothing is deployed."
    with_outputs = StatusReport("sandbox", "t", deployed.layers, {"hot_table": "t-hot"})
    assert outputs_note(with_outputs) == ""

    table = OutputsTable()
    qtbot.addWidget(table)
    table.resize(600, 200)
    table.show()
    blank = table.grab().toImage()
    table.set_empty_text(NO_OUTPUTS_PROVISIONED)
    assert table.grab().toImage() != blank  # the note is painted over the empty table
    table.set_outputs({"hot_table": "t-hot"})
    table.set_empty_text("")
    assert table.rowCount() == 1
