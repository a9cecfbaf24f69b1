"""One Function App of the sandbox, as the Azure Functions host runs it (issue 14).

Executed by file path (``python app_worker.py APP_DIR``) so that it imports nothing from the
dtwin installation: the unzipped package in APP_DIR is first on ``sys.path`` (it carries its
own copy of the runtime), its ``function_app.py`` is imported and its functions are
discovered from the ``FunctionApp`` object (``get_functions()``: triggers, routes, auth
levels, schedules), as the Python worker does. Standard library and ``azure-functions``.

The app settings are the process environment. The worker serves, on a free loopback port:

- ``/api/<route>``: the HTTP-triggered function of that route. A function-level route needs
  the app's key in ``x-functions-key`` or ``?code=`` (``DTWIN_SANDBOX_FUNCTIONS_KEY``);
  401 otherwise, as on Azure.
- ``POST /_dtwin/eventgrid/<function>``: a JSON list of Event Grid events (schema of Event
  Grid), each given to the function as a ``func.EventGridEvent``; 500 when one fails (Event
  Grid retries a delivery that failed).
- ``POST /_dtwin/timer/<function>`` ``{"now": ISO}``: a timer run whose ``dtwin_now`` is the
  sandbox clock's now.
- ``GET /_dtwin/functions``: what was discovered.

The first line on stdout is ``{"port": N, "functions": [...]}`` (or ``{"error": ...}`` when
the app cannot be indexed); everything after goes to stderr, the app's log. A line a
function prints that is not a JSON log entry (the user's own ``print``, a traceback) is
written ``[<function>] <line>``, so the app's log tells whose it is, as Application Insights
does (``operation_Name``).
"""

from __future__ import annotations

import contextlib
import hmac
import importlib
import json
import os
import sys
import threading
import traceback
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

KEY_ENV = "DTWIN_SANDBOX_FUNCTIONS_KEY"
_ANONYMOUS = "ANONYMOUS"


class Timer:
    """What a timer-triggered function gets (``func.TimerRequest``'s interface)."""

    def __init__(self, now: str) -> None:
        self.past_due = False
        self.schedule_status = None
        self.dtwin_now = now


def _enum_name(value) -> str:
    return str(getattr(value, "name", value) or "").upper()


_running = threading.local()  # the function this request's thread runs


class TaggedLog:
    """The app's log stream: each complete line a function writes that is not a JSON
    entry gets ``[<function>] `` in front (threads of concurrent requests apart)."""

    def __init__(self, stream) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        name = getattr(_running, "name", None)
        pending = getattr(_running, "pending", "") + text
        *lines, _running.pending = pending.split("\n")
        with self._lock:
            for line in lines:
                tagged = name and line.strip() and not line.lstrip().startswith("{")
                self._stream.write(f"[{name}] {line}\n" if tagged else line + "\n")
            self._stream.flush()
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, attr):
        return getattr(self._stream, attr)


def _tagged(name: str, run):
    def call(*args, **kwargs):
        _running.name = name
        try:
            return run(*args, **kwargs)
        finally:
            rest = getattr(_running, "pending", "")
            if rest:
                _running.pending = ""
                sys.stdout.write(rest + "\n")
            _running.name = None

    return call


def discover(app) -> dict[str, dict]:
    """``{name: {"trigger", "route", "auth", "schedule", "methods", "run"}}`` of ``app``."""
    found = {}
    for function in app.get_functions():
        trigger = function.get_trigger()
        kind = {"httpTrigger": "http", "eventGridTrigger": "event_grid"}.get(
            trigger.type, "timer" if trigger.type == "timerTrigger" else trigger.type
        )
        found[function.get_function_name()] = {
            "trigger": kind,
            "route": getattr(trigger, "route", None),
            "auth": _enum_name(getattr(trigger, "auth_level", None)) or "FUNCTION",
            "schedule": getattr(trigger, "schedule", None),
            "methods": [_enum_name(m) for m in (getattr(trigger, "methods", None) or [])],
            "run": _tagged(function.get_function_name(), function.get_user_function()),
        }
    return found


def _public(functions: dict[str, dict]) -> list[dict]:
    return [
        {k: v for k, v in info.items() if k != "run"} | {"name": name}
        for name, info in sorted(functions.items())
    ]


