"""A twin's real Google packages (dtwin_gui/runtime/google, built by the project build) run in
the sandbox's functions host: telemetry published to the emulator's topic is pushed to the
dispatcher and reaches Firestore through the device's processor and the persister."""

from __future__ import annotations

import base64
import json

import requests
from helpers import edit_json, wait_for

from dtwin_gui.runtime.google import services
from dtwin_gui.runtime.google.stores import FirestoreHotStore

GOOGLE_LAYERS = (
    "layer_1_provider",
    "layer_2_provider",
    "layer_3_hot_provider",
    "layer_3_cold_provider",
    "layer_3_archive_provider",
)


def _packages(project, out, monkeypatch) -> dict[str, tuple[dict, object]]:
    """layer -> (manifest, zip path) of ``project``'s built Google packages."""
    import io
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
    found = {}
    for result in build_packages(project, out, cloud="google"):
        data = result.path.read_bytes()
        manifest = json.loads(zipfile.ZipFile(io.BytesIO(data)).read(packaging.MANIFEST))
        found[manifest["layer"]] = (manifest, result.path)
    return found


def test_telemetry_reaches_firestore_through_the_packaged_functions(
    google_sandbox, project, tmp_path, monkeypatch
):
    handle, api = google_sandbox
    edit_json(
        project / "config_providers.json",
        lambda p: p.update(dict.fromkeys(GOOGLE_LAYERS, "google")),
    )
    built = _packages(project, tmp_path / "build", monkeypatch)
    l1, l1_zip = built["L1"]
    l2, l2_zip = built["L2"]
    persister = next(f for f in l2["functions"] if f["role"] == "persister")
    base = {"DTWIN_TWIN_NAME": "factory-twin", "DTWIN_LOG_LEVEL": "DEBUG"}
    collection = "hot-sandbox"

    def register(entry, package, env, trigger=None):
        return api.put_function(
            entry["deployed_name"],
            package=package,
            entry_point=entry["entry_point"],
            signature=entry["signature"],
            env={**base, **env, "DTWIN_FUNCTION": entry["name"]},
            trigger=trigger,
        )

    dispatcher = next(f for f in l1["functions"] if f["role"] == "dispatcher")
    register(dispatcher, l1_zip, {}, {"type": "pubsub", "topic": "factory-twin-telemetry"})
    for entry in l2["functions"]:
        if entry["role"] == "processor":
            register(entry, l2_zip, {"DTWIN_PERSISTER_FUNCTION": persister["deployed_name"]})
    register(persister, l2_zip, {"DTWIN_HOT_STORE": collection, "DTWIN_HOT_TTL_DAYS": "30"})
    assert all(f["state"] == "running" for f in api.functions().values())

    ends = handle.endpoints
    telemetry = {
        "device_id": "temperature-sensor-1",
        "timestamp": "2026-06-01T10:00:00.000Z",
        "temperature": 21.456,
    }
    data = base64.b64encode(json.dumps(telemetry).encode()).decode()
    topic = f"http://{ends['pubsub']}/v1/projects/{ends['google_project']}/topics"
    requests.post(
        f"{topic}/factory-twin-telemetry:publish",
        json={"messages": [{"data": data, "attributes": {"device_id": "temperature-sensor-1"}}]},
        timeout=30,
    ).raise_for_status()

    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", ends["firestore"])
    env = {"DTWIN_GOOGLE_PROJECT": ends["google_project"]}
    store = FirestoreHotStore(services.firestore_client(env), collection)
    rows = wait_for(lambda: store.query("temperature-sensor-1"), timeout=60)
    assert rows[0]["temperature"] == 21.46
    for name in api.functions():
        api.delete_function(name)
