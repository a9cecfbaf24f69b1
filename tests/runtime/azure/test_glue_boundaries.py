"""One Function App, several glue boundaries: the L3 hot app hosts the hot writer (boundary
l2-l3hot-writer) and the hot reader (l4-/l5-l3hot-reader), and app settings are one
environment per app. Each receiver must accept requests signed with its own boundary's
secret and refuse the other's. The app is the real package (built from the project), its
settings the real intent's with the secrets filled in by boundary, its store Cosmos on the
emulator."""

from __future__ import annotations

import importlib.util
import json
import urllib.parse
import zipfile

import azure.functions as func
import pytest
from helpers import edit_json

from dtwin_gui.build import build_packages
from dtwin_gui.clouds.azure.intent import SecretRef, azure_intent
from dtwin_gui.core.project import load_project
from dtwin_gui.core.providers import Slot
from dtwin_gui.core.topology import topology_for_project
from dtwin_gui.runtime.azure.stores import CosmosHotStore
from dtwin_gui.runtime.core.glue import dump_envelope, make_envelope, signed_headers

#: One secret per boundary (both reader boundaries share the hot reader's, as deployed).
SECRETS = {
    "l2-l3hot-writer": "writer-boundary-secret",
    "l4-l3hot-reader": "reader-boundary-secret",
    "l5-l3hot-reader": "reader-boundary-secret",
}
WRITER, READER = SECRETS["l2-l3hot-writer"], SECRETS["l4-l3hot-reader"]
RECORD = {
    "device_id": "pump-1",
    "timestamp": "2026-03-01T10:00:00.000Z",
    "trace_id": "trace-1",
    "pressure": 2.5,
}


@pytest.fixture
def hot_app(project, tmp_path, monkeypatch, cosmos_settings):
    """The L3 hot app of a twin whose L2, L4 and L5 are on AWS, loaded with its settings."""
    providers = dict.fromkeys(
        ("layer_1_provider", "layer_2_provider", "layer_4_provider", "layer_5_provider"), "aws"
    )
    providers.update(
        layer_3_hot_provider="azure",
        layer_3_cold_provider="azure",
        layer_3_archive_provider="azure",
    )
    edit_json(project / "config_providers.json", lambda d: d.update(providers))
    loaded = load_project(project)
    topology = topology_for_project(loaded)
    builds = build_packages(project, tmp_path / "out", cloud="azure")
    app = azure_intent(loaded, topology, builds).app(Slot.L3_HOT)
    roles = {f.role for f in app.functions}
    assert {"hot-writer", "hot-reader"} <= roles  # both receivers share the app

    environ = {}
    for name, value in app.app_settings.items():
        if isinstance(value, SecretRef):
            if value.kind == "secret":
                environ[name] = SECRETS[value.boundary]
        elif isinstance(value, str):
            environ[name] = value
    environ.update(cosmos_settings)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DTWIN_GLUE_SECRET", raising=False)

    folder = tmp_path / "app"
    zipfile.ZipFile(app.package).extractall(folder)
    spec = importlib.util.spec_from_file_location("function_app_l3_hot", folder / "function_app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    registered = {f.get_function_name(): f for f in module.app.get_functions()}
    manifest = json.loads((folder / "dtwin_app.json").read_text())
    by_role = {f["role"]: registered[f["name"]] for f in manifest["functions"]}
    served = {f["role"]: f["glue_boundaries"] for f in manifest["functions"]}
    assert served["hot-writer"] == ["l2-l3hot-writer"]
    assert served["hot-reader"] == ["l4-l3hot-reader", "l5-l3hot-reader"]
    return by_role, environ


def _post(function, kind: str, payload: dict, secret: str, layer: str):
    body = dump_envelope(make_envelope(kind, payload, source_cloud="aws", source_layer=layer))
    headers = {"Content-Type": "application/json", **signed_headers(secret, body)}
    request = func.HttpRequest("POST", "https://app/api/x", headers=headers, body=body)
    return function.get_user_function()(request)


def _get(function, params: dict, secret: str):
    query = urllib.parse.urlencode(params)
    headers = signed_headers(secret, query.encode("utf-8"))
    request = func.HttpRequest(
        "GET", f"https://app/api/x?{query}", headers=headers, body=b"", params=params
    )
    return function.get_user_function()(request)


def test_the_app_settings_name_each_receivers_secret_by_its_boundary(hot_app):
    _, environ = hot_app
    assert environ["DTWIN_GLUE_SECRET__L2_L3HOT_WRITER"] == WRITER
    assert environ["DTWIN_GLUE_SECRET__L3HOT_READER"] == READER
    assert "DTWIN_GLUE_SECRET" not in environ  # no one secret for the whole app


def test_the_hot_writer_takes_its_boundarys_signature_only(hot_app, cosmos_container):
    functions, _ = hot_app
    writer = functions["hot-writer"]
    refused = _post(writer, "telemetry", RECORD, READER, "L2")
    assert refused.status_code == 401, refused.get_body()
    assert CosmosHotStore(cosmos_container).query("pump-1") == []

    reply = _post(writer, "telemetry", RECORD, WRITER, "L2")
    assert reply.status_code == 200, reply.get_body()
    assert CosmosHotStore(cosmos_container).query("pump-1") == [RECORD]


def test_the_hot_reader_takes_its_boundarys_signature_only(hot_app, cosmos_container):
    functions, _ = hot_app
    CosmosHotStore(cosmos_container).put(dict(RECORD))
    reader = functions["hot-reader"]
    level = reader.get_trigger().auth_level
    assert str(getattr(level, "value", level)).lower() == "anonymous"  # signed, no key

    query = {"op": "latest", "device_ids": ["pump-1"]}
    refused = _post(reader, "hot-query", query, WRITER, "L4")
    assert refused.status_code == 401, refused.get_body()
    reply = _post(reader, "hot-query", query, READER, "L4")
    assert reply.status_code == 200, reply.get_body()
    assert json.loads(reply.get_body())["result"]["items"]["pump-1"]["pressure"] == 2.5

    # The plain GET queries of a reader with remote readers are signed with its secret too.
    assert _get(reader, {"device_id": "pump-1"}, WRITER).status_code == 401
    listed = _get(reader, {"device_id": "pump-1"}, READER)
    assert listed.status_code == 200, listed.get_body()