def _event(func, raw: dict):
    moment = raw.get("eventTime")
    try:
        when = datetime.fromisoformat(moment.replace("Z", "+00:00")) if moment else None
    except (AttributeError, ValueError):
        when = None
    return func.EventGridEvent(
        id=str(raw.get("id", "")),
        data=raw.get("data") or {},
        topic=str(raw.get("topic", "")),
        subject=str(raw.get("subject", "")),
        event_type=str(raw.get("eventType", "")),
        event_time=when,
        data_version=str(raw.get("dataVersion", "")),
    )


def make_handler(func, functions: dict[str, dict], key: str):
    routes = {info["route"]: name for name, info in functions.items() if info["trigger"] == "http"}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _reply(self, status: int, body: bytes, headers: dict | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, value) -> None:
            self._reply(status, json.dumps(value).encode(), {"Content-Type": "application/json"})

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            path = parts.path
            try:
                if path == "/_dtwin/functions":
                    return self._json(200, {"functions": _public(functions)})
                if path.startswith("/_dtwin/eventgrid/") and self.command == "POST":
                    return self._event_grid(path.rsplit("/", 1)[1], body)
                if path.startswith("/_dtwin/timer/") and self.command == "POST":
                    return self._timer(path.rsplit("/", 1)[1], body)
                if path.startswith("/api/"):
                    return self._http(path[len("/api/") :], parts.query, body)
                return self._json(404, {"error": f"no such path {path}"})
            except Exception as exc:  # the function failed: the host answers 500 and logs
                traceback.print_exc()
                return self._json(500, {"error": f"{type(exc).__name__}: {exc}"})

        def _http(self, route: str, query: str, body: bytes) -> None:
            name = routes.get(route)
            if name is None:
                return self._reply(404, b"")
            info = functions[name]
            params = dict(parse_qsl(query, keep_blank_values=True))
            if info["methods"] and self.command.upper() not in info["methods"]:
                return self._reply(405, b"")
            if info["auth"] != _ANONYMOUS:
                given = self.headers.get("x-functions-key") or params.get("code") or ""
                if not key or not hmac.compare_digest(given.encode(), key.encode()):
                    return self._reply(401, b"")
            host = self.headers.get("x-forwarded-host") or f"127.0.0.1:{self.server.server_port}"
            request = func.HttpRequest(
                self.command.upper(),
                f"https://{host}/api/{route}" + (f"?{query}" if query else ""),
                headers={k.lower(): v for k, v in self.headers.items()},
                params=params,
                route_params={},
                body=body,
            )
            response = info["run"](request)
            headers = dict(response.headers.items()) if response.headers else {}
            if response.mimetype and "content-type" not in {h.lower() for h in headers}:
                headers["Content-Type"] = response.mimetype
            return self._reply(response.status_code, response.get_body() or b"", headers)

        def _event_grid(self, name: str, body: bytes) -> None:
            info = functions.get(name)
            if info is None or info["trigger"] != "event_grid":
                return self._json(404, {"error": f"no Event Grid function {name}"})
            events = json.loads(body or b"[]")
            for raw in events if isinstance(events, list) else [events]:
                info["run"](_event(func, raw))
            return self._json(200, {"delivered": len(events) if isinstance(events, list) else 1})

        def _timer(self, name: str, body: bytes) -> None:
            info = functions.get(name)
            if info is None or info["trigger"] != "timer":
                return self._json(404, {"error": f"no timer function {name}"})
            now = (json.loads(body or b"{}") or {}).get("now") or ""
            info["run"](Timer(now))
            return self._json(200, {"ran": name, "now": now})

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, *args):
            pass

    return Handler


def main() -> int:
    app_dir = sys.argv[1]
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)  # what the functions print goes to the app's log, not the protocol
    sys.stdout = sys.stderr = TaggedLog(sys.stderr)
    here = os.path.dirname(os.path.abspath(__file__))  # not the sandbox's modules
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    sys.path.insert(0, app_dir)
    os.chdir(app_dir)
    try:
        import azure.functions as func

        app = importlib.import_module("function_app").app
        functions = discover(app)
    except Exception as exc:  # the app cannot be indexed: say why, as the host's log would
        traceback.print_exc()
        protocol.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
        return 1
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), make_handler(func, functions, os.environ.get(KEY_ENV, ""))
    )
    server.daemon_threads = True
    ready = {"port": server.server_address[1], "functions": _public(functions)}
    protocol.write(json.dumps(ready) + "\n")
    protocol.close()
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
