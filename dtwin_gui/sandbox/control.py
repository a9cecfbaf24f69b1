"""The sandbox daemon's own HTTP server on loopback: health and each emulator's state.

It answers whether or not any emulator started, so a client can tell a live daemon from a
stale state file and ``dtwin sandbox status`` can say which emulator failed and why:

- ``GET /_dtwin/health``: the daemon's state (its pid first of all);
- ``GET /_dtwin/emulators``: ``{cloud: report}`` with each emulator's health asked now.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HEALTH_PATH = "/_dtwin/health"
EMULATORS_PATH = "/_dtwin/emulators"


class ControlServer:
    """Serves ``routes`` (path -> callable giving a JSON document) on 127.0.0.1."""

    def __init__(self, routes: dict[str, Callable[[], object]]) -> None:
        self._routes = dict(routes)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ControlServer:
        routes = self._routes

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                route = routes.get(self.path.split("?", 1)[0])
                status, body = (200, route()) if route else (404, {"error": "no such path"})
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format, *args) -> None:  # quiet: the log is for people
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="sandbox-control", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
