"""The L3 Google functions from their packages as functions-framework processes: the movers
(Cloud Scheduler HTTP calls; "now" from the body only under the sandbox clock) take aged
records to Nearline then Archive; the hot reader answers GET queries; the hot writer is a
signed glue receiver for a persister on another cloud."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest

from dtwin_gui.runtime.core.glue import Sender
from dtwin_gui.runtime.core.objects import decode_chunk
from dtwin_gui.runtime.google import services
from dtwin_gui.runtime.google.stores import FirestoreHotStore, GcsObjectStore
from tests.helpers import edit_json
from tests.runtime.google.functions_host import FunctionsHost, google_sources, start_role

L3 = ("layer_3_hot_provider", "layer_3_cold_provider", "layer_3_archive_provider")


@pytest.fixture
def host(tmp_path):
    running = FunctionsHost(tmp_path / "logs")
    (tmp_path / "logs").mkdir()
    try:
        yield running
    finally:
        running.stop()


def _sources(project, tmp_path, monkeypatch, layers):
    edit_json(
        project / "config_providers.json", lambda p: p.update(dict.fromkeys(layers, "google"))
    )
    return google_sources(project, tmp_path, monkeypatch)


def _call(url: str, body: dict | None = None, method: str = "POST") -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json"}, method=method
    )
    with urllib.request.urlopen(request, timeout=60) as r:
        return json.loads(r.read())


def test_movers_take_aged_records_to_nearline_then_archive(
    project, tmp_path, monkeypatch, google_env, host, unique
):
    sources = _sources(project, tmp_path, monkeypatch, L3)
    collection, cold_bucket, archive_bucket = f"hot-{unique}", f"cold-{unique}", f"arch-{unique}"
    client = services.storage_client(google_env)
    client.create_bucket(cold_bucket)
    client.create_bucket(archive_bucket)
    hot = FirestoreHotStore(services.firestore_client(google_env), collection)
    # Dated in 2030: real time never finds them aged, only the sandbox clock's "now" does.
    records = [
        {"device_id": d, "timestamp": f"2030-01-0{day}T0{h}:00:00.000Z", "v": day * 10 + h}
        for d in ("a", "b")
        for day in (1, 2)
        for h in (1, 2)
    ]
    for record in records:
        hot.put(record)
    base = {**google_env, "DTWIN_TWIN_NAME": "factory-twin"}
    store_env = {"DTWIN_HOT_STORE": collection, "DTWIN_COLD_STORE": cold_bucket}
    to_cold = start_role(
        host,
        sources,
        "L3_hot",
        "hot-to-cold-mover",
        {**base, **store_env, "DTWIN_HOT_DAYS": "1", "DTWIN_SANDBOX_CLOCK": "1"},
    )
    real_clock = start_role(
        host,
        sources,
        "L3_cold",
        "cold-to-archive-mover",
        {**base, **store_env, "DTWIN_ARCHIVE_STORE": archive_bucket, "DTWIN_COLD_DAYS": "1"},
    )
    host.wait_ready()

    report = _call(f"{host.url}/{to_cold['deployed_name']}", {"now": "2030-01-04T05:00:00Z"})
    assert report["records_moved"] == 8 and report["objects_written"] == 4
    assert hot.older_than("2031-01-01T00:00:00.000Z", limit=100) == []
    cold = GcsObjectStore(client, cold_bucket)
    keys = [o.key for o in cold.list()]
    assert len(keys) == 4 and all(cold.storage_class_of(k) == "NEARLINE" for k in keys)
    moved = sorted(
        (r for k in keys for r in decode_chunk(cold.get(k))),
        key=lambda r: (r["device_id"], r["timestamp"]),
    )
    assert moved == sorted(records, key=lambda r: (r["device_id"], r["timestamp"]))
    # A second run finds nothing more to move (no duplicates).
    again = _call(f"{host.url}/{to_cold['deployed_name']}", {"now": "2030-01-04T06:00:00Z"})
    assert again["records_moved"] == 0 and len(cold.list()) == 4

    # Without DTWIN_SANDBOX_CLOCK the body's "now" is ignored: real time (before 2030)
    # finds nothing old enough.
    ignored = _call(f"{host.url}/{real_clock['deployed_name']}", {"now": "2031-01-01T00:00:00Z"})
    assert ignored["objects_moved"] == 0 and len(cold.list()) == 4

    host.stop_one(real_clock["deployed_name"])
    to_archive = start_role(
        host,
        sources,
        "L3_cold",
        "cold-to-archive-mover",
        {
            **base,
            **store_env,
            "DTWIN_ARCHIVE_STORE": archive_bucket,
            "DTWIN_COLD_DAYS": "1",
            "DTWIN_SANDBOX_CLOCK": "1",
        },
    )
    host.wait_ready()
    done = _call(f"{host.url}/{to_archive['deployed_name']}", {"now": "2031-01-01T00:00:00Z"})
    assert done["objects_moved"] == 4 and cold.list() == []
    archive = GcsObjectStore(client, archive_bucket)
    assert sorted(o.key for o in archive.list()) == sorted(keys)
    assert all(archive.storage_class_of(k) == "ARCHIVE" for k in keys)


def test_hot_reader_answers_get_queries(project, tmp_path, monkeypatch, google_env, host, unique):
    sources = _sources(project, tmp_path, monkeypatch, L3)
    collection = f"hot-{unique}"
    hot = FirestoreHotStore(services.firestore_client(google_env), collection)
    for minute in range(5):
        hot.put(
            {
                "device_id": "temperature-sensor-1",
                "timestamp": f"2026-08-01T00:0{minute}:00.000Z",
                "temperature": minute,
            }
        )
    reader = start_role(
        host,
        sources,
        "L3_hot",
        "hot-reader",
        {**google_env, "DTWIN_TWIN_NAME": "factory-twin", "DTWIN_HOT_STORE": collection},
    )
    host.wait_ready()
    url = f"{host.url}/{reader['deployed_name']}"
    query = urllib.parse.urlencode(
        {"device_id": "temperature-sensor-1", "limit": 2, "order": "desc"}
    )
    page = _call(f"{url}?{query}", method="GET")
    assert [r["temperature"] for r in page["items"]] == [4, 3] and page["next_cursor"]
    more = urllib.parse.urlencode(
        {
            "device_id": "temperature-sensor-1",
            "limit": 2,
            "order": "desc",
            "cursor": page["next_cursor"],
        }
    )
    assert [r["temperature"] for r in _call(f"{url}?{more}", method="GET")["items"]] == [2, 1]
    latest = _call(f"{url}?latest=1&device_ids=temperature-sensor-1", method="GET")
    assert latest["items"]["temperature-sensor-1"]["temperature"] == 4


def test_hot_writer_receives_signed_records_from_another_cloud(
    project, tmp_path, monkeypatch, google_env, host, unique
):
    sources = _sources(project, tmp_path, monkeypatch, L3)  # L2 stays on AWS
    collection, secret = f"hot-{unique}", "s3cret-" + unique
    writer = start_role(
        host,
        sources,
        "L3_hot",
        "hot-writer",
        {
            **google_env,
            "DTWIN_TWIN_NAME": "factory-twin",
            "DTWIN_HOT_STORE": collection,
            "DTWIN_GLUE_SECRET": secret,
            "DTWIN_HOT_TTL_DAYS": "30",
        },
    )
    host.wait_ready()
    url = f"{host.url}/{writer['deployed_name']}"
    record = {
        "device_id": "pressure-sensor-1",
        "timestamp": "2026-09-01T00:00:00.000Z",
        "pressure": 1.5,
    }
    sender = Sender(url, secret, source_cloud="aws", source_layer="L2")
    reply = sender.send("telemetry", record, trace_id="t-1")
    assert reply["status"] == "ok"
    hot = FirestoreHotStore(services.firestore_client(google_env), collection)
    assert hot.query("pressure-sensor-1") == [record]
    wrong = Sender(url, "not-the-secret", source_cloud="aws", source_layer="L2", max_attempts=1)
    with pytest.raises(Exception, match=r"401|unauthor"):
        wrong.send("telemetry", {**record, "timestamp": "2026-09-01T00:00:01.000Z"})
    assert len(hot.query("pressure-sensor-1")) == 1
