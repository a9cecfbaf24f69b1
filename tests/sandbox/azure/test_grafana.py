"""The emulated Azure Managed Grafana data plane answers the Grafana HTTP API over HTTPS."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from dtwin_gui.clouds.azure.sandbox.grafana import GrafanaEmulation
from tests.sandbox.azure.test_iothub import serve_https

AUTH = {"Authorization": "Bearer sandbox-entra-token"}


@pytest.fixture
def grafana(tmp_path, monkeypatch):
    emulation = GrafanaEmulation("grafana-twin")
    with serve_https(emulation.handle, tmp_path, monkeypatch) as host:
        yield emulation.endpoint(host)


def test_health_answers_without_a_token_and_the_api_wants_one(grafana):
    health = requests.get(f"{grafana}/api/health", timeout=10)
    assert health.status_code == 200 and health.json()["database"] == "ok"
    assert requests.get(f"{grafana}/api/datasources", timeout=10).status_code == 401


def test_datasource_crud_keeps_secrets_write_only(grafana):
    body = {
        "name": "dtwin-hot",
        "type": "yesoreyeram-infinity-datasource",
        "url": "https://app-l3.example/api/hot-reader",
        "access": "proxy",
        "jsonData": {"auth": "hmac"},
        "secureJsonData": {"secret": "s3cret"},
    }
    added = requests.post(f"{grafana}/api/datasources", json=body, headers=AUTH, timeout=10)
    assert added.status_code == 200 and added.json()["message"] == "Datasource added"
    uid = added.json()["datasource"]["uid"]
    again = requests.post(f"{grafana}/api/datasources", json=body, headers=AUTH, timeout=10)
    assert again.status_code == 409
    got = requests.get(f"{grafana}/api/datasources/uid/{uid}", headers=AUTH, timeout=10).json()
    assert got["url"] == body["url"]
    assert "secureJsonData" not in got and got["secureJsonFields"] == {"secret": True}
    changed = requests.put(
        f"{grafana}/api/datasources/uid/{uid}",
        json={**body, "url": "https://other/api/hot-reader"},
        headers=AUTH,
        timeout=10,
    )
    assert changed.json()["datasource"]["url"] == "https://other/api/hot-reader"
    by_name = requests.get(f"{grafana}/api/datasources/name/dtwin-hot", headers=AUTH, timeout=10)
    assert by_name.json()["uid"] == uid
    gone = requests.delete(f"{grafana}/api/datasources/uid/{uid}", headers=AUTH, timeout=10)
    assert gone.status_code == 200
    assert requests.get(f"{grafana}/api/datasources", headers=AUTH, timeout=10).json() == []


def test_dashboards_are_saved_found_overwritten_and_deleted(grafana):
    board = {"dashboard": {"uid": "dtwin-twin", "title": "Twin", "panels": [{"id": 1}]}}
    saved = requests.post(f"{grafana}/api/dashboards/db", json=board, headers=AUTH, timeout=10)
    assert saved.status_code == 200 and saved.json()["version"] == 1
    clash = requests.post(f"{grafana}/api/dashboards/db", json=board, headers=AUTH, timeout=10)
    assert clash.status_code == 412
    board["overwrite"] = True
    second = requests.post(f"{grafana}/api/dashboards/db", json=board, headers=AUTH, timeout=10)
    assert second.json()["version"] == 2
    got = requests.get(f"{grafana}/api/dashboards/uid/dtwin-twin", headers=AUTH, timeout=10)
    assert got.json()["dashboard"]["panels"] == [{"id": 1}]
    found = requests.get(
        f"{grafana}/api/search", params={"query": "twin"}, headers=AUTH, timeout=10
    ).json()
    assert [hit["uid"] for hit in found] == ["dtwin-twin"]
    deleted = requests.delete(f"{grafana}/api/dashboards/uid/dtwin-twin", headers=AUTH, timeout=10)
    assert deleted.status_code == 200
    missing = requests.get(f"{grafana}/api/dashboards/uid/dtwin-twin", headers=AUTH, timeout=10)
    assert missing.status_code == 404


# --- a panel draws: POST /api/ds/query sends the panel's Infinity query to the data source
class _Reader(BaseHTTPRequestHandler):
    """A hot reader over plain HTTP that wants its functions key and answers two records."""

    seen: ClassVar[list[tuple[str, dict]]] = []

    def do_GET(self):
        query = dict(parse_qsl(urlsplit(self.path).query))
        type(self).seen.append((self.headers.get("x-functions-key", ""), query))
        if self.headers.get("x-functions-key") != "reader-key":
            self.send_response(401)
            self.end_headers()
            return
        items = [
            {"device_id": "pump-1", "timestamp": "2025-11-25T10:00:00.000Z", "temperature": 20.5},
            {"device_id": "pump-1", "timestamp": "2025-11-25T10:01:00.000Z", "temperature": 21.0},
        ]
        data = json.dumps({"items": items}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def reader_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Reader)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Reader.seen = []
    yield f"http://127.0.0.1:{server.server_port}/api/hot-reader"
    server.shutdown()
    server.server_close()


def _draw(grafana, target, start_ms=1764064800000, end_ms=1764068400000):
    body = {"from": str(start_ms), "to": str(end_ms), "queries": [target]}
    return requests.post(f"{grafana}/api/ds/query", json=body, headers=AUTH, timeout=30)


def test_a_panel_query_reads_the_data_source_with_its_key_and_range(grafana, reader_url):
    from dtwin_gui.clouds.azure.sdk.context import HotReader
    from dtwin_gui.clouds.azure.sdk.grafana import datasource_model, panel_target

    model = datasource_model("twin", HotReader(reader_url, "reader-key", proxied=True))
    assert requests.post(f"{grafana}/api/datasources", json=model, headers=AUTH, timeout=10).ok
    drawn = _draw(grafana, panel_target("twin", "pump-1", "temperature", "DOUBLE"))
    assert drawn.status_code == 200, drawn.text
    (frame,) = drawn.json()["results"]["A"]["frames"]
    assert [f["name"] for f in frame["schema"]["fields"]] == ["time", "temperature"]
    times, values = frame["data"]["values"]
    assert values == [20.5, 21.0] and times == [1764064800000, 1764064860000]
    key, params = _Reader.seen[-1]
    assert key == "reader-key"  # the write-only secure value went to the reader only
    assert params["device_id"] == "pump-1" and params["properties"] == "temperature"
    assert (params["start"], params["end"]) == (
        "2025-11-25T10:00:00.000Z",
        "2025-11-25T11:00:00.000Z",
    )


def test_a_panel_query_that_fails_says_why_and_the_key_is_not_sent_elsewhere(grafana, reader_url):
    from dtwin_gui.clouds.azure.sdk.context import HotReader
    from dtwin_gui.clouds.azure.sdk.grafana import datasource_model, panel_target

    model = datasource_model("twin", HotReader(reader_url, "wrong-key", proxied=True))
    requests.post(f"{grafana}/api/datasources", json=model, headers=AUTH, timeout=10)
    target = panel_target("twin", "pump-1", "temperature", "DOUBLE")
    failed = _draw(grafana, target).json()["results"]["A"]
    assert failed["status"] == 401 and "HTTP 401" in failed["error"]
    elsewhere = {**target, "url": "https://evil.example/steal"}  # another host
    assert "allowed host" in _draw(grafana, elsewhere).json()["results"]["A"]["error"]
    unknown = {**target, "datasource": {"uid": "nope"}}
    assert _draw(grafana, unknown).json()["results"]["A"]["status"] == 404
