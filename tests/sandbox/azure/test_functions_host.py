"""The sandbox's Functions host and control API: a real Function App package (azure-functions
decorators) runs in its own process behind the gateway, its functions discovered from the
FunctionApp object; HTTP keys, Event Grid delivery, timers from the sandbox clock, restarts
only on change, and IoT Hub / Digital Twins / Grafana made and removed through the API."""

from __future__ import annotations

import json
import os
import signal
import time
import zipfile
from types import SimpleNamespace

import pytest
import requests

from dtwin_gui.clouds.azure.sandbox.client import SandboxAzure, SandboxAzureError
from dtwin_gui.clouds.azure.sandbox.control import AzureControl
from dtwin_gui.clouds.azure.sandbox.functions_host import FunctionsHost
from dtwin_gui.clouds.azure.sandbox.gateway import AzureGateway
from dtwin_gui.clouds.azure.sandbox.tls import make_certificate

APP = """
import json, os
from pathlib import Path
import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
OUT = Path(os.environ["OUT_DIR"])

@app.function_name(name="hello")
@app.route(route="hello", methods=["GET", "POST"])
def hello(req: func.HttpRequest) -> func.HttpResponse:
    body = {"greeting": os.environ.get("GREETING"), "got": req.get_body().decode(),
            "q": dict(req.params), "pid": os.getpid()}
    return func.HttpResponse(json.dumps(body), status_code=201, mimetype="application/json")

@app.function_name(name="open")
@app.route(route="open", auth_level=func.AuthLevel.ANONYMOUS)
def open_(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("open")

@app.function_name(name="telemetry")
@app.event_grid_trigger(arg_name="event")
def telemetry(event: func.EventGridEvent) -> None:
    if event.get_json().get("fail"):
        raise RuntimeError("asked to fail")
    with open(OUT / "events.jsonl", "a") as out:
        out.write(json.dumps({"type": event.event_type, "data": event.get_json()}) + "\\n")

@app.function_name(name="yearly")
@app.timer_trigger(arg_name="timer", schedule="0 0 0 1 1 *", use_monitor=False)
def yearly(timer) -> None:
    (OUT / "yearly.txt").write_text(timer.dtwin_now)
"""


def _package(path, source=APP):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("function_app.py", source)
        archive.writestr("host.json", json.dumps({"version": "2.0"}))
    return str(path)


@pytest.fixture
def sandbox(tmp_path):
    cert, key = make_certificate(tmp_path / "tls")
    gateway = AzureGateway(cert, key)
    control = AzureControl(gateway, FunctionsHost(tmp_path / "data", gateway, ca_path=str(cert)))
    gateway.add_route(control)
    gateway.start()
    connection = SimpleNamespace(gateway_url=gateway.url, ca_path=str(cert))
    yield SandboxAzure(connection), gateway, str(cert)
    control.stop()
    gateway.stop()


def _settings(tmp_path, **extra):
    return {"DTWIN_FUNCTIONS_KEY_L2": "k-123", "OUT_DIR": str(tmp_path), **extra}


def test_an_app_runs_behind_the_gateway_with_its_functions_discovered(sandbox, tmp_path):
    client, gateway, ca = sandbox
    package = _package(tmp_path / "app.zip")
    described = client.put_app("fa-l2", "L2", package, _settings(tmp_path, GREETING="hi"))
    triggers = {f["name"]: f["trigger"] for f in described["functions"]}
    assert triggers == {
        "hello": "http",
        "open": "http",
        "telemetry": "event_grid",
        "yearly": "timer",
    }
    url = f"{gateway.url}/fa-l2/api/hello?x=1"
    assert requests.post(url, data=b"ping", verify=ca).status_code == 401  # no key
    wrong = requests.post(url, data=b"ping", headers={"x-functions-key": "nope"}, verify=ca)
    assert wrong.status_code == 401
    reply = requests.post(url, data=b"ping", headers={"x-functions-key": "k-123"}, verify=ca)
    assert reply.status_code == 201
    assert reply.json()["greeting"] == "hi" and reply.json()["got"] == "ping"
    assert reply.json()["q"] == {"x": "1"}
    by_code = requests.get(f"{gateway.url}/fa-l2/api/hello?code=k-123", verify=ca)
    assert by_code.status_code == 201
    assert requests.get(f"{gateway.url}/fa-l2/api/open", verify=ca).text == "open"
    assert client.resources()["apps"]["fa-l2"]["state"] == "running"


def test_the_same_app_again_keeps_its_process_and_a_change_restarts_it(sandbox, tmp_path):
    client, gateway, ca = sandbox
    package = _package(tmp_path / "app.zip")
    headers = {"x-functions-key": "k-123"}
    url = f"{gateway.url}/fa-l2/api/hello"

    def pid():
        return requests.get(url, headers=headers, verify=ca).json()["pid"]

    client.put_app("fa-l2", "L2", package, _settings(tmp_path, GREETING="a"))
    first = pid()
    client.put_app("fa-l2", "L2", package, _settings(tmp_path, GREETING="a"))
    assert pid() == first
    client.put_app("fa-l2", "L2", package, _settings(tmp_path, GREETING="b"))
    assert pid() != first
    assert requests.get(url, headers=headers, verify=ca).json()["greeting"] == "b"
    with pytest.raises(ProcessLookupError):
        os.kill(first, 0)  # the old process is gone


