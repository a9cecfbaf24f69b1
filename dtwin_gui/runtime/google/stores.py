"""Firestore hot store and GCS object stores (the HotStore / ObjectStore ports on Google).

Hot records are documents of the hot collection with a deterministic id from device_id and
timestamp, so a put is idempotent; each carries ``expire_at`` for the TTL policy. Cold and
archive objects are written with their bucket's target storage class on upload (no
emulator changes the class of an existing object, and a rewrite is cheaper to reason
about). Every query the hot store makes is recorded as a :class:`QueryShape` (``shapes``)
so a test can prove a declared index serves it.
"""

from __future__ import annotations

import contextlib
import urllib.parse
from datetime import timedelta

from dtwin_gui.runtime.core.ports import ObjectInfo
from dtwin_gui.runtime.core.records import parse_timestamp
from dtwin_gui.runtime.google.indexes import ASCENDING, DESCENDING, TTL_FIELD
from dtwin_gui.runtime.google.indexes_check import QueryShape

COLD_CLASS = "NEARLINE"
ARCHIVE_CLASS = "ARCHIVE"
#: Document fields that are not part of the record.
_SYSTEM = frozenset({TTL_FIELD})


def document_id(device_id: str, timestamp: str) -> str:
    """``<device_id>|<timestamp>``, each percent-escaped (no ``/``, never ``.``/``..``)."""
    return f"{urllib.parse.quote(device_id, safe='')}|{urllib.parse.quote(timestamp, safe=':')}"


class FirestoreHotStore:
    """Hot records in one Firestore collection (fields ``device_id``, ``timestamp``, ...)."""

    def __init__(self, client, collection: str, *, ttl_days: int | None = None) -> None:
        self.client = client
        self.collection = client.collection(collection)
        self.ttl_days = ttl_days
        self.shapes: list[QueryShape] = []

    def put(self, record: dict) -> None:
        fields = {k: v for k, v in record.items() if v is not None}
        if self.ttl_days:
            moment = parse_timestamp(record["timestamp"])
            fields[TTL_FIELD] = moment + timedelta(days=self.ttl_days)
        doc = document_id(record["device_id"], record["timestamp"])
        self.collection.document(doc).set(fields)

    @staticmethod
    def _record(snapshot) -> dict:
        return {k: v for k, v in (snapshot.to_dict() or {}).items() if k not in _SYSTEM}

    def _run(self, query, shape: QueryShape, limit: int) -> list[dict]:
        self.shapes.append(shape)
        return [self._record(s) for s in query.limit(max(1, limit)).stream()]

    def query(self, device_id, *, start=None, end=None, limit=100, newest_first=False, after=None):
        from google.cloud.firestore import Query
        from google.cloud.firestore_v1.base_query import FieldFilter

        q = self.collection.where(filter=FieldFilter("device_id", "==", device_id))
        ranges = []
        if start is not None:
            q = q.where(filter=FieldFilter("timestamp", ">=", start))
            ranges.append("timestamp")
        if end is not None:
            q = q.where(filter=FieldFilter("timestamp", "<=", end))
            ranges.append("timestamp")
        if after is not None:
            q = q.where(filter=FieldFilter("timestamp", "<" if newest_first else ">", after))
            ranges.append("timestamp")
        direction = Query.DESCENDING if newest_first else Query.ASCENDING
        q = q.order_by("timestamp", direction=direction)
        shape = QueryShape(
            equals=("device_id",),
            ranges=tuple(sorted(set(ranges))),
            order=(("timestamp", DESCENDING if newest_first else ASCENDING),),
        )
        return self._run(q, shape, limit)

    def older_than(self, cutoff: str, *, limit: int) -> list[dict]:
        """The ``limit`` oldest records before ``cutoff`` (single-field index on timestamp),
        ordered by (device_id, timestamp)."""
        from google.cloud.firestore import Query
        from google.cloud.firestore_v1.base_query import FieldFilter

        q = self.collection.where(filter=FieldFilter("timestamp", "<", cutoff))
        q = q.order_by("timestamp", direction=Query.ASCENDING)
        shape = QueryShape(equals=(), ranges=("timestamp",), order=(("timestamp", ASCENDING),))
        items = self._run(q, shape, limit)
        return sorted(items, key=lambda r: (r["device_id"], r["timestamp"]))

    def delete(self, keys: list[tuple[str, str]]) -> None:
        # Deleting a missing document succeeds in Firestore: missing keys are ignored.
        for start in range(0, len(keys), 400):
            batch = self.client.batch()
            for device_id, timestamp in keys[start : start + 400]:
                batch.delete(self.collection.document(document_id(device_id, timestamp)))
            batch.commit()


class GcsObjectStore:
    """JSON Lines objects in a GCS bucket, written in the store's storage class."""

    def __init__(self, client, bucket: str, *, storage_class: str = COLD_CLASS) -> None:
        self.client = client
        self.bucket = client.bucket(bucket)
        self.storage_class = storage_class

    def put(self, key: str, data: bytes) -> None:
        blob = self.bucket.blob(key)
        blob.storage_class = self.storage_class
        if key.endswith(".gz"):
            blob.content_encoding = "gzip"
        blob.upload_from_string(data, content_type="application/x-ndjson")

    def get(self, key: str) -> bytes:
        return self.bucket.blob(key).download_as_bytes(raw_download=True)

    def exists(self, key: str) -> bool:
        return self.bucket.blob(key).exists()

    def storage_class_of(self, key: str) -> str | None:
        blob = self.bucket.get_blob(key)
        return blob.storage_class if blob is not None else None

    def list(self, prefix: str = "") -> list[ObjectInfo]:
        blobs = self.client.list_blobs(self.bucket, prefix=prefix or None)
        return sorted((ObjectInfo(b.name, int(b.size or 0)) for b in blobs), key=lambda o: o.key)

    def delete(self, key: str) -> None:
        from google.api_core.exceptions import NotFound

        with contextlib.suppress(NotFound):
            self.bucket.blob(key).delete()
