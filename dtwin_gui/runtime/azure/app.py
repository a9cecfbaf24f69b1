"""Builds the Function App object (Functions Python v2 model) from ``dtwin_app.json``.

The package's static ``function_app.py`` calls :func:`build_app` with its own folder; each
manifest entry becomes one function with its role's trigger: HTTP (route = function name),
Event Grid (the dispatcher) or timer (the movers).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

from dtwin_gui.runtime.azure import handlers
from dtwin_gui.runtime.azure.function import AzureFunction, function_environ, load_manifest


class _Lazy:
    """A function's handler, built on its first call (once per process)."""

    def __init__(self, entry: dict, manifest: dict, root: Path) -> None:
        self.entry, self.manifest, self.root = entry, manifest, root
        self._handler = None
        self._lock = threading.Lock()

    def __call__(self, *args):
        if self._handler is None:
            with self._lock:
                if self._handler is None:
                    fn = AzureFunction(self.entry, self.manifest, self.root, os.environ)
                    self._handler = handlers.ROLES[fn.role][1](fn)
        return self._handler(*args)


def timer_now(timer: object) -> datetime:
    """The run's 'now': the sandbox clock's ``dtwin_now`` (ISO timestamp) on the timer
    object when the sandbox host fires it, else the wall clock."""
    from dtwin_gui.runtime.core.records import parse_timestamp

    moment = getattr(timer, "dtwin_now", None)
    return parse_timestamp(moment) if isinstance(moment, str) and moment else datetime.now(UTC)


def build_app(func, root: Path, manifest: dict | None = None):
    """A ``func.FunctionApp`` with every function of the manifest registered."""
    manifest = manifest if manifest is not None else load_manifest(root)
    app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
    for entry in manifest["functions"]:
        _register(func, app, entry, _Lazy(entry, manifest, root))
    return app


def _register(func, app, entry: dict, handler: _Lazy) -> None:
    name, trigger = entry["name"], handlers.trigger_of(entry["role"])
    if trigger == handlers.HTTP:

        def run(req: func.HttpRequest) -> func.HttpResponse:
            query = urllib.parse.urlsplit(req.url).query
            status, data, headers = handler(
                req.method.upper(), dict(req.headers), req.get_body(), dict(req.params), query
            )
            return func.HttpResponse(json.dumps(data), status_code=status, headers=headers)

        level = (
            func.AuthLevel.ANONYMOUS
            if handlers.anonymous(entry["role"], function_environ(os.environ, entry))
            else func.AuthLevel.FUNCTION
        )
        bound = app.route(
            route=name, methods=["GET", "POST"], trigger_arg_name="req", auth_level=level
        )
    elif trigger == handlers.EVENT_GRID:

        def run(event: func.EventGridEvent) -> None:
            result = handler({"data": event.get_json(), "eventType": event.event_type})
            logging.getLogger("dtwin").debug("dispatched: %s", result)

        bound = app.event_grid_trigger(arg_name="event")
    else:

        def run(timer: func.TimerRequest) -> None:
            result = handler(timer_now(timer))
            logging.getLogger("dtwin").info("%s: %s", name, result)

        bound = app.timer_trigger(
            arg_name="timer", schedule=handlers.SCHEDULES[entry["role"]], use_monitor=False
        )
    run.__name__ = run.__qualname__ = name.replace("-", "_")
    app.function_name(name=name)(bound(run))
