"""The dated price table: what each metered unit of each service costs, and where that
figure came from.

The table shipped with the app is ``dtwin_gui/cost/prices.json``; a table refreshed online
(:mod:`dtwin_gui.cost.refresh`) is saved in the user's config folder and used instead while
it is at least as new as the shipped one. Qt-free, no cloud SDK.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

from dtwin_gui.core.fsutil import atomic_write_json

SHIPPED = "prices.json"
#: The refreshed table, in the user's config folder (:func:`dtwin_gui.settings.config_dir`).
REFRESHED = "prices.json"
SCHEMA = 1

#: The units a price may be given in, and how a quantity in it is written.
UNITS: dict[str, str] = {
    "M": "per million",
    "GB": "per GB",
    "GB-month": "per GB-month",
    "GB-second": "per GB-second",
    "vCPU-second": "per vCPU-second",
    "TiB": "per TiB",
    "month": "per month",
    "hour": "per hour",
}
#: How many of the metered thing one unit stands for (1 for the others).
UNIT_SIZE: dict[str, float] = {"M": 1e6}
NOT_CONFIRMED = "not confirmed"


class PriceTableError(ValueError):
    """A price table file that cannot be used; the message says which file and entry."""


@dataclass(frozen=True)
class Price:
    """One figure: ``price`` USD per ``unit`` of ``counts``, read from ``source``."""

    key: str
    cloud: str
    service: str
    item: str
    price: float
    unit: str
    counts: str
    source: str
    as_of: str
    note: str = ""
    confirmed: bool = True
    page_date: str = ""
    #: How to find the figure in each cloud's price endpoint (see :mod:`~.refresh`).
    refresh: dict = field(default_factory=dict, compare=False)

    @property
    def label(self) -> str:
        """``Lambda requests`` — the service and what it counts."""
        return f"{self.service} {self.counts}"

    def text(self) -> str:
        """``$0.20/M``, ``$0.0125/GB-month``, ``$9.00/month``."""
        return f"{usd(self.price, exact=True)}/{self.unit}"

    def to_json(self) -> dict:
        out = {
            "cloud": self.cloud,
            "service": self.service,
            "item": self.item,
            "price": self.price,
            "unit": self.unit,
            "counts": self.counts,
            "source": self.source,
            "as_of": self.as_of,
        }
        if self.page_date:
            out["page_date"] = self.page_date
        if self.note:
            out["note"] = self.note
        out["confirmed"] = self.confirmed
        if self.refresh:
            out["refresh"] = self.refresh
        return out


@dataclass(frozen=True)
class PriceTable:
    """Every figure, keyed like ``aws.lambda.requests``; ``date`` is when it was compiled
    (or refreshed), ``regions`` the one region per cloud the figures are for."""

    date: str
    regions: dict[str, str]
    prices: dict[str, Price]
    currency: str = "USD"
    about: str = ""
    #: Where the table was read from ("" for one built in memory).
    path: str = ""

    def __getitem__(self, key: str) -> Price:
        try:
            return self.prices[key]
        except KeyError:
            raise KeyError(f"the price table has no figure {key!r}") from None

    def region_text(self) -> str:
        """``AWS us-east-1, Azure eastus, Google Cloud us-central1``."""
        titles = {"aws": "AWS", "azure": "Azure", "google": "Google Cloud"}
        return ", ".join(f"{titles.get(c, c)} {r}" for c, r in self.regions.items())

    @property
    def unconfirmed(self) -> list[Price]:
        return [p for p in self.prices.values() if not p.confirmed]

    def with_prices(self, prices: dict[str, Price], *, date: str) -> PriceTable:
        return replace(self, prices=prices, date=date, path="")

    def to_json(self) -> dict:
        return {
            "schema": SCHEMA,
            "date": self.date,
            "currency": self.currency,
            "regions": dict(self.regions),
            "about": self.about,
            "prices": {k: p.to_json() for k, p in self.prices.items()},
        }


def usd(amount: float, *, exact: bool = False) -> str:
    """Dollars for people: ``$1,234.56``, ``$0.52``; below a cent ``$0.0042``. ``exact``
    keeps every significant digit of a unit price (``$0.0000166667``)."""
    if exact:
        text = f"{amount:.10f}".rstrip("0")
        whole, _, frac = text.partition(".")
        frac = frac.ljust(2, "0")
        return f"${int(whole):,}.{frac}"
    if amount == 0:
        return "$0.00"
    if abs(amount) < 0.000001:
        return "$0.000001" if amount > 0 else "$0.00"  # never "$0.00" for something billed
    if abs(amount) < 0.01:
        digits = f"{amount:.2e}"  # two significant figures, written without an exponent
        return "$" + f"{float(digits):.8f}".rstrip("0")
    return f"${amount:,.2f}"


def _entry(key: str, raw: object, where: str) -> Price:
    if not isinstance(raw, dict):
        raise PriceTableError(f"{where}: prices.{key} must be an object")

    def text(name: str, required: bool = True) -> str:
        value = raw.get(name, "")
        if not isinstance(value, str) or (required and not value):
            raise PriceTableError(f"{where}: prices.{key}.{name} must be a non-empty string")
        return value

    price = raw.get("price")
    if isinstance(price, bool) or not isinstance(price, int | float) or not math.isfinite(price):
        raise PriceTableError(f"{where}: prices.{key}.price must be a number")
    if price < 0:
        raise PriceTableError(f"{where}: prices.{key}.price must not be negative")
    unit = text("unit")
    if unit not in UNITS:
        raise PriceTableError(
            f"{where}: prices.{key}.unit {unit!r} is not one of {', '.join(UNITS)}"
        )
    note = text("note", required=False)
    confirmed = raw.get("confirmed", not note.startswith(NOT_CONFIRMED))
    refresh = raw.get("refresh", {})
    return Price(
        key=key,
        cloud=text("cloud"),
        service=text("service"),
        item=text("item"),
        price=float(price),
        unit=unit,
        counts=text("counts"),
        source=text("source"),
        as_of=text("as_of"),
        note=note,
        confirmed=bool(confirmed),
        page_date=text("page_date", required=False),
        refresh=refresh if isinstance(refresh, dict) else {},
    )


def parse_table(data: object, where: str = "price table") -> PriceTable:
    """A :class:`PriceTable` from its JSON form, or :class:`PriceTableError`."""
    if not isinstance(data, dict):
        raise PriceTableError(f"{where}: the table must be a JSON object")
    if data.get("schema") != SCHEMA:
        raise PriceTableError(f"{where}: schema must be {SCHEMA}")
    date, regions, prices = data.get("date"), data.get("regions"), data.get("prices")
    if not isinstance(date, str) or len(date) != 10:
        raise PriceTableError(f"{where}: date must be YYYY-MM-DD")
    if not isinstance(regions, dict) or not all(isinstance(v, str) for v in regions.values()):
        raise PriceTableError(f"{where}: regions must map each cloud to its region")
    if not isinstance(prices, dict) or not prices:
        raise PriceTableError(f"{where}: prices must be a non-empty object")
    return PriceTable(
        date=date,
        regions=dict(regions),
        prices={k: _entry(k, v, where) for k, v in prices.items()},
        currency=str(data.get("currency", "USD")),
        about=str(data.get("about", "")),
        path=where,
    )


def read_table(path: Path) -> PriceTable:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PriceTableError(f"{path}: cannot read the price table ({exc})") from exc
    return parse_table(data, str(path))


def shipped_table() -> PriceTable:
    """The table that ships with this version of dtwin."""
    ref = resources.files("dtwin_gui.cost").joinpath(SHIPPED)
    data = json.loads(ref.read_text(encoding="utf-8"))
    return parse_table(data, f"dtwin_gui/cost/{SHIPPED}")


def refreshed_path() -> Path:
    """Where a refreshed table is kept (the user's config folder, never the project)."""
    from dtwin_gui.settings import config_dir

    return config_dir() / REFRESHED


def load_table() -> PriceTable:
    """The refreshed table when there is a usable one at least as new as the shipped one,
    else the shipped table."""
    shipped = shipped_table()
    path = refreshed_path()
    if path.is_file():
        try:
            refreshed = read_table(path)
        except PriceTableError:
            return shipped  # a damaged copy never hides the shipped figures
        if refreshed.date >= shipped.date and set(shipped.prices) <= set(refreshed.prices):
            return refreshed
    return shipped


def save_refreshed(table: PriceTable) -> Path:
    """Keep a refreshed ``table`` for later runs; returns where."""
    path = refreshed_path()
    atomic_write_json(path, table.to_json())
    return path
