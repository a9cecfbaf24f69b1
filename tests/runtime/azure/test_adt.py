"""Twin updates to Azure Digital Twins: the adt-updater's client over HTTPS to a loopback
server with a self-signed certificate (as the sandbox's ADT emulation is served), trusted
through DTWIN_CA_BUNDLE, authenticated with the sandbox token."""

from __future__ import annotations

import http.server
import json
import ssl
import subprocess
import threading
from typing import ClassVar

import pytest

from dtwin_gui.runtime.azure.services import AdtTwinUpdater, twin_patch
from dtwin_gui.runtime.core.records import RecordError


class _Adt(http.server.BaseHTTPRequestHandler):
    seen: ClassVar[list] = []

    def do_PATCH(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append((self.path, self.headers["Authorization"], json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def adt(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Adt)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    _Adt.seen = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}", str(cert), _Adt.seen
    server.shutdown()
    server.server_close()


def test_the_twin_gets_the_records_values(adt):
    url, ca, seen = adt
    updater = AdtTwinUpdater.from_env(
        {"DTWIN_ADT_URL": url, "DTWIN_CA_BUNDLE": ca, "DTWIN_AZURE_STATIC_TOKEN": "sandbox"}
    )
    updater.put(
        {
            "device_id": "pump-1",
            "timestamp": "2026-03-01T10:00:00.000Z",
            "trace_id": "t",
            "pressure": 2.5,
            "running": True,
        }
    )
    [(path, auth, patch)] = seen
    assert path.startswith("/digitaltwins/pump-1?api-version=")
    assert auth == "Bearer sandbox"
    assert patch == [
        {"op": "add", "path": "/pressure", "value": 2.5},
        {"op": "add", "path": "/running", "value": True},
    ]


def test_a_record_without_device_is_refused():
    with pytest.raises(RecordError):
        twin_patch({"timestamp": "2026-03-01T10:00:00.000Z", "p": 1})
