"""The Firestore composite indexes the Google hot store's queries need (stdlib only).

Terraform declares exactly these (``google_firestore_index``, a test compares) and a test
checks every query runtime/google/firestore_store.py makes against them: the Firestore
emulator serves any query without asking for an index, real Firestore refuses one that has
no index.
"""

from __future__ import annotations

from typing import NamedTuple

ASCENDING = "ASCENDING"
DESCENDING = "DESCENDING"


class IndexField(NamedTuple):
    path: str
    order: str  # ASCENDING or DESCENDING


class FirestoreIndex(NamedTuple):
    #: ``None`` = the hot collection (env DTWIN_HOT_STORE); query scope COLLECTION
    collection: str | None
    fields: tuple[IndexField, ...]
    query_scope: str = "COLLECTION"


#: Queries of the hot store (collection DTWIN_HOT_STORE), see firestore_store.py:
#: - one device, timestamp range, newest first (hot reader) -> device_id ASC, timestamp DESC
#: - one device, timestamp range, oldest first (hot reader) -> device_id ASC, timestamp ASC
#:   (an equality filter plus a range/order on another field needs a composite index, one
#:   per sort direction)
#: - any device older than a cutoff (hot-to-cold mover): a range + order on ``timestamp``
#:   alone, served by Firestore's automatic single-field index (the store orders that batch
#:   by (device_id, timestamp) in memory).
FIRESTORE_INDEXES: tuple[FirestoreIndex, ...] = (
    FirestoreIndex(None, (IndexField("device_id", ASCENDING), IndexField("timestamp", DESCENDING))),
    FirestoreIndex(None, (IndexField("device_id", ASCENDING), IndexField("timestamp", ASCENDING))),
)

#: Field whose value Firestore's TTL policy expires documents by (DTWIN_HOT_TTL_DAYS).
TTL_FIELD = "expire_at"
