"""Small helpers the endpoint readers share: tier choice and unit sizes."""

from __future__ import annotations

import fnmatch
import re

from dtwin_gui.cost.table import UNIT_SIZE


def matches(value: object, wanted: object) -> bool:
    """``value`` equals ``wanted`` (a string, ``*`` wildcards allowed) or one of a list."""
    options = wanted if isinstance(wanted, list) else [wanted]
    return isinstance(value, str) and any(
        fnmatch.fnmatchcase(value, str(option)) for option in options
    )


def first_paid(tiers: list[tuple[float, float]]) -> float | None:
    """The price of the lowest tier that costs something (list prices before free tiers):
    ``tiers`` are ``(tier start, price)``."""
    paid = sorted((start, price) for start, price in tiers if price > 0)
    return paid[0][1] if paid else None


def per_unit(price_per_one: float, unit: str) -> float:
    """A price per single metered thing as the table's unit (``M``: per million)."""
    return price_per_one * UNIT_SIZE.get(unit, 1)


_QUANTITY = re.compile(r"^\s*([0-9.]+)\s*([KkMm]?)\b")


def quantity_of(unit_of_measure: str) -> float:
    """How many things an Azure ``unitOfMeasure`` prices: ``10`` → 10, ``10K`` → 10,000,
    ``1M`` → 1,000,000, ``1 GB/Month`` → 1, ``100 Hours`` → 100 (1 when it names none)."""
    found = _QUANTITY.match(unit_of_measure or "")
    if not found:
        return 1.0
    number = float(found.group(1))
    scale = {"k": 1e3, "m": 1e6}.get(found.group(2).lower(), 1.0)
    return number * scale
