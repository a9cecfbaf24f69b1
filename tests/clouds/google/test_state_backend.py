"""The gcs state backend (issue 17), on fake-gcs-server (the sandbox's Cloud Storage).

What runs here: the bucket made with versioning on, its objects written with generation
preconditions (``ifGenerationMatch=0`` for a new object, ``=<generation>`` to replace one),
and the deploy lock on them.

Not covered (fake-gcs-server does not serve it): public access prevention and uniform
bucket-level access are sent but not kept (so the check reports them as not blocked here),
a conditional *delete* is not checked by the emulator, encryption at rest and Cloud KMS
keys, IAM, and Terraform's gcs backend itself (it is not pointed at the emulator).
"""

from __future__ import annotations

import pytest

from dtwin_gui.clouds.google.connection import GoogleConnection
from dtwin_gui.clouds.google.sandbox.emulators import start_gcs
from dtwin_gui.clouds.google.state_backend import state_backend
from dtwin_gui.deploy.remote_objects import ObjectConflict
from dtwin_gui.deploy.twin_lock import TwinLock, TwinLocked
from dtwin_gui.iac.backend import parse_backend

URL = "gcs://team-state/dtwin/factory"


@pytest.fixture(scope="module")
def gcs(tmp_path_factory):
    running = start_gcs(tmp_path_factory.mktemp("gcs"))
    try:
        yield GoogleConnection(
            "sandbox",
            project="dtwin-sandbox",
            method="sandbox",
            endpoints={"gcs": f"http://127.0.0.1:{running.port}"},
        )
    finally:
        running.stop()


def test_create_makes_a_versioned_bucket_and_brings_an_existing_one_in_line(gcs):
    backend = state_backend(parse_backend(URL), gcs)
    lines: list[str] = []
    assert backend.create(lines.append)[0] == "created the bucket team-state"
    assert "public access prevention enforced" in lines[-1]
    settings = backend.inspect()
    assert settings["exists"] and settings["versioning"] is True
    assert settings["encryption"] == "Google-managed"
    assert backend.create()[0] == "the bucket team-state exists: its settings were brought in line"
    missing = state_backend(parse_backend("gcs://not-there/p"), gcs).inspect()
    assert missing == {"bucket": "not-there", "exists": False}


def test_objects_are_written_with_generation_preconditions(gcs):
    backend = state_backend(parse_backend(URL), gcs)
    backend.create()
    objects = backend.objects()
    first = objects.put("dtwin/factory/default.tfstate.dtwin/x.json", b"{}", if_absent=True)
    with pytest.raises(ObjectConflict):
        objects.put("dtwin/factory/default.tfstate.dtwin/x.json", b"{}", if_absent=True)
    second = objects.put("dtwin/factory/default.tfstate.dtwin/x.json", b"[1]", if_version=first)
    with pytest.raises(ObjectConflict):
        objects.put("dtwin/factory/default.tfstate.dtwin/x.json", b"[2]", if_version=first)
    found = objects.get("dtwin/factory/default.tfstate.dtwin/x.json")
    assert found.data == b"[1]" and found.version == second
    objects.delete("dtwin/factory/default.tfstate.dtwin/x.json", if_version=second)
    assert objects.get("dtwin/factory/default.tfstate.dtwin/x.json") is None


def test_the_deploy_lock_holds_on_cloud_storage(gcs):
    backend = state_backend(parse_backend(URL), gcs)
    backend.create()
    key = "dtwin/factory/default.tfstate.dtwin/deploy.lock"
    lock = TwinLock(backend.objects(), key, who="alice@laptop")
    lock.acquire()
    with pytest.raises(TwinLocked, match="alice@laptop"):
        TwinLock(backend.objects(), key).acquire()
    assert lock.release()
    assert backend.objects().get(key) is None
