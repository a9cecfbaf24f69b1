"""The Azure gateway: emulations by prefix, Function App hosts by name, its own health paths."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from dtwin_gui.clouds.azure.sandbox.gateway import AzureGateway
from dtwin_gui.clouds.azure.sandbox.routes import AzureResponse
from dtwin_gui.clouds.azure.sandbox.tls import make_certificate


class Echo:
    prefix = "/iothub/hub"

    def handle(self, request):
        return AzureResponse.of_json(200, {"path": request.path, "q": request.query})


class Verified:
    def __init__(self, cert):
        self.cert = cert

    def get(self, url):
        return requests.get(url, verify=self.cert)

    def post(self, url, data):
        return requests.post(url, data=data, verify=self.cert)


def test_gateway_dispatches_routes_apps_and_health(tmp_path):
    cert, key = make_certificate(tmp_path)

    class App(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            out = self.path.encode() + b"|" + body
            self.send_response(201)
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args):
            pass

    host = ThreadingHTTPServer(("127.0.0.1", 0), App)
    threading.Thread(target=host.serve_forever, daemon=True).start()
    gateway = AzureGateway(cert, key, health=lambda: {"pid": 7}).start()
    try:
        gateway.add_route(Echo())
        gateway.set_app("fa-l2", f"http://127.0.0.1:{host.server_address[1]}")
        s = Verified(str(cert))
        assert s.get(gateway.url + "/_dtwin/health").json() == {"pid": 7, "cloud": "azure"}
        assert list(gateway.apps()) == ["fa-l2"]
        got = s.get(gateway.url + "/iothub/hub/devices/d1?api-version=1").json()
        assert got == {"path": "/devices/d1", "q": {"api-version": "1"}}
        reply = s.post(gateway.url + "/fa-l2/api/persister?x=1", data=b"hi")
        assert (reply.status_code, reply.text) == (201, "/api/persister?x=1|hi")
        gateway.set_app("fa-l2", None)
        assert s.post(gateway.url + "/fa-l2/api/persister", data=b"hi").status_code == 404
    finally:
        gateway.stop()
        host.shutdown()
        host.server_close()
