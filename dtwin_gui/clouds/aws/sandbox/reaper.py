"""Reap the sandbox's Lambda workers (issue 11 item 4): those of a deleted function at once,
idle ones after a while. A warm worker is an interpreter with boto3 (~45 MiB); without this,
a destroyed twin left its 20 workers running until the sandbox stopped."""

from __future__ import annotations

import re
import threading
from urllib.parse import unquote

from dtwin_gui.clouds.aws.sandbox.function_host import FunctionHost
from dtwin_gui.clouds.aws.sandbox.gateway import Gateway, Request, Response

#: A worker not used for this long is stopped (the next call starts one again, ~0.5 s).
IDLE_REAP_S = 120.0
#: How often idle workers are looked for.
REAP_INTERVAL_S = 15.0
_DELETE = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/?$")


def function_name(path_part: str) -> str:
    """``name``, ``name:qualifier`` or an ARN (``...:function:name[:qualifier]``) → name."""
    text = unquote(path_part)
    if ":function:" in text:
        text = text.split(":function:", 1)[1]
    return text.split(":", 1)[0]


class Reaper:
    def __init__(
        self,
        gateway: Gateway,
        host: FunctionHost,
        *,
        idle_s: float = IDLE_REAP_S,
        interval_s: float = REAP_INTERVAL_S,
    ) -> None:
        self._gateway, self._host = gateway, host
        self.idle_s, self.interval_s = idle_s, interval_s
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="worker-reaper", daemon=True)

    def start(self) -> Reaper:
        self._gateway.add_interceptor(self._on_delete)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _on_delete(self, request: Request) -> Response | None:
        match = _DELETE.match(request.path) if request.method == "DELETE" else None
        if match is None or request.query.get("Qualifier"):
            return None
        response = self._gateway.forward(request)  # moto deletes it first
        if 200 <= response.status < 300:
            self._host.forget(function_name(match["name"]))
        return response

    def _loop(self) -> None:
        while not self._stopped.wait(self.interval_s):
            self._host.reap_idle(self.idle_s)
