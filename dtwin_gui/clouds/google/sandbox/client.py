"""The deploy side of the Google sandbox's control API (issue 15).

The sandbox daemon runs the Google gateway (``gateway.py``): each Cloud Function in its own
functions-framework process, reached at ``{google_gateway}/{function name}[/sub/path]``. A
deploy, a status or a test manages them with this client over loopback HTTP. The paths
(``control.py`` serves them)::

    GET    /_dtwin/google/health                  -> {"cloud": "google", "pid", "token",
                                                   "functions": n} (also /_dtwin/health)
    GET    /_dtwin/google/functions               -> {"functions": {name: state}}
    PUT    /_dtwin/google/functions/<name>        {"package", "package_sha256", "entry_point",
                                                   "signature", "env", "trigger"} -> state
    GET    /_dtwin/google/functions/<name>        -> state (404 when absent)
    DELETE /_dtwin/google/functions/<name>        -> {"deleted": bool}
    GET    /_dtwin/google/functions/<name>/log    -> {"lines": [...]} (newest, oldest first)
    GET    /_dtwin/google/clock                   -> {"now", "offset_seconds"}
    POST   /_dtwin/google/clock/advance           {"days"|"hours"|"minutes"|"seconds": n,
                                                   "max_runs": 24} -> {"now", "fired": [...]}

A function's state is ``{"name", "state": "running"|"crashed", "pid", "port", "url",
"package_sha256", "entry_point", "signature": "http"|"cloudevent", "trigger", "detail"}``;
a trigger is ``{"type": "http"}``, ``{"type": "pubsub", "topic": <short name>}`` (a push
subscription ``dtwin-trigger-<name>`` on the emulator) or ``{"type": "schedule", "schedule":
<unix cron>}`` (fired by the clock with ``{"now": <run time>}``). Each fired run is
``{"function", "at", "outcome": "ran"|"failed", "status", "detail"?}``. The env travels in the
request body only (it may hold glue secrets): never in a file, never in a log.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote


class SandboxGoogleError(RuntimeError):
    """The sandbox's Google control API refused or could not be reached."""


class SandboxGoogle:
    def __init__(self, gateway_url: str, timeout_s: float = 120.0) -> None:
        self.base = (gateway_url or "").rstrip("/")
        if not self.base:
            raise SandboxGoogleError(
                "the sandbox's Google emulator is not running; start it with 'dtwin sandbox up'"
            )
        self.timeout_s = timeout_s

    # --- plumbing --------------------------------------------------------------------------
    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(
            self.base + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"} if data is not None else {},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as reply:
                raw = reply.read()
        except urllib.error.HTTPError as err:
            text = err.read().decode("utf-8", "replace")
            with contextlib.suppress(ValueError, KeyError, TypeError):
                text = json.loads(text)["error"]["message"]
            raise SandboxGoogleError(f"{method} {path}: HTTP {err.code}: {text}") from None
        except OSError as err:
            raise SandboxGoogleError(
                f"the sandbox's Google emulator at {self.base} did not answer ({err}); "
                "is the sandbox running? ('dtwin sandbox status')"
            ) from None
        return json.loads(raw) if raw else {}

    def health(self) -> dict:
        return self.call("GET", "/_dtwin/google/health")

    # --- functions -------------------------------------------------------------------------
    def functions(self) -> dict[str, dict]:
        """``{name: state}`` of every registered function."""
        return dict(self.call("GET", "/_dtwin/google/functions").get("functions") or {})

    def function(self, name: str) -> dict | None:
        try:
            return self.call("GET", f"/_dtwin/google/functions/{quote(name, safe='')}")
        except SandboxGoogleError as exc:
            if "HTTP 404" in str(exc):
                return None
            raise

    def put_function(
        self,
        name: str,
        *,
        package: str | Path,
        entry_point: str,
        signature: str = "http",
        env: Mapping[str, str] | None = None,
        trigger: Mapping[str, Any] | None = None,
        package_sha256: str | None = None,
    ) -> dict:
        """Register (or converge) function ``name``; an unchanged one keeps its process."""
        if package_sha256 is None:
            package_sha256 = hashlib.sha256(Path(package).read_bytes()).hexdigest()
        body = {
            "package": str(package),
            "package_sha256": package_sha256,
            "entry_point": entry_point,
            "signature": signature,
            "env": dict(env or {}),
            "trigger": dict(trigger or {"type": "http"}),
        }
        return self.call("PUT", f"/_dtwin/google/functions/{quote(name, safe='')}", body)

    def delete_function(self, name: str) -> bool:
        path = f"/_dtwin/google/functions/{quote(name, safe='')}"
        return bool(self.call("DELETE", path).get("deleted"))

    def function_log(self, name: str) -> list[str]:
        """The newest lines function ``name`` wrote (oldest first)."""
        path = f"/_dtwin/google/functions/{quote(name, safe='')}/log"
        return list(self.call("GET", path)["lines"])

    def url(self, name: str) -> str:
        """Where function ``name`` answers (``DTWIN_GOOGLE_FUNCTIONS_URL`` + ``/name``)."""
        return f"{self.base}/{quote(name, safe='')}"

    # --- the sandbox clock -----------------------------------------------------------------
    def clock(self) -> dict:
        return self.call("GET", "/_dtwin/google/clock")

    def advance_clock(self, *, max_runs: int | None = None, **delta: float) -> dict:
        body: dict[str, Any] = dict(delta)
        if max_runs is not None:
            body["max_runs"] = max_runs
        return self.call("POST", "/_dtwin/google/clock/advance", body)


# --- Pub/Sub on the emulator (its REST API), for the provisioner and tests ------------------
def pubsub_call(pubsub: str, method: str, path: str, body: Any = None) -> dict:
    """``method`` on ``http://{pubsub}/v1/{path}``; :class:`SandboxGoogleError` on failure."""
    from dtwin_gui.clouds.google.sandbox.pubsub_push import PubSubError, call

    try:
        return call(pubsub, method, path, body)
    except PubSubError as exc:
        raise SandboxGoogleError(str(exc)) from None


def ensure_topic(pubsub: str, project: str, topic: str) -> None:
    from dtwin_gui.clouds.google.sandbox.pubsub_push import ensure_topic as ensure

    ensure(pubsub, project, topic)


def list_topics(pubsub: str, project: str) -> list[str]:
    found = pubsub_call(pubsub, "GET", f"projects/{project}/topics").get("topics") or []
    return [t["name"].rsplit("/", 1)[-1] for t in found]


def list_subscriptions(pubsub: str, project: str) -> list[dict]:
    path = f"projects/{project}/subscriptions"
    return list(pubsub_call(pubsub, "GET", path).get("subscriptions") or [])
