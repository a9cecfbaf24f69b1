"""A glue sender trusts the certificate the sandbox names for another emulated cloud's HTTPS
gateway (AWS's functions sending to the Azure gateway), and nothing else unknown."""

from __future__ import annotations

import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from dtwin_gui.clouds.azure.sandbox.tls import make_certificate
from dtwin_gui.runtime.core.glue import GlueUnavailable, Sender


@pytest.fixture
def https_receiver(tmp_path):
    cert, key = make_certificate(tmp_path / "tls")
    got = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            got.append(self.rfile.read(int(self.headers["Content-Length"])))
            body = json.dumps({"status": "ok"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}/api/hot-writer", str(cert), got
    server.shutdown()
    server.server_close()


def _env(url, **extra):
    return {"DTWIN_HOT_WRITER_URL": url, "DTWIN_HOT_WRITER_SECRET": "s" * 32, **extra}


def test_the_sandbox_gateway_certificate_is_trusted_when_named(https_receiver):
    url, cert, got = https_receiver
    sender = Sender.from_env(
        _env(url, DTWIN_SANDBOX_CA_BUNDLE=cert), "HOT_WRITER", source_cloud="aws", source_layer="L2"
    )
    sender.send("telemetry", {"device_id": "d1", "timestamp": "2026-12-02T00:00:00Z"})
    assert len(got) == 1 and b"d1" in got[0]


def test_an_unknown_certificate_is_refused(https_receiver):
    url, _, got = https_receiver
    sender = Sender.from_env(
        _env(url), "HOT_WRITER", source_cloud="aws", source_layer="L2", max_attempts=1
    )
    with pytest.raises(GlueUnavailable, match="CERTIFICATE_VERIFY_FAILED"):
        sender.send("telemetry", {"device_id": "d1", "timestamp": "2026-12-02T00:00:00Z"})
    assert got == []
