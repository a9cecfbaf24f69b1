"""A deployed function's log lines from Cloud Logging (real Google Cloud's ``glue_log``).

No emulator serves Cloud Logging's ``entries.list``, so a local HTTP server stands for
``logging.googleapis.com``: it answers with saved pages in the documented shape
(``{"entries": [LogEntry], "nextPageToken"}`` for a Cloud Run revision's stdout/stderr;
Google's ``{"error": {code, message, status}}``) and keeps what it was sent. The session is
google-auth's AuthorizedSession over a fixed fake token; nothing reaches the network.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from google.oauth2.credentials import Credentials
from helpers_rest import FakeRest, saved

from dtwin_gui.clouds import plugin
from dtwin_gui.clouds.google import cloud_logging
from dtwin_gui.clouds.google.connection import GoogleConnection
from dtwin_gui.core.providers import Cloud, Slot
from dtwin_gui.core.topology import compute_topology
from dtwin_gui.deploy.hop_health import HEALTHY, HopHealth, boundary_health, entries, judge

DATA = Path(__file__).parent / "data"
PROJECT = "my-twin-project"
TOKEN = "ya29.fake-google-token"
#: 2026-12-03T10:00:00Z
SINCE_S = 1_796_292_000.0
PAGE_TOKEN = saved(DATA, "entries_page1")["nextPageToken"]


class SignedIn(GoogleConnection):
    """A real-Google connection whose credentials are a fixed token (never refreshed)."""

    def credentials(self):
        return Credentials(token=TOKEN)


CONNECTION = SignedIn("google", PROJECT, "europe-west1", "adc")


@pytest.fixture
def topology():
    providers = {
        Slot.L1: Cloud.AZURE,
        Slot.L2: Cloud.AZURE,
        Slot.L3_HOT: Cloud.GOOGLE,
        Slot.L3_COLD: Cloud.GOOGLE,
        Slot.L3_ARCHIVE: Cloud.GOOGLE,
    }
    return compute_topology(providers, twin_name="factory-twin", device_ids=["temp-1"])


def function(topology, name):
    return next(f for f in topology.functions if f.name == name and f.cloud is Cloud.GOOGLE)


def pages(request):
    """entries.list over two saved pages: the second for the first's page token."""
    token = (request.body or {}).get("pageToken")
    return 200, saved(DATA, "entries_page2" if token == PAGE_TOKEN else "entries_page1")


@pytest.fixture
def logging_api(monkeypatch):
    """The stand-in API; ``logging_api.answer`` may be replaced by a test."""
    rest = FakeRest(answer=pages)
    with rest:
        monkeypatch.setattr(cloud_logging, "LOGGING_URL", f"{rest.url}/v2/entries:list")
        yield rest


def test_the_lines_come_back_oldest_first_as_the_runtime_wrote_them(logging_api, topology):
    part = plugin(Cloud.GOOGLE).part("glue_log")
    lines = part(CONNECTION, topology, function(topology, "hot-writer"), SINCE_S)

    assert len(lines) == 4
    assert lines[2] == "hot store: 2 records written"  # a text line, as it was
    parsed = [json.loads(line) for line in lines if line.startswith("{")]
    assert [(e["time"], e["event"]) for e in parsed] == [
        ("2026-12-03T10:01:00.120Z", "glue-unauthorized"),
        ("2026-12-03T10:02:00.456Z", "glue-received"),
        ("2026-12-03T10:03:00.899Z", "glue-received"),
    ]
    # the platform took `time` (and here `level`, as the severity): both are back
    assert parsed[0]["level"] == "WARNING"
    assert parsed[1] == {
        "time": "2026-12-03T10:02:00.456Z",
        "level": "INFO",
        "function": "hot-writer",
        "trace_id": "b7e1f0c2-5d3a-4a8e-9f61-2c4d8e0a7b13",
        "device_id": "temp-1",
        "event": "glue-received",
        "message": "telemetry handled",
        "kind": "telemetry",
        "source_layer": "L2",
    }


