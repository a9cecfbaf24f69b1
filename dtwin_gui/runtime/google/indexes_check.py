"""Which declared Firestore index serves a query (stdlib only).

Real Firestore serves an equality filter plus a range/order on another field only from a
composite index; a range/order on one field alone comes from its automatic single-field
index. The emulator serves every query, so a test runs the hot store's queries through
:func:`serving_index` against :data:`indexes.FIRESTORE_INDEXES`.
"""

from __future__ import annotations

from dataclasses import dataclass

from dtwin_gui.runtime.google.indexes import FIRESTORE_INDEXES, FirestoreIndex


@dataclass(frozen=True)
class QueryShape:
    """What a query filters and orders on (the hot store records each one it makes)."""

    #: fields filtered with ==
    equals: tuple[str, ...]
    #: fields filtered with <, <=, >, >=
    ranges: tuple[str, ...]
    #: (field, "ASCENDING" | "DESCENDING") in order
    order: tuple[tuple[str, str], ...]


class MissingIndex(LookupError):
    """Real Firestore would refuse the query: no declared index serves it."""


def needs_composite(shape: QueryShape) -> bool:
    fields = {*shape.ranges, *(f for f, _ in shape.order)} - set(shape.equals)
    return bool(shape.equals and fields) or len(fields) > 1


def serving_index(
    shape: QueryShape, indexes: tuple[FirestoreIndex, ...] = FIRESTORE_INDEXES
) -> FirestoreIndex | None:
    """The declared index that serves ``shape`` (None when a single-field index does);
    raises :class:`MissingIndex` when none does."""
    if not needs_composite(shape):
        return None
    for index in indexes:
        paths = [f.path for f in index.fields]
        head = paths[: len(shape.equals)]
        tail = [(f.path, f.order) for f in index.fields[len(shape.equals) :]]
        covered = set(shape.ranges) <= {p for p, _ in tail}
        if sorted(head) == sorted(shape.equals) and tail == list(shape.order) and covered:
            return index
    raise MissingIndex(f"no declared Firestore index serves {shape}")
