"""The static function_app.py: every manifest function registered with its trigger, and
functions called in-process with the real azure.functions types against the emulators."""

from __future__ import annotations

import base64
import http.server
import importlib.util
import json
import shutil
import threading
from pathlib import Path
from typing import ClassVar

import azure.functions as func
import pytest

import dtwin_gui.runtime.azure as runtime_azure
from dtwin_gui.runtime.azure.handlers import event_grid_message
from dtwin_gui.runtime.azure.stores import CosmosHotStore
from dtwin_gui.runtime.core.glue import dump_envelope, make_envelope, signed_headers

SECRET = "glue-secret-for-tests"
ROLES = [
    ("dispatcher", "dispatcher"),
    ("ingestion", "ingestion"),
    ("processor-pump", "processor"),
    ("persister", "persister"),
    ("event-checker", "event-checker"),
    ("action-alarm", "action"),
    ("event-feedback", "event-feedback"),
    ("hot-writer", "hot-writer"),
    ("cold-writer", "cold-writer"),
    ("archive-writer", "archive-writer"),
    ("hot-reader", "hot-reader"),
    ("adt-updater", "adt-updater"),
    ("hot-to-cold-mover", "hot-to-cold-mover"),
    ("cold-to-archive-mover", "cold-to-archive-mover"),
]


def _config(role: str, name: str, **extra) -> dict:
    return {"role": role, "twin_name": "demo", "cloud": "azure", "name": name, **extra}


