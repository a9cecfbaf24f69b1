"""A deployed function's log lines from Application Insights (real Azure's ``glue_log``).

No emulator serves the Application Insights query API (nor Azure Resource Manager), so a
local HTTP server stands for ``management.azure.com``: it answers with saved bodies in the
documented shape (``tables[0].columns/rows``; ARM's ``{"error": {code, message}}``) and keeps
what it was sent. The sign-in is a fake token credential; nothing reaches the network.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from azure.core.credentials import AccessToken
from helpers_rest import FakeRest, saved

from dtwin_gui.clouds import plugin
from dtwin_gui.clouds.azure import app_insights
from dtwin_gui.clouds.azure.connection import AzureConnection
from dtwin_gui.core.providers import Cloud, Slot
from dtwin_gui.core.topology import compute_topology
from dtwin_gui.deploy.hop_health import HEALTHY, HopHealth, boundary_health, entries, judge
from dtwin_gui.iac.root_parts import unique_suffix

DATA = Path(__file__).parent / "data"
SUBSCRIPTION = "11111111-2222-3333-4444-555555555555"
TOKEN = "fake-arm-token"
#: 2026-12-03T10:00:00Z
SINCE_S = 1_796_292_000.0
SUFFIX = unique_suffix(SUBSCRIPTION, "westeurope")
APP = f"factory-twin-l2-fn-{SUFFIX}"
QUERY_PATH = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-factory-twin/providers"
    "/Microsoft.Insights/components/factory-twin-insights/query"
)


class FakeCredential:
    def __init__(self) -> None:
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes, **kwargs) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken(TOKEN, int(time.time()) + 3600)


class SignedIn(AzureConnection):
    """A real-Azure connection whose sign-in is the fake credential."""

    def credential(self):
        return FakeCredential()


CONNECTION = SignedIn("azure", SUBSCRIPTION, "westeurope", "cli")


@pytest.fixture
def topology():
    providers = {
        Slot.L1: Cloud.AWS,
        Slot.L2: Cloud.AZURE,
        Slot.L3_HOT: Cloud.AZURE,
        Slot.L3_COLD: Cloud.AZURE,
        Slot.L3_ARCHIVE: Cloud.AZURE,
    }
    return compute_topology(providers, twin_name="factory-twin", device_ids=["temp-1"])


def function(topology, name):
    return next(f for f in topology.functions if f.name == name and f.cloud is Cloud.AZURE)


@pytest.fixture
def arm(monkeypatch):
    """The stand-in ARM; ``arm.reply = (status, body)`` sets its answer."""

    class Arm(FakeRest):
        reply = (200, saved(DATA, "app_insights_traces"))

    rest = Arm(answer=lambda request: rest.reply)
    with rest:
        monkeypatch.setattr(app_insights, "ARM_URL", rest.url)
        yield rest


def test_the_functions_lines_come_back_oldest_first_with_their_time(arm, topology):
    part = plugin(Cloud.AZURE).part("glue_log")
    lines = part(CONNECTION, topology, function(topology, "ingestion"), SINCE_S)

    parsed = [json.loads(line) for line in lines if line.startswith("{")]
    assert [(e["time"], e["event"]) for e in parsed] == [
        ("2026-12-03T10:01:00.120Z", "glue-unauthorized"),
        # the line had no time: the row's, as the runtime writes it (UTC, ms, Z)
        ("2026-12-03T10:02:00.456Z", "glue-received"),
        # a host's prefix before the JSON is left out
        ("2026-12-03T10:03:00.899Z", "glue-received"),
    ]
    assert parsed[1] == {
        "time": "2026-12-03T10:02:00.456Z",
        "level": "INFO",
        "function": "ingestion",
        "trace_id": "b7e1f0c2-5d3a-4a8e-9f61-2c4d8e0a7b13",
        "device_id": "temp-1",
        "event": "glue-received",
        "message": "telemetry handled",
        "kind": "telemetry",
        "source_layer": "L1",
    }
    # the processor shares the app: its line is not the ingestion's
    assert all(e["function"] == "ingestion" for e in parsed)
    # the host's own line of the function (no JSON) stays, first, as it was
    assert lines[0].startswith("Executing 'Functions.ingestion'")
    assert len(lines) == 4


def test_the_query_names_the_component_the_app_the_function_and_the_window(arm, topology):
    app_insights.read_lines(
        CONNECTION, topology, function(topology, "ingestion"), SINCE_S, now_s=SINCE_S + 3600
    )
    (request,) = arm.requests
    assert request.path == QUERY_PATH
    assert request.query == "api-version=2018-04-20"
    assert request.header("Authorization") == f"Bearer {TOKEN}"
    query = request.body["query"]
    assert query.startswith("traces\n")
    assert "| where timestamp >= datetime(2026-12-03T10:00:00.000Z)" in query
    assert f"| where cloud_RoleName =~ '{APP}'" in query
    assert "== 'ingestion'" in query and "operation_Name == 'ingestion'" in query
    assert "| top 5000 by timestamp desc" in query
    # to a little past now, so a clock behind Azure's keeps the newest lines
    assert request.body["timespan"] == "2026-12-03T10:00:00.000Z/2026-12-03T11:05:00.000Z"


def test_the_token_is_asked_for_the_resource_manager(arm, topology):
    credential = FakeCredential()

    class Counted(AzureConnection):
        def credential(self):
            return credential

    connection = Counted("azure", SUBSCRIPTION, "westeurope", "cli")
    app_insights.read_lines(connection, topology, function(topology, "ingestion"), SINCE_S)
    assert credential.scopes == [("https://management.azure.com/.default",)]


def test_no_component_yet_and_an_empty_window_are_no_lines(arm, topology):
    ingestion = function(topology, "ingestion")
    arm.reply = (404, saved(DATA, "arm_resource_not_found"))
    assert app_insights.read_lines(CONNECTION, topology, ingestion, SINCE_S) == []
    arm.reply = (200, saved(DATA, "app_insights_empty"))
    assert app_insights.read_lines(CONNECTION, topology, ingestion, SINCE_S) == []


def test_a_refusal_names_the_role_and_the_action_and_never_the_token(arm, topology):
    arm.reply = (403, saved(DATA, "arm_authorization_failed"))
    with pytest.raises(app_insights.AppInsightsError) as caught:
        app_insights.read_lines(CONNECTION, topology, function(topology, "ingestion"), SINCE_S)
    message = str(caught.value)
    assert "HTTP 403 AuthorizationFailed" in message
    assert "Reader (or Monitoring Reader) on the Application Insights component" in message
    assert "factory-twin-insights in resource group rg-factory-twin" in message
    assert "(microsoft.insights/components/query/read)" in message
    assert TOKEN not in message


def test_another_failure_says_the_status_and_what_the_service_said(arm, topology):
    arm.reply = (400, saved(DATA, "query_bad_argument"))
    with pytest.raises(app_insights.AppInsightsError) as caught:
        app_insights.read_lines(CONNECTION, topology, function(topology, "ingestion"), SINCE_S)
    assert "HTTP 400 BadArgumentError: The request had some invalid properties" in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_without_a_subscription_it_says_to_choose_one(topology):
    connection = SignedIn("azure", "", "westeurope", "cli")
    with pytest.raises(app_insights.AppInsightsError, match="choose an Azure subscription"):
        app_insights.read_lines(connection, topology, function(topology, "ingestion"), SINCE_S)


def test_the_hop_into_azure_is_healthy_from_the_lines_the_reader_gave(arm, topology):
    (boundary,) = [b for b in topology.boundaries if b.name == "l1-l2-ingestion"]
    # the sender is on AWS, not connected here: the receiver's log alone judges the hop
    hop = boundary_health({Cloud.AZURE: CONNECTION}, topology, boundary, SINCE_S)
    assert hop.state == HEALTHY
    assert (hop.last_ok, hop.delivered, hop.failed) == ("2026-12-03T10:03:00.899Z", 2, 1)
    assert hop.failures[0].message == "refused (401): bad signature"
    assert "the sender's log was not read" in hop.detail
    # the same lines through entries/judge, as Status reads them
    lines = app_insights.read_lines(CONNECTION, topology, function(topology, "ingestion"), SINCE_S)
    fresh = HopHealth(boundary.name, "L1", "L2", "aws", "azure", "")
    again = judge(fresh, boundary.spec, entries(lines), None, "2026-12-03T10:00:00.000Z")
    assert (again.state, again.last_ok) == (HEALTHY, hop.last_ok)
