"""The in-memory ports behave like the services they stand in for."""

from __future__ import annotations

import pytest

from dtwin_gui.runtime.core.memory import (
    InvokeError,
    MemoryFeedback,
    MemoryHotStore,
    MemoryObjectStore,
    PutOnlyObjectWriter,
    RecordingInvoker,
)


def stamp(second: int) -> str:
    return f"2026-11-25T10:00:{second:02d}.000Z"


@pytest.fixture
def hot():
    store = MemoryHotStore()
    for second in (5, 1, 3, 2, 4):  # out of order on purpose
        store.put({"device_id": "a", "timestamp": stamp(second), "v": second})
    store.put({"device_id": "b", "timestamp": stamp(0), "v": 0})
    return store


def seconds(rows):
    return [r["v"] for r in rows]


def test_query_bounds_order_limit_and_after(hot):
    assert seconds(hot.query("a")) == [1, 2, 3, 4, 5]
    assert seconds(hot.query("a", start=stamp(2), end=stamp(4))) == [2, 3, 4]
    assert seconds(hot.query("a", limit=2)) == [1, 2]
    assert seconds(hot.query("a", newest_first=True, limit=2)) == [5, 4]
    assert seconds(hot.query("a", after=stamp(3))) == [4, 5]
    assert seconds(hot.query("a", after=stamp(3), newest_first=True)) == [2, 1]
    assert seconds(hot.query("a", start=stamp(2), after=stamp(3), newest_first=True)) == [2]
    assert hot.query("nobody") == []


def test_put_is_idempotent_on_device_and_timestamp_and_copies(hot):
    record = {"device_id": "a", "timestamp": stamp(1), "v": 10}
    hot.put(record)
    record["v"] = 99
    assert seconds(hot.query("a", end=stamp(1))) == [10]
    assert len(hot) == 6
    hot.query("a")[0]["v"] = 123
    assert hot.query("a")[0]["v"] == 10


def test_older_than_and_delete(hot):
    rows = hot.older_than(stamp(3), limit=10)
    assert [(r["device_id"], r["v"]) for r in rows] == [("a", 1), ("a", 2), ("b", 0)]
    assert len(hot.older_than(stamp(3), limit=2)) == 2
    hot.delete([("a", stamp(1)), ("a", stamp(42)), ("zz", stamp(1))])
    assert seconds(hot.query("a")) == [2, 3, 4, 5]


def test_object_store_lists_in_key_order():
    store = MemoryObjectStore()
    for key in ("b/2", "a/1", "b/1"):
        store.put(key, key.encode())
    assert [o.key for o in store.list()] == ["a/1", "b/1", "b/2"]
    assert [o.key for o in store.list("b/")] == ["b/1", "b/2"]
    assert store.list("a/")[0].size == 3
    store.delete("a/1")
    store.delete("missing")
    assert not store.exists("a/1")
    with pytest.raises(KeyError):
        store.get("a/1")
    PutOnlyObjectWriter(store).put("c", b"x")
    assert store.get("c") == b"x"
    assert not hasattr(PutOnlyObjectWriter(store), "list")


def test_invoker_runs_handlers_and_keeps_async_failures():
    def boom(payload):
        raise ValueError("handler failed")

    invoker = RecordingInvoker(handlers={"echo": lambda p: {"got": p}, "boom": boom})
    assert invoker.invoke("echo", {"a": 1}) == {"got": {"a": 1}}
    assert invoker.invoke("boom", {}, wait=False) is None  # async: the caller does not see it
    assert invoker.errors[0][0] == "boom"
    with pytest.raises(ValueError):
        invoker.invoke("boom", {}, wait=True)
    assert invoker.invoke("unknown", {}) is None  # not strict: just recorded
    assert [c.function for c in invoker.calls] == ["echo", "boom", "boom", "unknown"]


def test_invoker_payloads_cross_as_json():
    invoker = RecordingInvoker()
    payload = {"t": (1, 2)}
    invoker.invoke("f", payload)
    assert invoker.calls_to("f")[0].payload == {"t": [1, 2]}
    with pytest.raises(TypeError):
        invoker.invoke("f", {"x": object()})


def test_strict_and_failing_invokers_refuse():
    with pytest.raises(InvokeError, match="no function named"):
        RecordingInvoker(strict=True).invoke("nope", {})
    with pytest.raises(InvokeError):
        RecordingInvoker(failing={"f"}).invoke("f", {})


def test_feedback_records_topic_and_a_copy():
    publisher = MemoryFeedback(topic_for=lambda d: f"t/{d}")
    message = {"k": 1}
    publisher.publish("dev", message)
    message["k"] = 2
    assert publisher.sent == [{"device_id": "dev", "topic": "t/dev", "message": {"k": 1}}]