def _load_app(
    folder: Path,
    layer: str,
    functions: list[tuple[str, str]],
    *,
    user_dirs: dict[str, str] | None = None,
    **config,
):
    """A package folder as the zip holds it (static function_app.py + manifest), imported."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(Path(runtime_azure.__file__).parent / "function_app.py", folder)
    manifest = {
        "app": f"func-demo-{layer.lower()}",
        "layer": layer,
        "functions": [
            {
                "name": n,
                "role": r,
                "config": _config(r, n, **config),
                "user_dir": (user_dirs or {}).get(n),
            }
            for n, r in functions
        ],
    }
    (folder / "dtwin_app.json").write_text(json.dumps(manifest))
    spec = importlib.util.spec_from_file_location(
        f"function_app_{id(folder)}", folder / "function_app.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {f.get_function_name(): f for f in module.app.get_functions()}


def test_every_function_is_registered_with_its_trigger(tmp_path, monkeypatch):
    monkeypatch.delenv("DTWIN_GLUE_SECRET", raising=False)
    functions = _load_app(tmp_path / "app", "L2", ROLES)
    assert sorted(functions) == sorted(name for name, _ in ROLES)
    for name, role in ROLES:
        trigger = functions[name].get_trigger()
        if role == "dispatcher":
            assert trigger.type == "eventGridTrigger"
        elif role.endswith("mover"):
            assert trigger.type == "timerTrigger"
            assert len(trigger.schedule.split()) == 6  # NCRONTAB with seconds
        else:
            assert trigger.type == "httpTrigger"
            assert trigger.route == name
            assert {str(getattr(m, "value", m)) for m in trigger.methods} == {"GET", "POST"}
            level = str(getattr(trigger.auth_level, "value", trigger.auth_level)).lower()
            # other clouds call the glue receivers with an HMAC signature, not a functions key;
            # without a crossing boundary (no DTWIN_GLUE_SECRET) the ADT updater is called by
            # the persister of this twin's L2 app, with L4's functions key
            signed = role in ("ingestion", "hot-writer", "cold-writer", "archive-writer")
            assert level == ("anonymous" if signed else "function")


def _request(body: bytes, headers: dict, route: str) -> func.HttpRequest:
    return func.HttpRequest("POST", f"https://app/api/{route}", headers=headers, body=body)


def _signed(kind: str, payload: dict, secret: str = SECRET) -> tuple[bytes, dict]:
    body = dump_envelope(make_envelope(kind, payload, source_cloud="aws", source_layer="L2"))
    return body, {"Content-Type": "application/json", **signed_headers(secret, body)}


def _call(function, request):
    return function.get_user_function()(request)


def test_hot_writer_stores_a_signed_record_and_refuses_a_forged_one(
    tmp_path, monkeypatch, cosmos_settings, cosmos_container
):
    for name, value in {
        **cosmos_settings,
        "DTWIN_TWIN_NAME": "demo",
        "DTWIN_GLUE_SECRET": SECRET,
    }.items():
        monkeypatch.setenv(name, value)
    writer = _load_app(tmp_path / "l3", "L3_hot", [("hot-writer", "hot-writer")])["hot-writer"]
    record = {
        "device_id": "pump-1",
        "timestamp": "2026-03-01T10:00:00.000Z",
        "trace_id": "trace-1",
        "pressure": 2.5,
    }
    body, headers = _signed("telemetry", record)
    reply = _call(writer, _request(body, headers, "hot-writer"))
    assert reply.status_code == 200, reply.get_body()
    assert CosmosHotStore(cosmos_container).query("pump-1") == [record]

    # the same envelope again (a sender's retry) is answered without a second write
    again = _call(writer, _request(body, headers, "hot-writer"))
    assert again.status_code == 200
    assert len(CosmosHotStore(cosmos_container).query("pump-1")) == 1

    other = {**record, "timestamp": "2026-03-01T11:00:00.000Z"}
    body, headers = _signed("telemetry", other, secret="not-the-secret")
    refused = _call(writer, _request(body, headers, "hot-writer"))
    assert refused.status_code == 401
    assert CosmosHotStore(cosmos_container).query("pump-1") == [record]


class _Recorder(http.server.BaseHTTPRequestHandler):
    calls: ClassVar[list] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.calls.append((self.path, self.headers.get("x-functions-key"), json.loads(body)))
        data = b'{"status": "ok"}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def l2_app():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.calls = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.calls
    server.shutdown()
    server.server_close()


def test_dispatcher_reads_iot_hub_events_and_calls_the_processor_over_http(
    tmp_path, monkeypatch, l2_app
):
    url, calls = l2_app
    monkeypatch.setenv("DTWIN_TWIN_NAME", "demo")
    monkeypatch.setenv("DTWIN_APP_URL_L2", url)
    monkeypatch.setenv("DTWIN_FUNCTIONS_KEY_L2", "l2-key")
    dispatcher = _load_app(
        tmp_path / "l1",
        "L1",
        [("dispatcher", "dispatcher")],
        routes={"pump-1": "processor-pump-1"},
        devices={"pump-1": {"pressure": "double"}},
    )["dispatcher"]
    telemetry = {"timestamp": "2026-03-01T10:00:00.000Z", "pressure": 2.5}
    for body in (telemetry, base64.b64encode(json.dumps(telemetry).encode()).decode()):
        event = func.EventGridEvent(
            id="1",
            data={
                "properties": {},
                "systemProperties": {"iothub-connection-device-id": "pump-1"},
                "body": body,
            },
            topic="/subscriptions/x/resourceGroups/rg-demo/providers/Microsoft.Devices/IotHubs/h",
            subject="devices/pump-1",
            event_type="Microsoft.Devices.DeviceTelemetry",
            event_time=None,
            data_version="",
        )
        dispatcher.get_user_function()(event)
    assert [(path, key) for path, key, _ in calls] == [("/api/processor-pump-1", "l2-key")] * 2
    assert {c[2]["device_id"] for c in calls} == {"pump-1"}
    assert all(c[2]["pressure"] == 2.5 for c in calls)


def test_event_grid_message_rejects_a_body_that_is_not_an_object():
    with pytest.raises(ValueError):
        event_grid_message({"data": {"body": "[1, 2]", "systemProperties": {}}})


def test_a_hot_reader_with_remote_readers_is_open_to_signed_callers(tmp_path, monkeypatch):
    monkeypatch.setenv("DTWIN_GLUE_SECRET", SECRET)
    reader = _load_app(tmp_path / "app", "L3_hot", [("hot-reader", "hot-reader")])["hot-reader"]
    level = reader.get_trigger().auth_level
    assert str(getattr(level, "value", level)).lower() == "anonymous"
