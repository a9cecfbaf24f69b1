"""The emulated Azure Managed Grafana data plane answers the Grafana HTTP API over HTTPS."""

from __future__ import annotations

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
