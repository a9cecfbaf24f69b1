"""The Google sandbox's control API (``client.py`` lists the paths), served by the gateway:
the functions host's register / unregister / list, the sandbox clock that fires the
functions' schedules, and health.

The clock is wall time plus what the sandbox was advanced by. An advance runs every
scheduled function once per run time of its cron schedule in ``(before, after]``, oldest
first, with ``{"now": <that run time>}`` as the body (the function reads it because
``DTWIN_SANDBOX_CLOCK=1``); when more than ``max_runs`` (default 24) fall in the window only
the latest ``max_runs`` run and the answer counts the skipped ones, as Cloud Scheduler does
not replay missed runs either. A run time fires once: the next advance starts after it.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

from dtwin_gui.clouds.google.sandbox.functions_host import FunctionFailed, FunctionsHost
from dtwin_gui.sandbox.log_file import newest_lines

PREFIX = "/_dtwin/google"
MAX_RUNS = 24
UNITS = ("days", "hours", "minutes", "seconds")


class SandboxClock:
    def __init__(self) -> None:
        self.offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> tuple[datetime, datetime]:
        if delta < timedelta():
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            start = self.now()
            self.offset += delta
            return start, start + delta


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Reply:
    def __init__(self, status: int, body: dict) -> None:
        self.status, self.body = status, body


def error(status: int, message: str) -> Reply:
    return Reply(status, {"error": {"code": status, "message": message}})


class GoogleControl:
    def __init__(self, host: FunctionsHost, health: dict) -> None:
        self.host = host
        self.clock = SandboxClock()
        self._health = health
        self._advance_lock = threading.Lock()

    def health(self) -> dict:
        return {**self._health, "cloud": "google", "functions": len(self.host.functions())}

    def handle(self, method: str, path: str, body: bytes) -> Reply | None:
        """The answer to a control request (None: not a control path)."""
        if path == "/_dtwin/health" or path == PREFIX + "/health":
            return Reply(200, self.health())
        if not path.startswith(PREFIX + "/"):
            return None
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            return error(400, "the body is not JSON")
        if not isinstance(data, dict):
            return error(400, "the body must be a JSON object")
        rest = path[len(PREFIX) + 1 :]
        try:
            return self._route(method, rest, data)
        except FunctionFailed as exc:
            return error(422, str(exc))
        except (TypeError, ValueError) as exc:
            return error(400, str(exc))

    def _route(self, method: str, rest: str, data: dict) -> Reply:
        if rest == "functions" and method == "GET":
            return Reply(200, {"functions": self.host.functions()})
        if rest.startswith("functions/") and rest.endswith("/log") and method == "GET":
            found = self.host.get(unquote(rest[len("functions/") : -len("/log")]))
            if found is None:
                return error(404, "no such function in the sandbox")
            return Reply(200, {"lines": newest_lines(found.log_path)})
        if rest.startswith("functions/"):
            name = unquote(rest[len("functions/") :])
            if not name or "/" in name:
                return error(400, "a function name has no '/'")
            if method == "PUT":
                return Reply(200, self._register(name, data))
            if method == "DELETE":
                return Reply(200, {"deleted": self.host.unregister(name)})
            if method == "GET":
                found = self.host.get(name)
                if found is None:
                    return error(404, f"no function {name} in the sandbox")
                return Reply(200, found.describe())
        if rest == "clock" and method == "GET":
            return Reply(200, self._clock_state())
        if rest == "clock/advance" and method == "POST":
            return self._advance(data)
        return error(404, f"no control path {method} {PREFIX}/{rest}")

    def _register(self, name: str, data: dict) -> dict:
        known = {"package", "package_sha256", "entry_point", "signature", "env", "trigger"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fields {sorted(unknown)}; use {sorted(known)}")
        if not data.get("package"):
            raise ValueError("'package' (the source zip's path) is required")
        return self.host.register(
            name,
            package=str(data["package"]),
            package_sha256=str(data.get("package_sha256") or ""),
            entry_point=str(data.get("entry_point") or ""),
            signature=str(data.get("signature") or "http"),
            env=data.get("env") or {},
            trigger=data.get("trigger"),
        )

    def _clock_state(self) -> dict:
        return {"now": iso(self.clock.now()), "offset_seconds": self.clock.offset.total_seconds()}

    def _advance(self, data: dict) -> Reply:
        max_runs = int(data.pop("max_runs", MAX_RUNS))
        unknown = set(data) - set(UNITS)
        if unknown or not data:
            return error(400, f"give the advance in {list(UNITS)} (unknown: {sorted(unknown)})")
        delta = timedelta(**{k: float(v) for k, v in data.items()})
        with self._advance_lock:  # two advances never fire the same run time
            start, end = self.clock.advance(delta)
            fired = []
            for hosted in self.host.scheduled():
                runs = hosted.cron.runs_between(start, end)
                skipped = max(0, len(runs) - max(max_runs, 1))
                for index, run in enumerate(runs[skipped:]):
                    outcome = self._fire(hosted, run)
                    if index == 0 and skipped:
                        outcome["skipped_before"] = skipped
                    fired.append(outcome)
        return Reply(200, {"now": iso(end), "fired": fired})

    @staticmethod
    def _fire(hosted, run: datetime) -> dict:
        body = json.dumps({"now": iso(run)}).encode()
        request = urllib.request.Request(
            hosted.url + "/",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "User-Agent": "Google-Cloud-Scheduler"},
        )
        out = {"function": hosted.name, "at": iso(run), "outcome": "ran", "status": 0}
        try:
            with urllib.request.urlopen(request, timeout=300) as reply:
                out["status"] = reply.status
        except urllib.error.HTTPError as err:
            out.update(status=err.code, outcome="failed", detail=err.read()[:300].decode())
        except OSError as exc:
            out.update(outcome="failed", detail=str(exc))
        return out
