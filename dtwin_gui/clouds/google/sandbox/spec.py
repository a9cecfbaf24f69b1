"""What the sandbox starts for Google Cloud (issue 15): the Pub/Sub and Firestore emulators
(gcloud), fake-gcs-server and the Google gateway (the Cloud Functions host with the control
API and the sandbox clock, ``gateway.py``).

Google takes :attr:`~dtwin_gui.clouds.base.SandboxPath.PROVISIONED`: the provisioner creates
the deployment's intent on these emulators through :class:`~.client.SandboxGoogle`. The three
emulators start in parallel, each in its own process group on a free loopback port and
ready when it answers HTTP; the gateway then starts with their addresses. Stop kills every
group: the gateway (after its functions), each function left behind, the emulators.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from dtwin_gui.clouds.base import EmulatorHandle, EmulatorSpec, SandboxPath
from dtwin_gui.clouds.google.sandbox import emulators
from dtwin_gui.clouds.google.sandbox.functions_host import PIDS_FILE
from dtwin_gui.clouds.google.sandbox.logs import LogTail
from dtwin_gui.clouds.google.sandbox.procs import (
    answers,
    free_port,
    kill_group,
    kill_pgid,
    spawn,
    wait_ready,
)
from dtwin_gui.core.providers import Cloud

LABEL = "Pub/Sub + Firestore emulators + fake-gcs-server + Google gateway"
PROJECT = emulators.PROJECT
HEALTH_PATH = "/_dtwin/health"


def _get_json(url: str, timeout_s: float = 2.0):
    with urllib.request.urlopen(url, timeout=timeout_s) as reply:
        return json.loads(reply.read())


def start(
    data_dir: Path, *, log: Callable[[str, str], None] | None = None, **_options
) -> EmulatorHandle:
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    started: list[emulators.Running] = []
    launchers = (emulators.start_pubsub, emulators.start_firestore, emulators.start_gcs)
    with ThreadPoolExecutor(max_workers=len(launchers)) as pool:
        futures = [pool.submit(launch, data_dir) for launch in launchers]
        errors = []
        for future in futures:
            try:
                started.append(future.result())
            except Exception as exc:
                errors.append(exc)
    if errors:
        for running in started:
            running.stop()
        raise errors[0]
    pubsub, firestore, gcs = started
    token = secrets.token_hex(8)
    port = free_port()
    env = dict(os.environ)
    env.update(
        PUBSUB_EMULATOR_HOST=pubsub.host_port,
        FIRESTORE_EMULATOR_HOST=firestore.host_port,
        STORAGE_EMULATOR_HOST=f"http://{gcs.host_port}",
        PYTHONUNBUFFERED="1",
    )
    argv = [sys.executable, "-m", "dtwin_gui.clouds.google.sandbox.gateway", "--port", str(port)]
    argv += ["--data-dir", str(data_dir), "--project", PROJECT, "--token", token]
    log_path = data_dir / "gateway.log"
    gateway_url = f"http://127.0.0.1:{port}"
    gateway = spawn(argv, log_path, env=env, cwd=data_dir)
    try:
        wait_ready(
            gateway, lambda: answers(gateway_url + HEALTH_PATH), "the Google gateway", log_path
        )
    except BaseException:
        kill_group(gateway)
        for running in started:
            running.stop()
        raise

    tail = LogTail(data_dir / "functions", log).start() if log is not None else None

    def stop() -> None:
        # the functions run in process groups of their own: note them before the gateway goes
        pgids = set(_function_pgids(gateway_url, data_dir))
        kill_group(gateway, grace_s=15.0)
        pgids.update(_function_pgids("", data_dir))
        for pgid in pgids:
            kill_pgid(pgid, grace_s=2.0)
        if tail is not None:
            tail.stop()
        with ThreadPoolExecutor(max_workers=len(started)) as pool:
            list(pool.map(lambda r: r.stop(), started))

    return EmulatorHandle(
        endpoints={
            # the key the sandbox reads as "Google's emulator runs" (daemon.ensure_running,
            # clouds.sandbox_connections, the counts), as "aws" and "azure" are: the gateway
            "google": gateway_url,
            "google_project": PROJECT,
            "pubsub": pubsub.host_port,
            "firestore": firestore.host_port,
            "gcs": f"http://{gcs.host_port}",
            "google_gateway": gateway_url,
        },
        stop=stop,
        details={
            "token": token,
            "pgids": [gateway.pid, *(r.process.pid for r in started)],
            "logs": {r.name: str(r.log_path) for r in started} | {"gateway": str(log_path)},
        },
    )


def _function_pgids(gateway_url: str, data_dir: Path) -> list[int]:
    """The functions' process groups: as the gateway lists them, else as it noted them."""
    if gateway_url:
        try:
            listed = _get_json(gateway_url + "/_dtwin/google/functions", 5.0)["functions"]
            return [int(f["pid"]) for f in listed.values()]
        except (OSError, ValueError, KeyError, TypeError):
            pass
    try:
        noted = json.loads((data_dir / "functions" / PIDS_FILE).read_text())
        return [int(pid) for pid in noted.values()]
    except (OSError, ValueError, AttributeError, TypeError):
        return []


def healthy(handle: EmulatorHandle, timeout_s: float = 2.0) -> bool:
    endpoints = handle.endpoints
    try:
        answer = _get_json(endpoints["google_gateway"] + HEALTH_PATH, timeout_s)
    except (OSError, ValueError, KeyError):
        return False
    if not isinstance(answer, dict) or answer.get("token") != handle.details.get("token"):
        return False
    return all(
        answers(url, timeout_s)
        for url in (
            f"http://{endpoints['pubsub']}/",
            f"http://{endpoints['firestore']}/",
            f"{endpoints['gcs']}/storage/v1/b",
        )
    )


def counts(endpoints: Mapping[str, str], region: str | None = None) -> dict[str, int | None]:
    """What runs in the emulators: Cloud Functions, topics, subscriptions, GCS buckets (labels
    of their own: the daemon merges every cloud's counts)."""
    found: dict[str, int | None] = {}
    project = endpoints.get("google_project", PROJECT)
    probes = {
        "Cloud Functions": (
            endpoints.get("google_gateway", "") + "/_dtwin/google/functions",
            "functions",
        ),
        "Pub/Sub topics": (
            f"http://{endpoints.get('pubsub')}/v1/projects/{project}/topics",
            "topics",
        ),
        "Pub/Sub subscriptions": (
            f"http://{endpoints.get('pubsub')}/v1/projects/{project}/subscriptions",
            "subscriptions",
        ),
        "GCS buckets": (f"{endpoints.get('gcs', '')}/storage/v1/b?project={project}", "items"),
    }
    for label, (url, key) in probes.items():
        try:
            found[label] = len(_get_json(url, 5.0).get(key) or [])
        except (OSError, ValueError, AttributeError):  # a count we cannot get is unknown
            found[label] = None
    return found


def emulator_spec() -> EmulatorSpec:
    return EmulatorSpec(
        cloud=Cloud.GOOGLE,
        label=LABEL,
        start=start,
        healthy=healthy,
        sandbox_path=SandboxPath.PROVISIONED,
        counts=counts,
    )


def wait_healthy(handle: EmulatorHandle, timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if healthy(handle):
            return True
        time.sleep(0.1)
    return False
