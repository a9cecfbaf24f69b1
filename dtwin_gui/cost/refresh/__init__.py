"""Refresh the price table from the clouds' public price endpoints (online, optional).

* AWS: the Price List bulk offer files
  (``https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/<offer>/current/<region>/index.json``);
* Azure: the Retail Prices API (``https://prices.azure.com/api/retail/prices?$filter=...``);
* Google: the Cloud Billing Catalog (``cloudbilling.googleapis.com/v1/services/<id>/skus``),
  which needs an API key: without one Google's figures are kept and the result says so.

Each figure's ``refresh`` entry in ``prices.json`` says where to find it. A figure not found
keeps its value and is listed; nothing is written here (the caller saves the new table with
:func:`dtwin_gui.cost.table.save_refreshed`). ``fetch`` is injectable: tests hand saved
responses, no test touches the network.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from dtwin_gui.cost.table import Price, PriceTable, usd

Fetch = Callable[[str], object]
TIMEOUT_S = 60
CLOUD_TITLES = {"aws": "AWS", "azure": "Azure", "google": "Google Cloud"}
GOOGLE_NEEDS_KEY = (
    "Google's Cloud Billing Catalog needs an API key (give one to refresh Google's prices)"
)


class RefreshError(RuntimeError):
    """A price endpoint could not be read (offline, refused, not JSON)."""


def fetch_json(url: str) -> object:
    """GET ``url`` and decode its JSON body (stdlib only; no credentials are sent)."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        raise RefreshError(f"{_public(url)} answered HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RefreshError(f"cannot reach {_public(url).split('/')[2]}: {reason}") from exc
    except ValueError as exc:
        raise RefreshError(f"{_public(url)} did not answer JSON") from exc


def _public(url: str) -> str:
    """``url`` without its API key (never shown, logged or saved)."""
    head, _, query = url.partition("?")
    kept = [p for p in query.split("&") if p and not p.startswith("key=")]
    return head + ("?" + "&".join(kept) if kept else "")


@dataclass(frozen=True)
class Found:
    """A figure read from an endpoint: USD per the table entry's unit, and where."""

    price: float
    source: str


@dataclass(frozen=True)
class PriceChange:
    old: Price
    new: Price

    def text(self) -> str:
        """``Lambda requests: $0.20 → $0.22 per M``."""
        return (
            f"{self.old.label}: {usd(self.old.price, exact=True)} → "
            f"{usd(self.new.price, exact=True)} per {self.old.unit}"
        )


@dataclass
class RefreshResult:
    """The refreshed table and what happened to each figure."""

    table: PriceTable
    changes: list[PriceChange] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    #: key -> why the figure was kept (not found, unit not understood...).
    missing: dict[str, str] = field(default_factory=dict)
    #: cloud -> why it was not asked (no API key).
    skipped: dict[str, str] = field(default_factory=dict)
    #: cloud -> the error that stopped its refresh (offline...).
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def refreshed(self) -> int:
        return len(self.changes) + len(self.unchanged)

    def summary(self) -> str:
        """One paragraph for the page and the CLI."""
        if not self.refreshed:
            reasons = {**self.errors, **self.skipped}
            why = "; ".join(f"{CLOUD_TITLES[c]}: {e}" for c, e in reasons.items())
            return (
                f"No price could be refreshed ({why or 'nothing matched'}); still using the "
                f"table of {self.table.date}."
            )
        parts = [
            f"Refreshed {self.refreshed} price(s) on {self.table.date}: "
            + (f"{len(self.changes)} changed" if self.changes else "none changed")
        ]
        parts += [f"{CLOUD_TITLES[c]} not refreshed: {e}" for c, e in self.errors.items()]
        parts += [f"{CLOUD_TITLES[c]} not refreshed: {why}" for c, why in self.skipped.items()]
        if self.missing:
            parts.append(f"{len(self.missing)} figure(s) not found, kept as they were")
        return "; ".join(parts) + "."

    def to_json(self) -> dict:
        return {
            "date": self.table.date,
            "changes": [
                {"key": c.old.key, "text": c.text(), "old": c.old.price, "new": c.new.price}
                for c in self.changes
            ],
            "unchanged": self.unchanged,
            "missing": self.missing,
            "skipped": self.skipped,
            "errors": self.errors,
        }


def refresh_prices(
    table: PriceTable,
    *,
    fetch: Fetch = fetch_json,
    google_api_key: str | None = None,
    clouds: tuple[str, ...] = ("aws", "azure", "google"),
    today: str | None = None,
) -> RefreshResult:
    """Ask each cloud's endpoint for every figure of ``table`` it has a ``refresh`` entry
    for; returns the new table (dated ``today``) and what changed."""
    from dtwin_gui.cost.refresh import aws, azure, google

    today = today or datetime.now(UTC).strftime("%Y-%m-%d")
    readers = {
        "aws": lambda entries: aws.find(entries, table.regions.get("aws", "us-east-1"), fetch),
        "azure": lambda entries: azure.find(entries, fetch),
        "google": lambda entries: google.find(entries, google_api_key or "", fetch),
    }
    result = RefreshResult(table)
    prices = dict(table.prices)
    for cloud in clouds:
        entries = {k: p for k, p in table.prices.items() if cloud in p.refresh}
        if not entries:
            continue
        if cloud == "google" and not google_api_key:
            result.skipped[cloud] = GOOGLE_NEEDS_KEY
            continue
        try:
            found, missing = readers[cloud](entries)
        except RefreshError as exc:
            result.errors[cloud] = str(exc)
            continue
        result.missing.update(missing)
        for key, hit in found.items():
            old = table.prices[key]
            new = replace(
                old,
                price=hit.price,
                source=hit.source,
                as_of=today,
                note=f"refreshed from {CLOUD_TITLES[cloud]}'s price endpoint on {today}",
                confirmed=True,
                page_date="",
            )
            prices[key] = new
            if abs(new.price - old.price) > 1e-12 * max(abs(old.price), 1.0):
                result.changes.append(PriceChange(old, new))
            else:
                result.unchanged.append(key)
    if result.refreshed:
        result.table = table.with_prices(prices, date=today)
    return result
