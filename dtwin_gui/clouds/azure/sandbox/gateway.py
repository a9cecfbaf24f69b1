"""The Azure sandbox gateway: one HTTPS loopback server in front of the emulated Azure (issue 14).

Dispatch by path: ``/_dtwin/health``, the routes registered with :meth:`AzureGateway.add_route`
by their prefix, longest first (the control API ``/_dtwin/...`` of ``control.py``; the IoT Hub,
Digital Twins and Grafana emulations), and ``/<app>/api/<route>`` forwarded to that Function
App's host (``apps`` maps app name -> host base URL).
"""

from __future__ import annotations

import ssl
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from dtwin_gui.clouds.azure.sandbox.routes import AzureRequest, AzureResponse, Route

_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up (a test ending, a timeout, a TLS probe) is not an error."""

    def handle_error(self, request, client_address) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | ssl.SSLError | TimeoutError):
            return
        super().handle_error(request, client_address)


class AzureGateway:
    def __init__(self, cert: Path, key: Path, *, health: Callable[[], dict] | None = None):
        self._routes: list[Route] = []
        self._apps: dict[str, str] = {}
        self._lock = threading.Lock()
        self._health = health
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                request = AzureRequest(
                    self.command,
                    parts.path,
                    dict(parse_qsl(parts.query, keep_blank_values=True)),
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                )
                try:
                    reply = gateway.dispatch(request, parts.query)
                except Exception as exc:  # an emulation bug answers 500, the server lives on
                    reply = AzureResponse.of_json(500, {"error": {"message": str(exc)}})
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    if name.lower() not in _HOP:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

            def log_message(self, *args):
                pass

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> AzureGateway:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add_route(self, route: Route) -> None:
        with self._lock:
            self._routes.append(route)
            self._routes.sort(key=lambda r: len(r.prefix), reverse=True)

    def remove_route(self, route: Route) -> None:
        with self._lock:
            self._routes = [r for r in self._routes if r is not route]

    def set_app(self, name: str, host_url: str | None) -> None:
        """Point ``/<name>/...`` at a Function App host (None removes the app)."""
        with self._lock:
            if host_url is None:
                self._apps.pop(name, None)
            else:
                self._apps[name] = host_url.rstrip("/")

    def apps(self) -> dict[str, str]:
        with self._lock:
            return dict(self._apps)

    def dispatch(self, request: AzureRequest, raw_query: str = "") -> AzureResponse:
        path = request.path
        if path == "/_dtwin/health":
            extra = self._health() if self._health else {}
            return AzureResponse.of_json(200, {**extra, "cloud": "azure"})
        with self._lock:
            routes = list(self._routes)
        for route in routes:
            if path == route.prefix or path.startswith(route.prefix + "/"):
                below = AzureRequest(
                    request.method,
                    path[len(route.prefix) :] or "/",
                    request.query,
                    request.headers,
                    request.body,
                )
                reply = route.handle(below)
                if reply is not None:
                    return reply
        app, _, rest = path.lstrip("/").partition("/")
        host = self.apps().get(app)
        if host is not None and rest.startswith("api/"):
            return forward(host, "/" + rest, raw_query, request)
        return AzureResponse.of_json(404, {"error": {"code": "NotFound", "message": path}})


def forward(host: str, path: str, raw_query: str, request: AzureRequest) -> AzureResponse:
    url = host + path + (f"?{raw_query}" if raw_query else "")
    headers = {k: v for k, v in request.headers.items() if k not in _HOP}
    data = request.body if request.method not in ("GET", "HEAD") else None
    outgoing = urllib.request.Request(url, data=data, headers=headers, method=request.method)
    try:
        with urllib.request.urlopen(outgoing, timeout=300) as reply:
            return AzureResponse(reply.status, reply.read(), dict(reply.headers.items()))
    except urllib.error.HTTPError as err:
        return AzureResponse(err.code, err.read(), dict(err.headers.items()))
    except OSError as err:
        return AzureResponse.of_json(502, {"error": {"message": f"app host unreachable: {err}"}})
