"""The emulated Google Cloud, started once per test module (real gcloud emulators,
fake-gcs-server, the gateway and functions-framework), and tiny function packages."""

from __future__ import annotations

import textwrap
import zipfile
from pathlib import Path

import pytest

from dtwin_gui.clouds.google.sandbox.client import SandboxGoogle
from dtwin_gui.clouds.google.sandbox.spec import emulator_spec

#: A tiny Cloud Functions source: every call is appended to $OUT_DIR/<function>.jsonl.
MAIN_PY = textwrap.dedent(
    """
    import json, os
    from pathlib import Path
    import functions_framework

    OUT = Path(os.environ["OUT_DIR"])

    def _note(entry):
        with open(OUT / (os.environ["DTWIN_FUNCTION"] + ".jsonl"), "a") as f:
            f.write(json.dumps(entry) + "\\n")

    @functions_framework.http
    def echo(request):
        body = {"method": request.method, "path": request.path, "query": request.args.to_dict(),
                "body": request.get_data(as_text=True), "header": request.headers.get("X-Dtwin"),
                "greeting": os.environ.get("GREETING"), "pid": os.getpid(),
                "clock": os.environ.get("DTWIN_SANDBOX_CLOCK"),
                "firestore": os.environ.get("FIRESTORE_EMULATOR_HOST")}
        _note(body)
        return body, 201, {"X-Echo": "yes"}

    @functions_framework.cloud_event
    def on_message(event):
        _note({"type": event["type"], "data": event.data})
    """
)


def _make_package(folder: Path, source: str = MAIN_PY, name: str = "pkg.zip") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("main.py", source)
    return path


def _calls(out_dir: Path, function: str) -> list[dict]:
    import json

    path = out_dir / f"{function}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def google_sandbox(tmp_path_factory):
    """``(handle, SandboxGoogle)`` of one running emulated Google Cloud."""
    handle = emulator_spec().start(tmp_path_factory.mktemp("google-sandbox"))
    try:
        yield handle, SandboxGoogle(handle.endpoints["google_gateway"])
    finally:
        handle.stop()


@pytest.fixture
def make_package():
    """``make_package(folder, source=MAIN_PY)`` -> the zip of a one-file function source."""
    return _make_package


@pytest.fixture
def calls():
    """``calls(out_dir, function)`` -> what the test function noted of each of its calls."""
    return _calls
