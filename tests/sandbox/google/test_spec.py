"""The Google emulator: the real Pub/Sub and Firestore emulators, fake-gcs-server and the
gateway start, answer, are counted, and stop leaving no process behind (gcloud's Java
children and the functions' processes included); a missing gcloud says how to install it."""

from __future__ import annotations

import os

import psutil
import pytest
import requests
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore, storage
from helpers import wait_for

from dtwin_gui.clouds.base import SandboxPath
from dtwin_gui.clouds.google.sandbox import emulators
from dtwin_gui.clouds.google.sandbox.client import SandboxGoogle
from dtwin_gui.clouds.google.sandbox.spec import emulator_spec
from dtwin_gui.core.providers import Cloud


def _group_members(pgids: list[int]) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter():
        try:
            if os.getpgid(proc.pid) in pgids and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except (psutil.Error, ProcessLookupError):
            continue
    return found


def test_start_serves_every_emulator_and_stop_leaves_no_process(tmp_path, monkeypatch):
    spec = emulator_spec()
    assert spec.cloud is Cloud.GOOGLE and spec.sandbox_path is SandboxPath.PROVISIONED
    lines: list[tuple[str, str]] = []
    handle = spec.start(tmp_path / "google", log=lambda name, line: lines.append((name, line)))
    ends = handle.endpoints
    pgids = list(handle.details["pgids"])
    try:
        assert set(ends) == {
            *("google", "google_project", "pubsub", "firestore", "gcs", "google_gateway")
        }
        assert ends["google"] == ends["google_gateway"]
        assert ends["google_project"] == "dtwin-sandbox"
        assert ends["pubsub"].startswith("127.0.0.1:")
        assert ends["gcs"].startswith("http://127.0.0.1:")
        assert spec.healthy(handle)
        # gcloud's wrapper leaves a Java child in each emulator's group
        java = [p for p in _group_members(pgids) if "java" in p.name()]
        assert len(java) == 2

        monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", ends["firestore"])
        db = firestore.Client(project=ends["google_project"], credentials=AnonymousCredentials())
        db.collection("hot").document("d1").set({"v": 1})
        assert db.collection("hot").document("d1").get().to_dict() == {"v": 1}
        gcs = storage.Client(
            project=ends["google_project"],
            credentials=AnonymousCredentials(),
            client_options=ClientOptions(api_endpoint=ends["gcs"]),
        )
        gcs.create_bucket("cold-bucket")
        topic = f"http://{ends['pubsub']}/v1/projects/dtwin-sandbox/topics/some-topic"
        requests.put(topic, json={}, timeout=10).raise_for_status()
        counts = spec.counts(ends, "europe-west1")
        assert counts == {
            "Cloud Functions": 0,
            "Pub/Sub topics": 1,
            "Pub/Sub subscriptions": 0,
            "GCS buckets": 1,
        }

        package = tmp_path / "pkg.zip"
        import zipfile

        with zipfile.ZipFile(package, "w") as archive:
            archive.writestr(
                "main.py",
                "import functions_framework\n\n@functions_framework.http\n"
                "def hi(request):\n    print('said hi')\n    return 'hi'\n",
            )
        state = SandboxGoogle(ends["google_gateway"]).put_function(
            "left-running", package=package, entry_point="hi"
        )
        pgids.append(state["pid"])
        assert requests.get(ends["google_gateway"] + "/left-running", timeout=10).text == "hi"
        assert spec.counts(ends)["Cloud Functions"] == 1
        # what a function prints reaches the sandbox's log, named for the function
        wait_for(lambda: ("left-running", "said hi") in lines, timeout=10, interval=0.2)
    finally:
        handle.stop()
    assert not spec.healthy(handle)
    assert _group_members(pgids) == []
    assert spec.counts(ends) == dict.fromkeys(
        ("Cloud Functions", "Pub/Sub topics", "Pub/Sub subscriptions", "GCS buckets")
    )


def test_a_missing_gcloud_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(emulators.EmulatorMissing, match="gcloud components install"):
        emulator_spec().start(tmp_path / "google")


def test_the_supervisor_starts_the_google_emulator_of_the_plugin(tmp_path):
    from dtwin_gui.sandbox.supervisor import RUNNING, Supervisor, plugin_specs

    factory = next(f for cloud, _, _, f in plugin_specs() if cloud is Cloud.GOOGLE)
    with Supervisor(tmp_path, specs=[factory()]) as supervisor:
        report = supervisor.report(check=True)["google"]
        assert report["state"] == RUNNING, report
        assert report["path_label"] == SandboxPath.PROVISIONED.label
        gateway = supervisor.endpoints["google_gateway"]
        assert SandboxGoogle(gateway).health()["cloud"] == "google"
        pgids = list(supervisor.run(Cloud.GOOGLE).handle.details["pgids"])
    assert _group_members(pgids) == []


def test_stop_kills_the_functions_even_when_the_gateway_was_killed(tmp_path):
    import signal
    import zipfile

    spec = emulator_spec()
    handle = spec.start(tmp_path / "google")
    try:
        package = tmp_path / "pkg.zip"
        with zipfile.ZipFile(package, "w") as archive:
            archive.writestr(
                "main.py",
                "import functions_framework\n\n@functions_framework.http\n"
                "def hi(request):\n    return 'hi'\n",
            )
        state = SandboxGoogle(handle.endpoints["google_gateway"]).put_function(
            "orphan-to-be", package=package, entry_point="hi"
        )
        gateway_pid = handle.details["pgids"][0]
        os.kill(gateway_pid, signal.SIGKILL)
        assert not spec.healthy(handle)
        assert psutil.Process(state["pid"]).is_running()
    finally:
        handle.stop()
    assert _group_members([*handle.details["pgids"], state["pid"]]) == []
