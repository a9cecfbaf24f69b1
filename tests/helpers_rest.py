"""A stand-in for a cloud's REST API: a threading HTTP server on 127.0.0.1 (a free port)
that answers from the test's saved bodies and keeps every request it was sent."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: object

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


@dataclass
class FakeRest:
    """``answer(request) -> (status, json body)``; ``requests`` what was asked, in order."""

    answer: object
    requests: list[Request] = field(default_factory=list)
    url: str = ""

    def __enter__(self) -> FakeRest:
        rest = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                parts = urlsplit(self.path)
                request = Request("POST", parts.path, parts.query, dict(self.headers), body)
                rest.requests.append(request)
                status, document = rest.answer(request)
                data = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def saved(folder: Path, name: str) -> dict:
    """A saved response body (``<folder>/<name>.json``)."""
    return json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
