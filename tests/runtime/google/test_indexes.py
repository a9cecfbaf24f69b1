"""Every query the Firestore hot store makes is served by a declared index: the emulator
serves any query, real Firestore refuses one without its composite index."""

from __future__ import annotations

import pytest

from dtwin_gui.runtime.core.hot_read import answer, query
from dtwin_gui.runtime.core.movers import move_hot_to_cold
from dtwin_gui.runtime.google import services
from dtwin_gui.runtime.google.indexes import ASCENDING, DESCENDING, FIRESTORE_INDEXES
from dtwin_gui.runtime.google.indexes_check import (
    MissingIndex,
    QueryShape,
    needs_composite,
    serving_index,
)
from dtwin_gui.runtime.google.stores import FirestoreHotStore


class _Config:
    def __init__(self) -> None:
        self.devices = {"a": {"temperature": "double"}, "b": {"temperature": "double"}}


class _Sink:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put(self, key: str, data: bytes) -> None:
        self.objects[key] = data


def test_every_query_the_store_makes_has_an_index(google_env, unique):
    from datetime import UTC, datetime

    store = FirestoreHotStore(services.firestore_client(google_env), f"idx-{unique}")
    for device in ("a", "b"):
        for day in range(1, 4):
            store.put({"device_id": device, "timestamp": f"2026-05-0{day}T01:00:00.000Z"})
    # What the functions do with the store: hot reader pages and latest, the mover.
    query(store, {"device_id": "a", "limit": "2"}, 500)
    query(store, {"device_id": "a", "start": "2026-05-01T00:00:00Z", "order": "desc"}, 500)
    answer(store, {"op": "latest", "device_ids": ["a", "b"]}, _Config(), 500)
    for newest_first in (False, True):
        for kwargs in (
            {},
            {"start": "x"},
            {"end": "y"},
            {"after": "z"},
            {"start": "x", "end": "y"},
        ):
            store.query("a", newest_first=newest_first, **kwargs)
    report = move_hot_to_cold(
        store, _Sink(), now=datetime(2026, 5, 10, tzinfo=UTC), hot_days=1, batch=2
    )
    assert report.records_moved == 6
    shapes = set(store.shapes)
    assert any(needs_composite(s) for s in shapes)
    for shape in shapes:
        serving_index(shape)  # raises MissingIndex when none serves it
    used = {serving_index(s) for s in shapes} - {None}
    assert used == set(FIRESTORE_INDEXES)  # and every declared index is needed


def test_the_check_refuses_a_query_without_an_index():
    shape = QueryShape(equals=("device_id",), ranges=(), order=(("temperature", ASCENDING),))
    with pytest.raises(MissingIndex):
        serving_index(shape)
    newest = QueryShape(("device_id",), ("timestamp",), (("timestamp", DESCENDING),))
    assert serving_index(newest).fields[1].order == DESCENDING
    assert serving_index(QueryShape((), ("timestamp",), (("timestamp", ASCENDING),))) is None
