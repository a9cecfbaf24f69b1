"""A test message traced through the twin in the emulated AWS (L1 → L2 → L3 hot → reader)."""

from __future__ import annotations

import pytest
from helpers import edit_json
from helpers_aws import deploy_project

from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.clouds.base import SANDBOX, Connections
from dtwin_gui.core.project import load_project
from dtwin_gui.core.providers import Cloud
from dtwin_gui.core.run_events import LogEvent

# The neutral entry: the cloud of L1 drives the trace (here AWS's trace part).
from dtwin_gui.deploy.cloud_parts import trace_telemetry
from dtwin_gui.deploy.trace import FAILED, OK, SKIPPED, TraceError

pytestmark = pytest.mark.slow


def add_telemetry_rule(aws, twin: str, dispatcher: str) -> None:
    """The L1 topic rule, as the Terraform module makes it (helpers_aws has no IoT part)."""
    arn = aws.client("lambda").get_function(FunctionName=dispatcher)["Configuration"]["FunctionArn"]
    aws.client("iot").create_topic_rule(
        ruleName=f"{twin.replace('-', '_')}_telemetry",
        topicRulePayload={
            "sql": f"SELECT *, topic(3) AS device_id FROM 'dtwin/{twin}/+/telemetry'",
            "actions": [{"lambda": {"functionArn": arn}}],
            "awsIotSqlVersion": "2016-03-23",
        },
    )


@pytest.fixture
def twin(aws, project, tmp_path):
    deployed = deploy_project(aws, project, tmp_path / "build")
    add_telemetry_rule(aws, deployed.twin, deployed.name("dispatcher"))
    return deployed


@pytest.fixture
def google_without(monkeypatch):
    """Google with some parts taken back: the example of a cloud that lacks them (since
    issue 15 Google has every part this file's path needs)."""
    from dtwin_gui.clouds import plugin

    def strip(*names: str) -> None:
        google = plugin(Cloud.GOOGLE)
        kept = {k: v for k, v in google.parts.items() if k not in names}
        monkeypatch.setattr(google, "parts", kept)

    return strip


def test_a_message_is_traced_from_iot_to_the_hot_reader(aws, project, twin):
    events = []
    target = sandbox_target(aws.endpoint, aws.region)
    result = trace_telemetry(
        load_project(project),
        target,
        {"hot_table_name": twin.table},
        device_id="temperature-sensor-1",
        sink=events.append,
        timeout_s=60,
    )
    states = {h.layer: h.state for h in result.hops}
    assert states == {
        "L1": OK,
        "L2": OK,
        "L3_hot": OK,
        "L4": OK,
        "L3_cold": SKIPPED,
        "L3_archive": SKIPPED,
    }, [h.detail for h in result.hops]
    assert result.ok
    assert result.topic == "dtwin/factory-twin/temperature-sensor-1/telemetry"
    # The hot table holds the record under the trace id, processed (Fahrenheit added).
    items = aws.client("dynamodb").scan(TableName=twin.table)["Items"]
    traced = [i for i in items if i["trace_id"]["S"] == result.trace_id]
    assert len(traced) == 1 and traced[0]["timestamp"]["S"] == result.timestamp
    assert "temperature_f" in result.hop("L2").detail
    assert "moved later" in result.hop("L3_cold").detail
    assert any(isinstance(e, LogEvent) and result.trace_id[:8] in e.message for e in events)


def test_a_missing_hot_table_fails_the_storage_hops_with_a_reason(aws, project, twin):
    target = sandbox_target(aws.endpoint, aws.region)
    result = trace_telemetry(
        load_project(project),
        target,
        {"hot_table_name": "no-such-table"},
        timeout_s=2,
        poll_s=0.2,
    )
    assert result.hop("L1").state == OK
    assert result.hop("L3_hot").state == FAILED
    assert "no-such-table" in result.hop("L3_hot").detail
    assert result.hop("L4").state == SKIPPED
    assert not result.ok


def test_an_unknown_device_is_refused_before_anything_is_sent(project):
    target = sandbox_target("http://127.0.0.1:9", "us-east-1")
    with pytest.raises(TraceError, match="ghost"):
        trace_telemetry(load_project(project), target, {}, device_id="ghost")


def test_a_refused_publish_fails_l1_and_skips_the_rest(project):
    """Nothing listens on port 9: IoT Core cannot be reached (no emulator needed)."""
    target = sandbox_target("http://127.0.0.1:9", "us-east-1")
    result = trace_telemetry(load_project(project), target, {}, timeout_s=1)
    assert result.hop("L1").state == FAILED
    assert "Check that the twin is deployed" in result.hop("L1").detail
    assert {h.state for h in result.hops[1:]} == {SKIPPED}


class _Google:
    """A connection of a cloud whose plugin cannot trace yet."""

    cloud, is_sandbox = Cloud.GOOGLE, True

    def process_env(self) -> dict:
        return {}

    def describe(self) -> str:
        return "Google Cloud (sandbox)"


def _providers(project, **slots) -> None:
    edit_json(project / "config_providers.json", lambda data: data.update(slots))


def test_l1_on_a_cloud_that_cannot_trace_says_so_for_every_hop(google_without, project):
    """Connected or not, nothing is sent and every hop says why."""
    google_without("publish", "hot_reader", "trace")
    _providers(project, layer_1_provider="google")
    both = Connections(
        SANDBOX, {Cloud.AWS: sandbox_target("http://127.0.0.1:9"), Cloud.GOOGLE: _Google()}
    )
    for connections in (both, sandbox_target("http://127.0.0.1:9")):
        result = trace_telemetry(load_project(project), connections, {}, timeout_s=1)
        assert result.device_id == "temperature-sensor-1"
        assert {h.state for h in result.hops} == {SKIPPED}
        assert {h.detail for h in result.hops[:4]} == {"cannot trace through Google Cloud yet"}
        assert not result.traced


def test_l1_on_a_cloud_not_connected_is_refused_with_what_to_do(project):
    google_only = Connections(SANDBOX, {Cloud.GOOGLE: _Google()})
    with pytest.raises(TraceError, match=r"no AWS connection.*Credentials page"):
        trace_telemetry(load_project(project), google_only, {})


def test_a_hot_store_on_a_cloud_that_cannot_trace_ends_the_trace_there(
    google_without, aws, project
):
    """L1 on AWS publishes; the hot store on Google cannot be followed, and says so."""
    google_without("publish", "hot_reader", "trace")
    _providers(project, layer_3_hot_provider="google")
    target = sandbox_target(aws.endpoint, aws.region)
    result = trace_telemetry(load_project(project), target, {}, timeout_s=1)
    assert result.hop("L1").state == OK and result.traced
    for layer in ("L2", "L3_hot", "L4"):
        hop = result.hop(layer)
        assert (hop.state, hop.detail) == (SKIPPED, "cannot trace through Google Cloud yet")