def test_the_request_names_the_project_the_service_and_the_window_and_pages_on(
    logging_api, topology
):
    cloud_logging.read_lines(CONNECTION, topology, function(topology, "hot-writer"), SINCE_S)
    first, second = logging_api.requests
    assert first.path == "/v2/entries:list"
    assert first.header("Authorization") == f"Bearer {TOKEN}"
    assert first.body["resourceNames"] == [f"projects/{PROJECT}"]
    assert first.body["orderBy"] == "timestamp desc" and first.body["pageSize"] == 1000
    query = first.body["filter"]
    assert (
        'resource.type="cloud_run_revision" AND '
        'resource.labels.service_name="factory-twin-hot-writer"'
    ) in query
    assert 'resource.labels.function_name="factory-twin-hot-writer"' in query
    assert 'timestamp>="2026-12-03T10:00:00.000Z"' in query
    assert 'NOT log_id("run.googleapis.com/requests")' in query
    assert "pageToken" not in first.body
    assert second.body == {**first.body, "pageToken": PAGE_TOKEN}


def test_the_newest_lines_are_kept_when_the_window_holds_more(logging_api, topology, monkeypatch):
    monkeypatch.setattr(cloud_logging, "MAX_LINES", 2)
    lines = cloud_logging.read_lines(
        CONNECTION, topology, function(topology, "hot-writer"), SINCE_S
    )
    assert len(logging_api.requests) == 1  # the first page held enough
    assert lines == ["hot store: 2 records written", lines[1]]
    assert json.loads(lines[1])["time"] == "2026-12-03T10:03:00.899Z"


def test_an_empty_answer_and_a_missing_project_or_log_are_no_lines(logging_api, topology):
    writer = function(topology, "hot-writer")
    logging_api.answer = lambda request: (200, saved(DATA, "entries_empty"))
    assert cloud_logging.read_lines(CONNECTION, topology, writer, SINCE_S) == []
    logging_api.answer = lambda request: (404, saved(DATA, "not_found"))
    assert cloud_logging.read_lines(CONNECTION, topology, writer, SINCE_S) == []


def test_without_a_project_it_says_to_choose_one(topology, tmp_path):
    connection = SignedIn("google", "", "europe-west1", "file", key_file=str(tmp_path / "no.json"))
    with pytest.raises(cloud_logging.CloudLoggingError, match="no Google Cloud project"):
        cloud_logging.read_lines(connection, topology, function(topology, "hot-writer"), SINCE_S)


def test_a_refusal_names_the_permission_and_the_role_and_never_the_token(logging_api, topology):
    logging_api.answer = lambda request: (403, saved(DATA, "permission_denied"))
    with pytest.raises(cloud_logging.CloudLoggingError) as caught:
        cloud_logging.read_lines(CONNECTION, topology, function(topology, "hot-writer"), SINCE_S)
    message = str(caught.value)
    assert "HTTP 403 PERMISSION_DENIED" in message
    assert f"needs logging.logEntries.list on project {PROJECT} (role roles/logging.viewer)" in (
        message
    )
    assert TOKEN not in message


def test_a_disabled_api_says_to_enable_it(logging_api, topology):
    logging_api.answer = lambda request: (403, saved(DATA, "service_disabled"))
    with pytest.raises(cloud_logging.CloudLoggingError, match="enable the Cloud Logging API"):
        cloud_logging.read_lines(CONNECTION, topology, function(topology, "hot-writer"), SINCE_S)


def test_another_failure_says_the_status_and_what_the_service_said(logging_api, topology):
    logging_api.answer = lambda request: (400, saved(DATA, "invalid_argument"))
    with pytest.raises(cloud_logging.CloudLoggingError) as caught:
        cloud_logging.read_lines(CONNECTION, topology, function(topology, "hot-writer"), SINCE_S)
    assert "HTTP 400 INVALID_ARGUMENT: Invalid query: unparseable filter" in str(caught.value)


def test_the_hop_into_google_is_healthy_from_the_lines_the_reader_gave(logging_api, topology):
    (boundary,) = [b for b in topology.boundaries if b.name == "l2-l3hot-writer"]
    # the sender (the persister) is on Azure, not connected here: the receiver's log judges
    hop = boundary_health({Cloud.GOOGLE: CONNECTION}, topology, boundary, SINCE_S)
    assert hop.state == HEALTHY
    assert (hop.last_ok, hop.delivered, hop.failed) == ("2026-12-03T10:03:00.899Z", 2, 1)
    assert hop.failures[0].message == "refused (401): bad signature"
    lines = cloud_logging.read_lines(
        CONNECTION, topology, function(topology, "hot-writer"), SINCE_S
    )
    fresh = HopHealth(boundary.name, "L2", "L3_hot", "azure", "google", "")
    again = judge(fresh, boundary.spec, entries(lines), None, "2026-12-03T10:00:00.000Z")
    assert (again.state, again.last_ok) == (HEALTHY, hop.last_ok)
