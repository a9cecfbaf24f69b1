"""L1 -> L2 -> L3 on the Azure runtime: an IoT Hub telemetry event reaches the dispatcher,
which calls the processor (the user's code) over HTTP, which calls the persister, which
writes to Cosmos. A loopback host serves the L2 app's routes as the Functions host would,
checking ``x-functions-key``."""

from __future__ import annotations

import http.server
import threading

import azure.functions as func
import pytest

from dtwin_gui.runtime.azure.stores import CosmosHotStore
from tests.runtime.azure.test_function_app import _load_app

KEY = "l2-functions-key"


def _host(functions: dict):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            name = self.path.split("/api/", 1)[1]
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.headers.get("x-functions-key") != KEY or name not in functions:
                self.send_response(401 if name in functions else 404)
                self.end_headers()
                return
            request = func.HttpRequest(
                "POST", f"http://host{self.path}", headers=dict(self.headers), body=body
            )
            reply = functions[name].get_user_function()(request)
            data = reply.get_body()
            self.send_response(reply.status_code)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    return http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)


@pytest.fixture
def l2_host():
    apps: dict = {}
    server = _host(apps)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", apps
    server.shutdown()
    server.server_close()


def test_telemetry_event_is_processed_and_lands_in_cosmos(
    tmp_path, monkeypatch, l2_host, cosmos_settings, cosmos_container
):
    url, apps = l2_host
    env = {
        **cosmos_settings,
        "DTWIN_TWIN_NAME": "demo",
        "DTWIN_APP_URL_L2": url,
        "DTWIN_FUNCTIONS_KEY_L2": KEY,
        "DTWIN_PERSISTER_FUNCTION": "demo-persister",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    devices = {"pump-1": {"pressure": "double"}}
    l2 = tmp_path / "l2"
    (l2 / "user" / "demo-processor-pump-1").mkdir(parents=True)
    (l2 / "user" / "demo-processor-pump-1" / "process.py").write_text(
        "def process(event):\n"
        "    event['pressure'] = max(0.0, event['pressure'])\n"
        "    return event\n"
    )
    apps.update(
        _load_app(
            l2,
            "L2",
            [("demo-processor-pump-1", "processor"), ("demo-persister", "persister")],
            user_dirs={"demo-processor-pump-1": "user/demo-processor-pump-1"},
            devices=devices,
            device_id="pump-1",
        )
    )
    dispatcher = _load_app(
        tmp_path / "l1",
        "L1",
        [("demo-dispatcher", "dispatcher")],
        devices=devices,
        routes={"pump-1": "demo-processor-pump-1"},
    )["demo-dispatcher"]
    event = func.EventGridEvent(
        id="e1",
        data={
            "properties": {},
            "systemProperties": {"iothub-connection-device-id": "pump-1"},
            "body": {"timestamp": "2026-03-01T10:00:00.000Z", "pressure": -3.0},
        },
        topic="/subscriptions/s/resourceGroups/rg-demo/providers/Microsoft.Devices/IotHubs/h",
        subject="devices/pump-1",
        event_type="Microsoft.Devices.DeviceTelemetry",
        event_time=None,
        data_version="",
    )
    dispatcher.get_user_function()(event)
    [stored] = CosmosHotStore(cosmos_container).query("pump-1")
    assert stored["pressure"] == 0.0  # the user's processor ran
    assert stored["timestamp"] == "2026-03-01T10:00:00.000Z" and stored["trace_id"]


def test_a_wrong_functions_key_is_refused_and_the_dispatcher_fails_loudly(
    tmp_path, monkeypatch, l2_host
):
    from dtwin_gui.runtime.azure.services import InvocationFailed

    url, apps = l2_host
    apps["demo-processor-pump-1"] = object()
    for name, value in {
        "DTWIN_TWIN_NAME": "demo",
        "DTWIN_APP_URL_L2": url,
        "DTWIN_FUNCTIONS_KEY_L2": "wrong",
    }.items():
        monkeypatch.setenv(name, value)
    dispatcher = _load_app(
        tmp_path / "l1", "L1", [("d", "dispatcher")], routes={"pump-1": "demo-processor-pump-1"}
    )["d"]
    event = func.EventGridEvent(
        id="e1",
        data={"systemProperties": {"iothub-connection-device-id": "pump-1"}, "body": {"p": 1}},
        topic="t",
        subject="s",
        event_type="Microsoft.Devices.DeviceTelemetry",
        event_time=None,
        data_version="",
    )
    with pytest.raises(InvocationFailed, match="401"):  # Event Grid retries the event
        dispatcher.get_user_function()(event)
