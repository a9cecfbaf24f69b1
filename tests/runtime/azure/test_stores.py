"""The Cosmos hot store and Blob object stores against the real emulators."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dtwin_gui.runtime.azure.stores import BlobObjectStore, CosmosHotStore
from dtwin_gui.runtime.core.log import FunctionLog
from dtwin_gui.runtime.core.movers import move_cold_to_archive, move_hot_to_cold
from dtwin_gui.runtime.core.objects import decode_chunk


def _record(device: str, ts: str, value: float) -> dict:
    return {"device_id": device, "timestamp": ts, "trace_id": f"t-{ts}", "temperature": value}


def test_hot_store_writes_reads_and_queries_newest_first(cosmos_container):
    store = CosmosHotStore(cosmos_container)
    for i in range(5):
        store.put(_record("s1", f"2026-01-01T00:00:0{i}.000Z", 20.0 + i))
    store.put(_record("s2", "2026-01-01T00:00:09.000Z", 1.5))
    store.put(_record("s1", "2026-01-01T00:00:01.000Z", 21.0))  # idempotent rewrite

    newest = store.query("s1", limit=2, newest_first=True)
    assert [r["timestamp"][-7:] for r in newest] == ["04.000Z", "03.000Z"]
    assert newest[0] == _record("s1", "2026-01-01T00:00:04.000Z", 24.0)
    page2 = store.query("s1", limit=2, newest_first=True, after=newest[-1]["timestamp"])
    assert [r["temperature"] for r in page2] == [22.0, 21.0]
    window = store.query("s1", start="2026-01-01T00:00:01.000Z", end="2026-01-01T00:00:02.000Z")
    assert [r["temperature"] for r in window] == [21.0, 22.0]
    assert len(store.query("s1")) == 5

    old = store.older_than("2026-01-01T00:00:02.000Z", limit=10)
    assert [(r["device_id"], r["timestamp"][-7:]) for r in old] == [
        ("s1", "00.000Z"),
        ("s1", "01.000Z"),
    ]
    store.delete([("s1", "2026-01-01T00:00:00.000Z"), ("s1", "2026-12-31T00:00:00.000Z")])
    assert len(store.query("s1")) == 4


def test_hot_store_sets_item_ttl_only_when_asked(cosmos_container):
    now = datetime(2026, 1, 2, tzinfo=UTC).timestamp()
    CosmosHotStore(cosmos_container, ttl_days=3, now=lambda: now).put(
        _record("s1", "2026-01-01T00:00:00.000Z", 1.0)
    )
    CosmosHotStore(cosmos_container).put(_record("s2", "2026-01-01T00:00:00.000Z", 1.0))
    items = {
        i["device_id"]: i
        for i in cosmos_container.query_items("SELECT * FROM c", enable_cross_partition_query=True)
    }
    assert items["s1"]["ttl"] == 2 * 86400  # three hot days from the record, one gone
    assert "ttl" not in items["s2"]


def test_blob_tiers_read_back(blob_containers):
    cold_container, archive_container = blob_containers
    cold = BlobObjectStore(cold_container, tier="Cool")
    archive = BlobObjectStore(archive_container, tier="Archive")
    cold.put("a/one.jsonl", b'{"x":1}\n')
    archive.put("a/one.jsonl", b'{"x":1}\n')
    assert cold.tier_of("a/one.jsonl") == "Cool"
    assert archive.tier_of("a/one.jsonl") == "Archive"
    assert cold.get("a/one.jsonl") == b'{"x":1}\n'
    assert cold.exists("a/one.jsonl") and not cold.exists("a/two.jsonl")
    assert [o.key for o in cold.list("a/")] == ["a/one.jsonl"]
    cold.delete("a/one.jsonl")
    cold.delete("a/one.jsonl")  # a missing key is ignored
    assert cold.list() == []


class _CrashAfterWrite(Exception):
    pass


class _FailingDelete:
    """The hot store, but the process 'dies' after the cold write, before any delete."""

    def __init__(self, inner):
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def delete(self, keys):
        raise _CrashAfterWrite()


def test_movers_hot_cold_archive_no_loss_no_duplicates_after_a_crash(
    cosmos_container, blob_containers
):
    cold_container, archive_container = blob_containers
    hot = CosmosHotStore(cosmos_container)
    cold = BlobObjectStore(cold_container, tier="Cool")
    archive = BlobObjectStore(archive_container, tier="Archive")
    sent = [
        _record(d, f"2026-01-01T0{h}:00:00.000Z", float(h)) for d in ("s1", "s2") for h in range(3)
    ]
    for r in sent:
        hot.put(r)
    log = FunctionLog("test-mover")
    now = datetime(2026, 1, 10, tzinfo=UTC)

    with pytest.raises(_CrashAfterWrite):
        move_hot_to_cold(_FailingDelete(hot), cold, now=now, hot_days=2, log=log)
    assert len(hot.older_than("2027", limit=100)) == 6  # nothing deleted yet, nothing lost
    report = move_hot_to_cold(hot, cold, now=now, hot_days=2, log=log)
    assert report.records_deleted == 6
    assert hot.older_than("2027", limit=100) == []
    keys = [o.key for o in cold.list()]
    assert len(keys) == 2  # one object per device-day, the rerun overwrote the same key
    moved = [r for k in keys for r in decode_chunk(cold.get(k))]
    assert sorted(moved, key=lambda r: (r["device_id"], r["timestamp"])) == sent
    assert {cold.tier_of(k) for k in keys} == {"Cool"}
    cold_bytes = [cold.get(k) for k in keys]

    class _CrashingCold(_FailingDelete):
        def delete(self, key):
            raise _CrashAfterWrite()

    later = datetime(2026, 6, 1, tzinfo=UTC)
    with pytest.raises(_CrashAfterWrite):
        move_cold_to_archive(_CrashingCold(cold), archive, now=later, cold_days=30, log=log)
    # the first object was written to the archive, then the crash: it is still in cold
    assert [o.key for o in archive.list()] == keys[:1]
    assert [o.key for o in cold.list()] == keys
    move_cold_to_archive(cold, archive, now=later, cold_days=30, log=log)
    assert cold.list() == []
    assert [o.key for o in archive.list()] == keys
    assert {archive.tier_of(k) for k in keys} == {"Archive"}
    # archived blobs cannot be read without rehydration: the same objects, byte for byte
    assert [o.size for o in archive.list()] == [len(b) for b in cold_bytes]
