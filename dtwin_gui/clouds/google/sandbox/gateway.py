"""The Google gateway: one loopback HTTP server process in front of the sandbox's Cloud
Functions (``python -m dtwin_gui.clouds.google.sandbox.gateway --port P --data-dir D``).

``/_dtwin/health`` and ``/_dtwin/google/...`` are the control API (``control.py``); any other
``/<function name>[/sub/path]`` is proxied to that function's functions-framework process
(method, headers, body and query kept; the function sees ``/sub/path``), as
``https://<region>-<project>.cloudfunctions.net/<name>`` reaches a real one. The emulators'
addresses come from the environment (``PUBSUB_EMULATOR_HOST``, ``FIRESTORE_EMULATOR_HOST``,
``STORAGE_EMULATOR_HOST``) and are passed on to every function. SIGTERM stops the functions
(each in its own process group) before the gateway exits.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from dtwin_gui.clouds.google.sandbox.control import GoogleControl
from dtwin_gui.clouds.google.sandbox.functions_host import Emulators, FunctionsHost

_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "server"}
_HOP |= {"date"}


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


def proxy(url: str, method: str, headers: dict, body: bytes) -> tuple[int, dict, bytes]:
    data = body if method not in ("GET", "HEAD") or body else None
    outgoing = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(outgoing, timeout=540) as reply:
            return reply.status, dict(reply.headers.items()), reply.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers.items()), err.read()
    except OSError as err:
        text = json.dumps({"error": {"code": 502, "message": f"function unreachable: {err}"}})
        return 502, {"Content-Type": "application/json"}, text.encode()


def make_server(port: int, control: GoogleControl) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self, status: int, headers: dict, body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() not in _HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            try:
                reply = control.handle(self.command, parts.path, body)
                if reply is not None:
                    data = json.dumps(reply.body).encode()
                    self._answer(reply.status, {"Content-Type": "application/json"}, data)
                    return
                self._answer(*self._to_function(parts.path, parts.query, body))
            except Exception as exc:  # a gateway bug answers 500, the server lives on
                data = json.dumps({"error": {"code": 500, "message": str(exc)}}).encode()
                self._answer(500, {"Content-Type": "application/json"}, data)

        def _to_function(self, path: str, query: str, body: bytes):
            name, _, rest = path.lstrip("/").partition("/")
            hosted = control.host.get(unquote(name)) if name else None
            if hosted is None:
                text = json.dumps({"error": {"code": 404, "message": f"no function {name!r}"}})
                return 404, {"Content-Type": "application/json"}, text.encode()
            url = f"{hosted.url}/{rest}" + (f"?{query}" if query else "")
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
            return proxy(url, self.command, headers, body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

        def log_message(self, *args) -> None:
            pass

    return _QuietServer(("127.0.0.1", port), Handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--project", default="dtwin-sandbox")
    parser.add_argument("--token", default="", help="answered in /_dtwin/health")
    args = parser.parse_args(argv)
    url = f"http://127.0.0.1:{args.port}"
    emulators = Emulators(
        project=args.project,
        pubsub=os.environ.get("PUBSUB_EMULATOR_HOST", ""),
        firestore=os.environ.get("FIRESTORE_EMULATOR_HOST", ""),
        gcs=os.environ.get("STORAGE_EMULATOR_HOST", ""),
        gateway_url=url,
    )
    host = FunctionsHost(args.data_dir, emulators)
    control = GoogleControl(host, {"token": args.token, "pid": os.getpid()})
    server = make_server(args.port, control)
    stopping = threading.Event()

    def on_term(*_):
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        host.stop()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