def test_event_grid_events_reach_the_function_and_a_failure_is_reported(sandbox, tmp_path):
    client, _, _ = sandbox
    from dtwin_gui.clouds.azure.sandbox.functions_host import AppFailed

    client.put_app("fa-l2", "L2", _package(tmp_path / "app.zip"), _settings(tmp_path))

    events = [{"id": "1", "eventType": "Microsoft.Devices.DeviceTelemetry", "data": {"v": 1}}]
    fh = _host_of(sandbox)
    fh.deliver_event_grid("fa-l2", "telemetry", events)
    lines = (tmp_path / "events.jsonl").read_text().splitlines()
    assert json.loads(lines[0]) == {"type": "Microsoft.Devices.DeviceTelemetry", "data": {"v": 1}}
    with pytest.raises(AppFailed, match="HTTP 500"):
        fh.deliver_event_grid("fa-l2", "telemetry", [{"id": "2", "data": {"fail": True}}])
    with pytest.raises(AppFailed, match="no Function App"):
        fh.deliver_event_grid("fa-missing", "telemetry", events)


def _host_of(sandbox):
    gateway = sandbox[1]
    control = next(r for r in gateway._routes if isinstance(r, AzureControl))
    return control.host


def test_timers_fire_once_per_clock_advance_when_a_run_time_falls_in_it(sandbox, tmp_path):
    client, _, _ = sandbox
    client.put_app("fa-l2", "L2", _package(tmp_path / "app.zip"), _settings(tmp_path))
    assert client.advance_clock(minutes=1)["fired"] == []
    assert not (tmp_path / "yearly.txt").exists()
    moved = client.advance_clock(days=400)
    assert [(f["function"], f["outcome"]) for f in moved["fired"]] == [("yearly", "ran")]
    assert (tmp_path / "yearly.txt").read_text() == moved["now"]
    with pytest.raises(SandboxAzureError, match="only moves forward"):
        client.advance_clock(days=-1)


def test_an_app_that_does_not_index_is_refused_with_its_error(sandbox, tmp_path):
    client, _, _ = sandbox
    broken = _package(tmp_path / "broken.zip", "import not_a_module_anywhere\n")
    with pytest.raises(SandboxAzureError, match=r"does not index.*not_a_module_anywhere"):
        client.put_app("fa-bad", "L2", broken, _settings(tmp_path))
    assert "fa-bad" not in client.resources()["apps"]


def test_a_killed_app_is_reported_stopped_and_registering_it_again_restarts_it(sandbox, tmp_path):
    client, gateway, ca = sandbox
    package = _package(tmp_path / "app.zip")
    client.put_app("fa-l2", "L2", package, _settings(tmp_path))
    pid = requests.get(
        f"{gateway.url}/fa-l2/api/hello", headers={"x-functions-key": "k-123"}, verify=ca
    ).json()["pid"]
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while client.resources()["apps"]["fa-l2"]["state"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert client.resources()["apps"]["fa-l2"]["state"] == "stopped"
    client.put_app("fa-l2", "L2", package, _settings(tmp_path))
    assert client.resources()["apps"]["fa-l2"]["state"] == "running"


def test_unregistering_stops_the_app_and_the_gateway_forgets_it(sandbox, tmp_path):
    client, gateway, ca = sandbox
    client.put_app("fa-l2", "L2", _package(tmp_path / "app.zip"), _settings(tmp_path))
    client.delete_app("fa-l2")
    assert client.resources()["apps"] == {}
    assert requests.get(f"{gateway.url}/fa-l2/api/open", verify=ca).status_code == 404
    with pytest.raises(SandboxAzureError, match="HTTP 404"):
        client.delete_app("fa-l2")


def test_hubs_and_instances_are_made_once_and_removed(sandbox):
    client, _, ca = sandbox
    first = client.put_iothub("hub-1", ("fa-l1", "dispatcher"))
    again = client.put_iothub("hub-1", ("fa-l1", "dispatcher"))
    assert first == again  # same keys: converges
    assert first["connection_string"].startswith(f"HostName={first['host']};")
    adt = client.put_digital_twins("adt-1")["url"]
    grafana = client.put_grafana("graf-1")["url"]
    assert requests.get(grafana + "/api/health", verify=ca).json()["database"] == "ok"
    found = client.resources()
    assert set(found["iothubs"]) == {"hub-1"} and found["iothubs"]["hub-1"]["devices"] == 0
    assert found["digital_twins"]["adt-1"] == {"models": 0, "twins": 0, "relationships": 0}
    assert set(found["grafana"]) == {"graf-1"}
    assert adt.endswith("/adt/adt-1")
    client.delete_iothub("hub-1")
    client.delete_digital_twins("adt-1")
    client.delete_grafana("graf-1")
    assert requests.get(grafana + "/api/health", verify=ca).status_code == 404
    found = client.resources()
    assert (found["iothubs"], found["digital_twins"], found["grafana"]) == ({}, {}, {})
