"""Runs packaged Google functions as real functions-framework processes behind a tiny
path gateway (``{gateway}/{deployed name}`` -> the function's port), as Cloud Functions
and the sandbox reach them. Each process has its own process group and is killed by it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FRAMEWORK = Path(sys.executable).parent / "functions-framework"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FunctionsHost:
    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.ports: dict[str, int] = {}
        self.procs: dict[str, subprocess.Popen] = {}
        host = self

        class Gateway(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _forward(self) -> None:
                path, _, query = self.path.partition("?")
                name, _, rest = path.lstrip("/").partition("/")
                rest += f"?{query}" if query else ""
                port = host.ports.get(name)
                if port is None:
                    self.send_error(404, f"no function {name}")
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/{rest}",
                    data=body or None,
                    headers=headers,
                    method=self.command,
                )
                try:
                    with urllib.request.urlopen(request, timeout=60) as r:
                        status, data, ctype = r.status, r.read(), r.headers.get("Content-Type")
                except urllib.error.HTTPError as exc:
                    status, data, ctype = exc.code, exc.read(), exc.headers.get("Content-Type")
                self.send_response(status)
                self.send_header("Content-Type", ctype or "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def start(self, deployed: str, source: Path, target: str, signature: str, env: dict) -> None:
        port = free_port()
        argv = [
            str(FRAMEWORK),
            f"--target={target}",
            f"--signature-type={signature}",
            "--source=main.py",
            "--host=127.0.0.1",
            f"--port={port}",
        ]
        with (self.logs / f"{deployed}.log").open("wb") as log:  # the child keeps its copy
            self.procs[deployed] = subprocess.Popen(
                argv,
                cwd=source,
                env={**os.environ, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.ports[deployed] = port

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        for name, port in self.ports.items():
            while True:
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", port)) == 0:
                        break
                if self.procs[name].poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"{name} did not start:\n{self.log_of(name)}")
                time.sleep(0.1)

    def log_of(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop_one(self, name: str) -> None:
        proc = self.procs.pop(name)
        self.ports.pop(name, None)
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def stop(self) -> None:
        for name in list(self.procs):
            self.stop_one(name)
        self.server.shutdown()
        self.server.server_close()


def google_sources(project: Path, out: Path, monkeypatch) -> dict[str, tuple[dict, Path]]:
    """layer -> (manifest, extracted folder) of ``project``'s built Google packages."""
    import io
    import json
    import zipfile

    from dtwin_gui.build import build_packages, packages
    from dtwin_gui.clouds.base import plugin
    from dtwin_gui.clouds.google import packaging
    from dtwin_gui.core.providers import Cloud

    if plugin(Cloud.GOOGLE).part("package") is None:  # until the plugin registers the part
        original = packages._cloud_packager
        monkeypatch.setattr(
            packages,
            "_cloud_packager",
            lambda c: packaging.package if c is Cloud.GOOGLE else original(c),
        )
    sources = {}
    for result in build_packages(project, out / "build", cloud="google"):
        folder = out / "src" / result.name
        zipfile.ZipFile(io.BytesIO(result.path.read_bytes())).extractall(folder)
        manifest = json.loads((folder / packaging.MANIFEST).read_text())
        sources[manifest["layer"]] = (manifest, folder)
    return sources


def start_role(host, sources, layer, role, env, *, name=None) -> dict:
    """Start the ``role`` function of ``layer`` (the one called ``name``); its entry."""
    manifest, folder = sources[layer]
    entry = next(
        f for f in manifest["functions"] if f["role"] == role and name in (None, f["name"])
    )
    env = {**env, "DTWIN_FUNCTION": entry["name"]}
    host.start(entry["deployed_name"], folder, entry["entry_point"], entry["signature"], env)
    return entry
