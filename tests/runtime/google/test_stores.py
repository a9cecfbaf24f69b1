"""The Google stores against the real emulators: Firestore hot store, GCS object stores
(storage class read back), Pub/Sub feedback received on a subscription."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from dtwin_gui.runtime.google import services
from dtwin_gui.runtime.google.indexes import TTL_FIELD
from dtwin_gui.runtime.google.stores import (
    ARCHIVE_CLASS,
    COLD_CLASS,
    FirestoreHotStore,
    GcsObjectStore,
    document_id,
)


def _record(device: str, ts: str, **values) -> dict:
    return {"device_id": device, "timestamp": ts, **values}


@pytest.fixture
def hot(google_env, unique):
    return FirestoreHotStore(services.firestore_client(google_env), f"hot-{unique}", ttl_days=3)


def test_put_is_idempotent_and_carries_the_ttl_field(hot):
    record = _record("dev/1", "2026-01-02T03:04:05.000Z", temperature=21.5)
    hot.put(record)
    hot.put(record)
    hot.put({**record, "temperature": 22.0})  # same key: replaced, not added
    docs = list(hot.collection.stream())
    assert len(docs) == 1
    assert docs[0].id == document_id("dev/1", record["timestamp"]) and "/" not in docs[0].id
    fields = docs[0].to_dict()
    assert fields[TTL_FIELD] == datetime(2026, 1, 5, 3, 4, 5, tzinfo=UTC)
    assert hot.query("dev/1") == [{**record, "temperature": 22.0}]


def test_query_order_range_and_paging(hot):
    base = datetime(2026, 3, 1, tzinfo=UTC)
    stamps = [(base + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%S.000Z") for i in range(7)]
    for i, ts in enumerate(stamps):
        hot.put(_record("a", ts, n=i))
        hot.put(_record("b", ts, n=100 + i))
    assert [r["n"] for r in hot.query("a")] == list(range(7))
    assert [r["n"] for r in hot.query("a", newest_first=True, limit=3)] == [6, 5, 4]
    assert [r["n"] for r in hot.query("a", start=stamps[2], end=stamps[4])] == [2, 3, 4]
    page1 = hot.query("b", limit=3)
    page2 = hot.query("b", limit=3, after=page1[-1]["timestamp"])
    page3 = hot.query("b", limit=3, after=page2[-1]["timestamp"])
    assert [r["n"] for r in page1 + page2 + page3] == [100 + i for i in range(7)]
    back = hot.query("b", newest_first=True, limit=2, after=stamps[3])
    assert [r["n"] for r in back] == [102, 101]
    assert all(TTL_FIELD not in r for r in page1)


def test_older_than_and_delete(hot):
    for device in ("z", "a"):
        for day in (1, 2, 5):
            hot.put(_record(device, f"2026-04-0{day}T12:00:00.000Z"))
    old = hot.older_than("2026-04-03T00:00:00.000Z", limit=10)
    assert [(r["device_id"], r["timestamp"][:10]) for r in old] == [
        ("a", "2026-04-01"),
        ("a", "2026-04-02"),
        ("z", "2026-04-01"),
        ("z", "2026-04-02"),
    ]
    assert len(hot.older_than("2026-04-03T00:00:00.000Z", limit=2)) == 2
    hot.delete([(r["device_id"], r["timestamp"]) for r in old] + [("nobody", "2026-01-01")])
    assert hot.older_than("2026-04-03T00:00:00.000Z", limit=10) == []
    assert len(hot.query("a")) == 1 and len(hot.query("z")) == 1


def test_gcs_objects_are_written_in_the_store_class(google_env, unique):
    client = services.storage_client(google_env)
    cold_bucket, archive_bucket = f"cold-{unique}", f"archive-{unique}"
    client.create_bucket(cold_bucket)
    client.create_bucket(archive_bucket)
    cold = GcsObjectStore(client, cold_bucket, storage_class=COLD_CLASS)
    archive = GcsObjectStore(client, archive_bucket, storage_class=ARCHIVE_CLASS)
    key = "dev-1/2026/01/02/x.jsonl"
    data = b'{"device_id": "dev-1"}\n'
    cold.put(key, data)
    assert cold.exists(key) and cold.get(key) == data
    assert cold.storage_class_of(key) == "NEARLINE"
    archive.put(key, cold.get(key))
    archive.put(key, data)  # a rerun's same bytes
    assert archive.storage_class_of(key) == "ARCHIVE"
    cold.put("dev-1/2026/01/03/y.jsonl", b"{}\n")
    assert [o.key for o in cold.list("dev-1/")] == [key, "dev-1/2026/01/03/y.jsonl"]
    assert [o.size for o in cold.list("dev-1/2026/01/02")] == [len(data)]
    cold.delete(key)
    cold.delete(key)  # missing: ignored
    assert not cold.exists(key) and cold.storage_class_of(key) is None


def test_feedback_is_published_with_the_device_attribute(google_env, unique):
    from google.cloud import pubsub_v1

    topic = f"projects/{google_env['DTWIN_GOOGLE_PROJECT']}/topics/feedback-{unique}"
    sub = f"projects/{google_env['DTWIN_GOOGLE_PROJECT']}/subscriptions/dev-{unique}"
    publisher = pubsub_v1.PublisherClient()
    subscriber = pubsub_v1.SubscriberClient()
    try:
        publisher.create_topic(name=topic)
        subscriber.create_subscription(name=sub, topic=topic)
        env = {**google_env, "DTWIN_FEEDBACK_TOPIC": f"feedback-{unique}"}
        services.PubSubFeedbackPublisher.from_env(env).publish("dev-1", {"alert": "hot"})
        response = subscriber.pull(subscription=sub, max_messages=5, timeout=20)
        messages = [m.message for m in response.received_messages]
        assert len(messages) == 1
        assert json.loads(messages[0].data) == {"alert": "hot"}
        assert dict(messages[0].attributes) == {"device_id": "dev-1"}
    finally:
        subscriber.close()


def test_feedback_without_a_topic_says_what_is_missing(google_env):
    with pytest.raises(RuntimeError, match="DTWIN_FEEDBACK_TOPIC"):
        services.PubSubFeedbackPublisher.from_env({k: v for k, v in google_env.items()})


def test_the_named_firestore_database_is_used(google_env, unique):
    env = {**google_env, "DTWIN_FIRESTORE_DATABASE": f"twin-hot-{unique}"}
    named = FirestoreHotStore(services.firestore_client(env), "hot")
    default = FirestoreHotStore(services.firestore_client(google_env), "hot")
    record = _record(f"dev-{unique}", "2026-01-01T00:00:00.000Z", v=1)
    named.put(record)
    assert named.query(record["device_id"]) == [record]
    assert default.query(record["device_id"]) == []
