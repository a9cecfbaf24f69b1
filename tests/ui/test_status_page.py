"""The Status page: layer tree, last known state, live chart, test telemetry, outputs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from helpers_aws import deploy_project
from PySide6.QtWidgets import QApplication

from dtwin_gui.clouds.aws.connection import aws_target, sandbox_target
from dtwin_gui.deploy.last_status import load_last_status, save_last_status
from dtwin_gui.deploy.status import LayerStatus, ResourceStatus, StatusReport
from dtwin_gui.deploy.workspace import DeploymentWorkspace
from dtwin_gui.runtime.aws.stores import DynamoHotStore
from dtwin_gui.runtime.core.records import format_timestamp
from dtwin_gui.ui.pages.status_page import StatusPage
from dtwin_gui.ui.session import ProjectSession
from dtwin_gui.ui.target_choice import TargetChoice
from dtwin_gui.ui.widgets.outputs_table import MASK
from dtwin_gui.ui.workers import TaskRunner

from .conftest import WAIT_MS

pytestmark = pytest.mark.gui
SLOW_MS = 60_000


def a_report() -> StatusReport:
    present = ResourceStatus(
        "module.aws_l3_hot.aws_dynamodb_table.hot",
        "aws_dynamodb_table",
        "factory-twin-hot",
        "present",
    )
    gone = ResourceStatus(
        "sdk:twinmaker-entity:line-1", "twinmaker-entity", "line-1", "missing", "deleted", "sdk"
    )
    return StatusReport(
        "sandbox",
        "factory-twin",
        {
            "L1": LayerStatus("L1", "aws", "not deployed"),
            "L3_hot": LayerStatus("L3_hot", "aws", "deployed", [present]),
            "L4": LayerStatus(
                "L4", "aws", "partial", [gone], ["twinmaker-entity line-1 (missing)"]
            ),
        },
        {"hot_table_name": "factory-twin-hot", "grafana_api_key": "glsa_secret_123"},
    )


@pytest.fixture
def make_page(qtbot, project):
    """A page on ``project``; the target factory is given per test. No thread outlives it."""
    made = []

    def make(factory=None):
        runner = TaskRunner()
        session = ProjectSession(runner)
        choice = TargetChoice(
            sandbox_factory=factory or (lambda: sandbox_target("http://127.0.0.1:9"))
        )
        session.open(project)
        page = StatusPage(session, runner, choice)
        page.resize(1000, 760)
        made.append((runner, page))
        return page

    yield make
    for runner, page in made:
        page.hide()
        qtbot.waitUntil(lambda r=runner: r.active == 0, timeout=SLOW_MS)
        runner.shutdown()
        page.close()
        page.deleteLater()


@pytest.fixture
def twin(aws, project, tmp_path):
    """The example twin in the emulator, with its L1 rule and saved outputs."""
    deployed = deploy_project(aws, project, tmp_path / "build")
    arn = aws.client("lambda").get_function(FunctionName=deployed.name("dispatcher"))[
        "Configuration"
    ]["FunctionArn"]
    aws.client("iot").create_topic_rule(
        ruleName="factory_twin_telemetry",
        topicRulePayload={
            "sql": "SELECT *, topic(3) AS device_id FROM 'dtwin/factory-twin/+/telemetry'",
            "actions": [{"lambda": {"functionArn": arn}}],
        },
    )
    workspace = DeploymentWorkspace(project, "sandbox")
    workspace.write_json(workspace.outputs_file, {"hot_table_name": deployed.table})
    return deployed


def test_restores_the_last_known_status_at_once(make_page, project):
    saved_at = datetime(2026, 11, 25, 14, 2, tzinfo=UTC)
    save_last_status(DeploymentWorkspace(project, "sandbox"), a_report(), now=saved_at)
    page = make_page()  # not shown: nothing is probed, the saved state is all there is
    assert page.tree.layer_item("L4").text(1) == "◐ partial"
    assert page.tree.layer_item("L3_hot").text(1) == "● deployed"
    assert page.tree.layer_item("L4").isExpanded()  # partial layers open up
    assert "line-1" in page.tree.layer_item("L4").text(2)
    assert f"as of {saved_at.astimezone().strftime('%H:%M')}" in page.subtitle.text()
    # The sandbox has no console: no link anywhere.
    page.tree.set_report(a_report(), sandbox_target("http://127.0.0.1:9"))
    assert page.tree.console_url(page.tree.layer_item("L3_hot")) is None
    assert page.tree.layer_item("L3_hot").toolTip(3) == "emulated: no console"
    # A real AWS target links each layer and resource to its console page.
    page.tree.set_report(a_report(), aws_target("eu-west-1", {}))
    hot = page.tree.layer_item("L3_hot")
    assert "eu-west-1.console.aws.amazon.com/dynamodbv2" in page.tree.console_url(hot)
    assert "name=factory-twin-hot" in page.tree.console_url(hot.child(0))


def test_the_shared_setup_is_listed_below_the_layers(make_page):
    report = a_report()
    report.setup = [
        ResourceStatus(
            "module.aws_setup.aws_s3_bucket.functions",
            "aws_s3_bucket",
            "factory-twin-functions-abc123",
            "present",
        )
    ]
    report.outputs["functions_bucket_name"] = "factory-twin-functions-abc123"
    page = make_page()
    page.tree.set_report(report, aws_target("eu-west-1", {}))
    last = page.tree.topLevelItem(page.tree.topLevelItemCount() - 1)
    assert last is page.tree.layer_item("setup")
    assert last.text(0) == "Setup (shared by all layers)" and last.text(1) == "● deployed"
    assert last.child(0).text(0) == "S3 bucket · factory-twin-functions-abc123"
    assert "s3/buckets/factory-twin-functions-abc123" in page.tree.console_url(last)
    # Without setup resources (nothing on AWS), there is no such row.
    page.tree.set_report(a_report(), aws_target("eu-west-1", {}))
    assert page.tree.layer_item("setup") is None


def test_refresh_probes_saves_and_marks_refreshing(make_page, project, qtbot, aws):
    save_last_status(DeploymentWorkspace(project, "sandbox"), a_report())
    page = make_page(lambda: sandbox_target(aws.endpoint, aws.region))
    with qtbot.waitSignal(page.refreshed, timeout=SLOW_MS) as blocker:
        page.refresh()
        assert "refreshing…" in page.subtitle.text()
    report = blocker.args[0]
    assert report.layers["L3_hot"].state == "not deployed"  # nothing was applied here
    assert page.tree.layer_item("L3_hot").text(1) == "○ not deployed"
    saved = load_last_status(DeploymentWorkspace(project, "sandbox"))
    assert saved.report.layers["L4"].state == "not deployed"
    qtbot.waitUntil(lambda: "refreshing" not in page.subtitle.text(), timeout=WAIT_MS)


def test_a_failed_refresh_says_what_to_do(make_page, qtbot):
    def no_sandbox():
        raise RuntimeError("the sandbox did not start")

    page = make_page(no_sandbox)
    page.refresh()
    qtbot.waitUntil(lambda: page.banner.isVisibleTo(page), timeout=WAIT_MS)
    text = page.banner.label.text()
    assert "the sandbox did not start" in text and "Refresh" in text
    assert "Traceback" not in text


def test_timers_run_only_while_visible(make_page, qtbot):
    page = make_page()
    assert not page.refresh_timer.isActive() and not page.chart_timer.isActive()
    page.show()
    qtbot.waitExposed(page)
    assert page.refresh_timer.isActive() and page.chart_timer.isActive()
    page.hide()
    assert not page.refresh_timer.isActive() and not page.chart_timer.isActive()


@pytest.mark.slow
def test_chart_shows_hot_values_per_device_property(make_page, qtbot, aws, twin, tmp_path):
    store = DynamoHotStore(twin.table, boto3.resource("dynamodb", **aws.client_kwargs()))
    now = datetime.now(UTC)
    for i, (temperature, humidity) in enumerate([(21.0, 40.0), (22.5, 41.0), (24.0, 39.0)]):
        moment = format_timestamp(now - timedelta(minutes=3 - i))
        store.put(
            {
                "device_id": "temperature-sensor-1",
                "timestamp": moment,
                "temperature": temperature,
                "humidity": humidity,
            }
        )
    store.put(
        {"device_id": "pressure-sensor-1", "timestamp": format_timestamp(now), "pressure": 1012.8}
    )
    page = make_page(lambda: sandbox_target(aws.endpoint, aws.region))
    with qtbot.waitSignal(page.values_updated, timeout=SLOW_MS):
        page.poll_values()
    lines = {(d, p): [v for _, v in values] for d, p, values in page.chart.lines()}
    assert lines == {
        ("temperature-sensor-1", "humidity"): [40.0, 41.0, 39.0],
        ("temperature-sensor-1", "temperature"): [21.0, 22.5, 24.0],
        ("pressure-sensor-1", "pressure"): [1012.8],
    }
    page.chart.device.setCurrentText("temperature-sensor-1")
    page.chart.property.setCurrentText("temperature")
    assert [(d, p) for d, p, _ in page.chart.lines()] == [("temperature-sensor-1", "temperature")]
    page.chart.property.setCurrentText("All")
    page.chart.device.setCurrentText("All")
    page.tabs.setCurrentWidget(page.chart)
    page.show()
    qtbot.waitExposed(page)
    image = page.grab().toImage()
    page.grab().save(str(tmp_path / "status_chart.png"))
    # Some pixels carry the first line colour: the chart drew lines, not just an empty box.
    from PySide6.QtGui import QColor

    blue = QColor("#2563EB").rgb()
    canvas = page.chart.canvas.grab().toImage()
    assert any(
        canvas.pixel(x, y) == blue
        for x in range(0, canvas.width(), 2)
        for y in range(0, canvas.height(), 2)
    )
    assert image.width() > 0


@pytest.mark.slow
def test_send_test_telemetry_traces_the_message(make_page, qtbot, aws, twin, tmp_path):
    page = make_page(lambda: sandbox_target(aws.endpoint, aws.region))
    with qtbot.waitSignal(page.traced, timeout=SLOW_MS) as blocker:
        page.send_test_telemetry("temperature-sensor-2")
    result = blocker.args[0]
    assert page.trace.hop_states() == {
        "L1": "ok",
        "L2": "ok",
        "L3_hot": "ok",
        "L4": "ok",
        "L3_cold": "skipped",
        "L3_archive": "skipped",
    }
    assert "reached every layer" in page.trace.summary.text()
    items = aws.client("dynamodb").scan(TableName=twin.table)["Items"]
    assert [i["trace_id"]["S"] for i in items] == [result.trace_id]
    page.tabs.setCurrentWidget(page.trace)
    page.show()
    qtbot.waitExposed(page)
    qtbot.waitUntil(lambda: page._runner.active == 0, timeout=SLOW_MS)
    page.grab().save(str(tmp_path / "status_trace.png"))


def test_a_twin_whose_l1_cannot_be_traced_says_so(make_page, qtbot, project, monkeypatch):
    from dtwin_gui.clouds import plugin as _plugin
    from dtwin_gui.core.providers import Cloud as _Cloud

    google = _plugin(_Cloud.GOOGLE)
    real_part = type(google).part
    monkeypatch.setattr(
        type(google),
        "part",
        lambda self, name: (
            None
            if self.cloud is _Cloud.GOOGLE and name in {"publish", "hot_reader", "trace"}
            else real_part(self, name)
        ),
    )
    """L1 on Google (no trace there yet): nothing is sent, and the page says why."""
    from helpers import edit_json

    edit_json(project / "config_providers.json", lambda d: d.update(layer_1_provider="google"))
    page = make_page()
    with qtbot.waitSignal(page.traced, timeout=SLOW_MS):
        page.send_test_telemetry()
    assert set(page.trace.hop_states().values()) == {"skipped"}
    assert page.trace.summary.text() == (
        "The message could not be followed: cannot trace through Google Cloud yet."
    )


def test_secret_outputs_are_masked_then_revealed_and_copied(make_page, project, qtbot):
    save_last_status(DeploymentWorkspace(project, "sandbox"), a_report())
    page = make_page()
    table = page.outputs
    assert table.shown_value("hot_table_name") == "factory-twin-hot"
    assert table.shown_value("grafana_api_key") == MASK
    assert table.button("reveal", "hot_table_name") is None
    table.button("copy", "grafana_api_key").click()
    assert QApplication.clipboard().text() == "glsa_secret_123"
    table.button("reveal", "grafana_api_key").click()
    assert table.shown_value("grafana_api_key") == "glsa_secret_123"
    table.button("reveal", "grafana_api_key").click()
    assert table.shown_value("grafana_api_key") == MASK


def test_a_sensitive_terraform_output_is_fetched_from_the_state_on_reveal(
    make_page, project, qtbot
):
    workspace = DeploymentWorkspace(project, "sandbox")
    state = {
        "version": 4,
        "serial": 1,
        "lineage": "x",
        "outputs": {"glue_secret": {"value": "s3cr3t", "type": "string", "sensitive": True}},
        "resources": [],
    }
    (workspace.terraform_dir / "terraform.tfstate").write_text(json.dumps(state))
    page = make_page()
    page._target = sandbox_target("http://127.0.0.1:9")
    page.outputs.set_outputs({"hot_table_name": "t"}, ["glue_secret"])
    assert page.outputs.shown_value("glue_secret") == MASK
    page.outputs.button("copy", "glue_secret").click()
    qtbot.waitUntil(lambda: QApplication.clipboard().text() == "s3cr3t", timeout=WAIT_MS)
    assert page.outputs.shown_value("glue_secret") == MASK  # copying does not reveal
    page.outputs.button("reveal", "glue_secret").click()
    assert page.outputs.shown_value("glue_secret") == "s3cr3t"


def test_left_out_layers_read_not_part_of_this_twin(make_page):
    from dtwin_gui.deploy.status import LEFT_OUT

    report = a_report()
    report.layers["L4"] = LayerStatus("L4", "", LEFT_OUT)
    report.layers["L5"] = LayerStatus("L5", "", LEFT_OUT)
    page = make_page()
    page.tree.set_report(report, aws_target("eu-west-1", {}))
    for layer, meaning in (("L4", "no twin model"), ("L5", "no dashboards")):
        item = page.tree.layer_item(layer)
        assert item.text(1) == "– not part of this twin"
        assert item.text(2).startswith(meaning) and "None on the Layers page" in item.text(2)
        assert page.tree.console_url(item) is None  # nothing to open


def test_every_cross_cloud_hop_row_shows_beside_the_diagram(make_page, project, qtbot):
    """In a 1280 × 800 window the page is about 1050 × 650: the hops' tab takes the room it
    needs from the layer tree, and none of a three-cloud twin's six hops hides behind a
    scroll bar."""
    from dtwin_gui.deploy.hop_health import HEALTHY, HopHealth
    from tests.e2e.matrix_flow import write_row

    write_row(project, ("google", "aws", "azure", "google", "aws", "azure", "aws"))
    page = make_page()
    page.resize(1050, 650)
    page.show()
    qtbot.waitExposed(page)
    page.tabs.setCurrentWidget(page.hops)
    topology = page._session.topology
    hops = [
        HopHealth(
            b.name,
            str(b.spec.source),
            str(b.spec.target),
            str(b.source_cloud),
            str(b.target_cloud),
            b.spec.description,
            HEALTHY,
            last_ok="2026-12-03T10:02:00.000Z",
        )
        for b in topology.boundaries
    ]
    assert len(hops) == 6
    page._show_hops(hops)
    table = page.hops.table

    def rows():
        return [table.visualItemRect(table.topLevelItem(i)) for i in range(len(hops))]

    qtbot.waitUntil(lambda: all(r.height() > 0 for r in rows()), timeout=WAIT_MS)
    viewport = table.viewport().rect()
    assert all(viewport.contains(r) for r in rows()), (viewport, rows())
    assert page.tree.height() >= page.TREE_KEEPS  # the layers stay in sight
    page.tabs.setCurrentWidget(page.outputs)
    assert page.splitter.sizes()[0] >= page.TREE_KEEPS
