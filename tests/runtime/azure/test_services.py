"""The Azure service adapters against real servers: C2D feedback over IoT Hub's REST API
(a loopback HTTP server stands in for the hub), the movers and the hot reader as Function
App functions on the emulators."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import threading
import urllib.parse
from typing import ClassVar

import azure.functions as func
import pytest

from dtwin_gui.runtime.azure.services import IotHubFeedbackPublisher
from dtwin_gui.runtime.azure.stores import BlobObjectStore, CosmosHotStore
from tests.runtime.azure.test_function_app import _load_app

HUB_KEY = base64.b64encode(b"hub-service-key-for-tests").decode()


class _Hub(http.server.BaseHTTPRequestHandler):
    received: ClassVar[list] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, self.headers["Authorization"], json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hub():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hub)
    _Hub.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/iothub/hub-demo", _Hub.received
    server.shutdown()
    server.server_close()


def test_feedback_is_a_c2d_message_with_a_valid_sas_token(hub):
    url, received = hub
    IotHubFeedbackPublisher(url, HUB_KEY, policy="service").publish("pump 1", {"alarm": True})
    [(path, auth, body)] = received
    assert path == "/iothub/hub-demo/devices/pump%201/messages/deviceBound?api-version=2021-04-12"
    assert body == {"alarm": True}
    assert auth.startswith("SharedAccessSignature ")
    fields = dict(p.split("=", 1) for p in auth.split(" ", 1)[1].split("&"))
    assert fields["skn"] == "service"
    resource = urllib.parse.unquote(fields["sr"])
    assert resource == urllib.parse.urlsplit(url).netloc + "/iothub/hub-demo"
    expected = hmac.new(
        base64.b64decode(HUB_KEY), f"{fields['sr']}\n{fields['se']}".encode(), hashlib.sha256
    ).digest()
    assert base64.b64decode(urllib.parse.unquote(fields["sig"])) == expected


def _setenv(monkeypatch, values: dict) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_timer_movers_take_aged_records_to_cool_then_archive(
    tmp_path, monkeypatch, cosmos_settings, cosmos_container, azurite, blob_containers
):
    cold_container, archive_container = blob_containers
    _setenv(
        monkeypatch,
        {
            **cosmos_settings,
            "DTWIN_TWIN_NAME": "demo",
            "DTWIN_BLOB_CONNECTION": azurite,
            "DTWIN_COLD_STORE": cold_container.container_name,
            "DTWIN_ARCHIVE_STORE": archive_container.container_name,
            "DTWIN_HOT_DAYS": "1",
            "DTWIN_COLD_DAYS": "1",
        },
    )
    hot = CosmosHotStore(cosmos_container)
    old = [
        {"device_id": "pump-1", "timestamp": f"2020-01-01T0{h}:00:00.000Z", "trace_id": "t", "p": h}
        for h in range(3)
    ]
    for record in old:
        hot.put(record)
    functions = _load_app(
        tmp_path / "l3",
        "L3_hot",
        [
            ("hot-to-cold-mover", "hot-to-cold-mover"),
            ("cold-to-archive-mover", "cold-to-archive-mover"),
        ],
    )
    functions["hot-to-cold-mover"].get_user_function()(None)  # the timer fires
    cold = BlobObjectStore(cold_container, tier="Cool")
    assert hot.query("pump-1") == []
    [key] = [o.key for o in cold.list()]
    assert cold.tier_of(key) == "Cool"
    functions["cold-to-archive-mover"].get_user_function()(None)
    archive = BlobObjectStore(archive_container, tier="Archive")
    assert cold.list() == [] and [o.key for o in archive.list()] == [key]
    assert archive.tier_of(key) == "Archive"


def test_hot_reader_answers_a_plain_get_from_cosmos(
    tmp_path, monkeypatch, cosmos_settings, cosmos_container
):
    _setenv(monkeypatch, {**cosmos_settings, "DTWIN_TWIN_NAME": "demo"})
    hot = CosmosHotStore(cosmos_container)
    for second in range(3):
        hot.put(
            {
                "device_id": "pump-1",
                "timestamp": f"2026-03-01T10:00:0{second}.000Z",
                "trace_id": "t",
                "pressure": float(second),
            }
        )
    reader = _load_app(
        tmp_path / "l3",
        "L3_hot",
        [("hot-reader", "hot-reader")],
        devices={"pump-1": {"pressure": "double"}},
    )["hot-reader"]
    request = func.HttpRequest(
        "GET", "https://app/api/hot-reader", params={"device_id": "pump-1"}, body=b""
    )
    reply = reader.get_user_function()(request)
    assert reply.status_code == 200, reply.get_body()
    text = reply.get_body().decode()
    assert all(f"2026-03-01T10:00:0{s}.000Z" in text for s in range(3))


def test_with_remote_readers_a_get_must_be_signed_over_its_raw_query(
    tmp_path, monkeypatch, cosmos_settings, cosmos_container
):
    from dtwin_gui.runtime.core.glue import signed_headers

    _setenv(monkeypatch, {**cosmos_settings, "DTWIN_TWIN_NAME": "demo", "DTWIN_GLUE_SECRET": "s3"})
    CosmosHotStore(cosmos_container).put(
        {"device_id": "pump-1", "timestamp": "2026-03-01T10:00:00.000Z", "trace_id": "t", "p": 1}
    )
    reader = _load_app(
        tmp_path / "l3", "L3_hot", [("hot-reader", "hot-reader")], devices={"pump-1": {"p": "long"}}
    )["hot-reader"]
    url = "https://app/api/hot-reader?device_id=pump-1"

    def get(headers):
        request = func.HttpRequest(
            "GET", url, params={"device_id": "pump-1"}, headers=headers, body=b""
        )
        return reader.get_user_function()(request)

    assert get({}).status_code == 401
    assert get(signed_headers("s3", b"device_id=pump-1")).status_code == 200
    assert get(signed_headers("wrong", b"device_id=pump-1")).status_code == 401


def test_a_timer_fired_by_the_sandbox_clock_uses_its_time():
    from datetime import UTC, datetime

    from dtwin_gui.runtime.azure.app import timer_now

    class Timer:
        dtwin_now = "2031-05-06T07:08:09.000Z"

    assert timer_now(Timer()) == datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert abs((timer_now(None) - datetime.now(UTC)).total_seconds()) < 5
