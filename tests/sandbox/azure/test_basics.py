"""The Azure sandbox's building blocks: a certificate clients can trust, the Azurite
connection string the real Blob SDK accepts, the Node emulators found where `make` puts them."""

from __future__ import annotations

import ssl
import stat
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from dtwin_gui.clouds.azure.sandbox import endpoints, tools
from dtwin_gui.clouds.azure.sandbox.tls import make_certificate


def test_clients_trust_the_gateway_certificate_for_loopback(tmp_path):
    cert, key = make_certificate(tmp_path / "azure" / "tls")
    assert cert == endpoints.gateway_ca_path(tmp_path)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600

    class Hello(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        for host in ("127.0.0.1", "localhost"):
            assert requests.get(f"https://{host}:{port}/", verify=str(cert)).text == "ok"
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(f"https://127.0.0.1:{port}/")
    finally:
        server.shutdown()
        server.server_close()


def test_urls_and_connection_string():
    eps = {"azure": "https://127.0.0.1:9/", "azure_blob": "http://127.0.0.1:8/devstoreaccount1"}
    assert endpoints.function_app_url(eps, "fa-l2") == "https://127.0.0.1:9/fa-l2"
    assert endpoints.iothub_url(eps, "hub") == "https://127.0.0.1:9/iothub/hub"
    assert endpoints.adt_url(eps, "adt") == "https://127.0.0.1:9/adt/adt"
    assert endpoints.grafana_url(eps, "g") == "https://127.0.0.1:9/grafana/g"
    from azure.storage.blob import BlobServiceClient

    client = BlobServiceClient.from_connection_string(endpoints.azurite_connection_string(eps))
    assert client.account_name == "devstoreaccount1"
    assert client.url.startswith("http://127.0.0.1:8/devstoreaccount1")


def test_emulators_are_found_and_a_missing_one_names_make(tmp_path, monkeypatch):
    for name in tools.TOOLS:
        assert tools.find_tool(name).exists()
    monkeypatch.setenv("DTWIN_SANDBOX_TOOLS", str(tmp_path))
    with pytest.raises(tools.ToolMissing, match="make"):
        tools.find_tool("azurite")
