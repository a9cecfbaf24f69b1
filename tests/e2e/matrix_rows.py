"""The provider choices the matrix proves (issue 16): the listed rows, plus a generated set so
that every crossing boundary is taken at least once from every cloud that can send it to every
cloud that can receive it.

A row is the cloud of each slot in the order of ``SLOTS`` (L1, L2, L3 hot, L3 cold, L3
archive, L4, L5), written ``"aws"``, ``"azure"``, ``"google"`` or ``"none"``.
"""

from __future__ import annotations

from itertools import product

import pytest

from dtwin_gui.core.providers import SLOTS, Slot

A, Z, G, N = "aws", "azure", "google", "none"

#: The rows the issue lists, in its order.
LISTED: tuple[tuple[str, ...], ...] = (
    (A, A, A, A, A, A, A),
    (Z, Z, Z, Z, Z, Z, Z),
    (A, Z, Z, Z, Z, Z, Z),
    (Z, A, A, A, A, A, A),
    (A, A, Z, Z, Z, Z, Z),
    (Z, Z, A, A, A, A, A),
    (A, A, A, Z, Z, Z, Z),
    (A, A, A, A, Z, Z, Z),
    (Z, A, Z, A, Z, A, Z),
    (G, G, G, G, G, N, N),
    (G, A, Z, G, A, Z, A),
)

#: Which clouds can host each slot (L4/L5: no managed twin service or Grafana on Google).
HOSTS: dict[Slot, tuple[str, ...]] = {
    **{s: (A, Z, G) for s in SLOTS[:5]},
    Slot.L4: (A, Z),
    Slot.L5: (A, Z),
}

#: The boundaries data crosses, sender slot -> receiver slot (DESIGN.md's glue hops).
BOUNDARIES: tuple[tuple[Slot, Slot], ...] = (
    (Slot.L1, Slot.L2),  # telemetry to the processors
    (Slot.L2, Slot.L3_HOT),  # the persister to the hot store
    (Slot.L3_HOT, Slot.L3_COLD),  # hot-to-cold chunks
    (Slot.L3_COLD, Slot.L3_ARCHIVE),  # cold-to-archive objects
    (Slot.L4, Slot.L3_HOT),  # the twin model reads the hot store
    (Slot.L5, Slot.L3_HOT),  # the dashboards read the hot store
    (Slot.L2, Slot.L4),  # twin updates
)
_INDEX = {slot: i for i, slot in enumerate(SLOTS)}


def crossings(row: tuple[str, ...]) -> set[tuple[Slot, str, str]]:
    """The (sender slot, receiver slot, sender cloud, receiver cloud) of every boundary
    ``row`` crosses (its two slots on different clouds)."""
    out = set()
    for sender, receiver in BOUNDARIES:
        a, b = row[_INDEX[sender]], row[_INDEX[receiver]]
        if N not in (a, b) and a != b:
            out.add((sender, receiver, a, b))
    return out


def every_crossing() -> set[tuple]:
    """Every (sender slot, receiver slot, sender cloud, receiver cloud) a twin can cross."""
    return {(s, r, a, b) for s, r in BOUNDARIES for a in HOSTS[s] for b in HOSTS[r] if a != b}


def pairwise(start: tuple[tuple[str, ...], ...] = LISTED) -> tuple[tuple[str, ...], ...]:
    """Rows added to ``start`` until every crossing is covered: each time the deployable row
    that covers the most crossings not yet covered (the first such in a fixed order)."""
    missing = every_crossing() - set().union(*(crossings(r) for r in start))
    candidates = list(product(*(HOSTS[s] for s in SLOTS)))
    added: list[tuple[str, ...]] = []
    while missing:
        best = max(candidates, key=lambda r: len(crossings(r) & missing))
        gain = crossings(best) & missing
        if not gain:  # cannot happen: every crossing is some row's
            raise AssertionError(f"no row covers {sorted(missing)}")
        added.append(best)
        missing -= gain
    return tuple(added)


GENERATED = pairwise()
ROWS = LISTED + GENERATED


def row_id(row: tuple[str, ...]) -> str:
    short = {A: "aws", Z: "az", G: "gcp", N: "none"}
    return "-".join(short[c] for c in row)


#: The marks of every matrix test file (the sandbox's Azure gateway's certificate is its own).
MARKS = [
    pytest.mark.slow,
    pytest.mark.e2e,
    pytest.mark.matrix,
    pytest.mark.filterwarnings(
        "ignore:Unverified HTTPS request:urllib3.exceptions.InsecureRequestWarning"
    ),
]
