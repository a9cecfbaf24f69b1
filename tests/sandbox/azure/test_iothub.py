"""The emulated IoT Hub, reached by the real azure-iot-hub registry manager and by device HTTPS.

Until H3's gateway lands the emulation is served by a plain HTTPS server on loopback with a
self-signed certificate (trusted through REQUESTS_CA_BUNDLE, as the sandbox's children are).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import os
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from dtwin_gui.clouds.azure.sandbox import iothub_sas as sas
from dtwin_gui.clouds.azure.sandbox.iothub import IotHubEmulation
from dtwin_gui.clouds.azure.sandbox.iothub_http import AzureRequest

API = "2021-04-12"


def _cert(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class _Bus:
    def __init__(self):
        self.delivered: list[tuple[str, str, list[dict]]] = []

    def deliver_event_grid(self, app, function, events):
        self.delivered.append((app, function, events))


@contextlib.contextmanager
def serve_https(handle, tmp_path, monkeypatch):
    """Serve ``handle(AzureRequest)`` over loopback HTTPS; yields ``host:port``."""

    class Handler(BaseHTTPRequestHandler):
        def _serve(self):
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = AzureRequest(
                self.command,
                url.path,
                dict(parse_qsl(url.query)),
                {k.lower(): v for k, v in self.headers.items()},
                self.rfile.read(length) if length else b"",
            )
            response = handle(request)
            if response is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(response.status)
            for key, value in response.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

        do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = _serve

        def log_message(self, *args):
            pass

    cert, key = _cert(tmp_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def hub(tmp_path, monkeypatch):
    bus = _Bus()
    emulation = IotHubEmulation("hub-twin", bus=bus, route_to=("app-twin-l1", "dispatcher"))
    with serve_https(emulation.handle, tmp_path, monkeypatch) as host:
        yield emulation, host, bus


def _registry(emulation, host):
    from azure.iot.hub import IoTHubRegistryManager

    return IoTHubRegistryManager.from_connection_string(emulation.connection_string(host))


def _device_token(host, device_id, key):
    return sas.make(f"{host}/iothub/hub-twin/devices/{device_id}", key)


def test_registry_manager_creates_reads_and_deletes_devices_with_keys(hub):
    emulation, host, _ = hub
    registry = _registry(emulation, host)
    created = registry.create_device_with_sas("sensor-1", "", "", "enabled")
    assert created.device_id == "sensor-1"
    assert created.authentication.symmetric_key.primary_key  # the hub made the keys
    again = registry.get_device("sensor-1")
    assert again.authentication.symmetric_key.primary_key == (
        created.authentication.symmetric_key.primary_key
    )
    with pytest.raises(Exception, match=r"409|Conflict|DeviceAlreadyExists"):
        registry.create_device_with_sas("sensor-1", "", "", "enabled")
    registry.delete_device("sensor-1")
    with pytest.raises(Exception, match=r"404|Not Found|DeviceNotFound"):
        registry.get_device("sensor-1")


def test_initial_twin_state_is_patched_and_read_back(hub):
    from azure.iot.hub.models import Twin, TwinProperties

    emulation, host, _ = hub
    registry = _registry(emulation, host)
    registry.create_device_with_sas("sensor-1", "", "", "enabled")
    patch = Twin(properties=TwinProperties(desired={"temperature": 21.5, "mode": "auto"}))
    registry.update_twin("sensor-1", patch, "*")
    twin = registry.get_twin("sensor-1")
    assert twin.properties.desired["temperature"] == 21.5
    assert twin.properties.desired["mode"] == "auto"


def test_a_wrong_service_key_is_refused(hub):
    emulation, host, _ = hub
    from azure.iot.hub import IoTHubRegistryManager

    bad = emulation.connection_string(host).replace(emulation.owner_key, "d3Jvbmc=")
    with pytest.raises(Exception, match=r"401|Unauthorized"):
        IoTHubRegistryManager.from_connection_string(bad).get_device("x")


def test_device_telemetry_over_https_reaches_the_dispatcher_as_event_grid_sends_it(hub):
    emulation, host, bus = hub
    registry = _registry(emulation, host)
    key = registry.create_device_with_sas("sensor-1", "", "", "enabled")
    key = key.authentication.symmetric_key.primary_key
    url = f"https://{host}/iothub/hub-twin/devices/sensor-1/messages/events?api-version={API}"
    reading = {"device_id": "sensor-1", "temperature": 22.1}
    answer = requests.post(
        url,
        data=json.dumps(reading),
        headers={
            "Authorization": _device_token(host, "sensor-1", key),
            "iothub-contenttype": "application/json",
            "iothub-contentencoding": "utf-8",
            "iothub-app-kind": "reading",
        },
        timeout=10,
    )
    assert answer.status_code == 204
    ((app, function, events),) = bus.delivered
    assert (app, function) == ("app-twin-l1", "dispatcher")
    (event,) = events
    assert event["eventType"] == "Microsoft.Devices.DeviceTelemetry"
    assert event["subject"] == "devices/sensor-1"
    assert event["data"]["body"] == reading
    assert event["data"]["properties"] == {"kind": "reading"}
    assert event["data"]["systemProperties"]["iothub-connection-device-id"] == "sensor-1"

    other = registry.create_device_with_sas("sensor-2", "", "", "enabled")
    other_key = other.authentication.symmetric_key.primary_key
    forged = requests.post(
        url,
        data=b"{}",
        headers={"Authorization": _device_token(host, "sensor-1", other_key)},
        timeout=10,
    )
    assert forged.status_code == 401
    assert len(bus.delivered) == 1


def test_cloud_to_device_message_is_queued_received_and_completed(hub):
    emulation, host, _ = hub
    registry = _registry(emulation, host)
    key = registry.create_device_with_sas("sensor-1", "", "", "enabled")
    key = key.authentication.symmetric_key.primary_key
    base = f"https://{host}/iothub/hub-twin/devices/sensor-1/messages/deviceBound"
    service = sas.make(f"{host}/iothub/hub-twin", emulation.owner_key, "iothubowner")
    sent = requests.post(
        f"{base}?api-version={API}",
        data=b'{"alert": "too hot"}',
        headers={"Authorization": service, "iothub-app-source": "event-feedback"},
        timeout=10,
    )
    assert sent.status_code == 204
    assert [m["body"] for m in emulation.pending_c2d("sensor-1")] == [b'{"alert": "too hot"}']

    device = {"Authorization": _device_token(host, "sensor-1", key)}
    got = requests.get(f"{base}?api-version={API}", headers=device, timeout=10)
    assert got.status_code == 200
    assert got.json() == {"alert": "too hot"}
    assert got.headers["iothub-app-source"] == "event-feedback"
    etag = got.headers["ETag"].strip('"')
    done = requests.delete(f"{base}/{etag}?api-version={API}", headers=device, timeout=10)
    assert done.status_code == 204
    assert requests.get(f"{base}?api-version={API}", headers=device, timeout=10).status_code == 204
    assert emulation.pending_c2d("sensor-1") == []


def test_the_runtime_feedback_publisher_reaches_the_device_queue_with_the_service_policy(hub):
    from dtwin_gui.runtime.azure.services import IotHubFeedbackPublisher

    emulation, host, _ = hub
    _registry(emulation, host).create_device_with_sas("sensor-1", "", "", "enabled")
    publisher = IotHubFeedbackPublisher(
        f"https://{host}/iothub/hub-twin",
        emulation.policy_key("service"),
        policy="service",
        ca_bundle=os.environ["REQUESTS_CA_BUNDLE"],
    )
    publisher.publish("sensor-1", {"action": "cool"})
    (message,) = emulation.pending_c2d("sensor-1")
    assert json.loads(message["body"]) == {"action": "cool"}

    service_key_for_registry = emulation.connection_string(host).replace(
        "SharedAccessKeyName=iothubowner;SharedAccessKey=" + emulation.owner_key,
        "SharedAccessKeyName=service;SharedAccessKey=" + emulation.policy_key("service"),
    )
    from azure.iot.hub import IoTHubRegistryManager

    with pytest.raises(Exception, match=r"401|Unauthorized"):
        IoTHubRegistryManager.from_connection_string(service_key_for_registry).get_device("x")
