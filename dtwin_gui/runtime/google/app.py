"""Turns the role handlers into functions-framework functions (used by the static main.py).

Each function builds its handler on its first call (once per instance), so a missing
setting fails that call with a message naming the variable, logged and answered as 500.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

from dtwin_gui.runtime.google import handlers
from dtwin_gui.runtime.google.entry_points import ENTRY_POINTS

_LOG = logging.getLogger("dtwin")


class _Lazy:
    """A role's handler, built on the first call."""

    def __init__(self, role: str, root: Path) -> None:
        self.role, self.root = role, root
        self._handler = None
        self._lock = threading.Lock()

    def get(self):
        if self._handler is None:
            with self._lock:
                if self._handler is None:
                    from dtwin_gui.runtime.google.function import GoogleFunction

                    fn = GoogleFunction(self.role, self.root, os.environ)
                    self._handler = handlers.ROLES[self.role](fn)
        return self._handler


def _named(run, role: str):
    run.__name__ = run.__qualname__ = ENTRY_POINTS[role].name
    return run


def http_entry(role: str, root: Path):
    """An HTTP function (flask request in, ``(body, status, headers)`` out)."""
    lazy = _Lazy(role, root)

    def run(request):
        handler = lazy.get()
        status, data, headers = handler(
            request.method.upper(),
            dict(request.headers),
            request.get_data(),
            request.args.to_dict(),
            request.query_string.decode("utf-8"),
        )
        return json.dumps(data), status, headers

    return _named(run, role)


def cloud_event_entry(role: str, root: Path):
    """A CloudEvent function for a Pub/Sub trigger (Eventarc ``messagePublished``)."""
    lazy = _Lazy(role, root)

    def run(cloud_event) -> None:
        data = cloud_event.data if hasattr(cloud_event, "data") else cloud_event.get("data")
        message = data.get("message", data) if isinstance(data, dict) else {}
        result = lazy.get()(message)
        # A failed call raises: functions-framework answers 500 and Pub/Sub redelivers.
        _LOG.info("dispatched: %s", json.dumps(result, default=str))

    return _named(run, role)
