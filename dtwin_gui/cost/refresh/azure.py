"""The Azure Retail Prices API: ``GET https://prices.azure.com/api/retail/prices?$filter=``.

The documented answer: ``{"BillingCurrency": "USD", "Items": [{"retailPrice", "unitPrice",
"unitOfMeasure", "tierMinimumUnits", "meterName", "skuName", "productName", "serviceName",
"armRegionName", "type", ...}], "NextPageLink": url or null, "Count": n}``. A figure's
``refresh.azure`` entry gives the OData filter (one request per distinct filter) and the
fields an item must have.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from dtwin_gui.cost.refresh.matching import first_paid, per_unit, quantity_of
from dtwin_gui.cost.table import Price

API = "https://prices.azure.com/api/retail/prices"
#: Pages followed per filter (each holds up to 1,000 items).
MAX_PAGES = 20


def query_url(odata_filter: str) -> str:
    return f"{API}?currencyCode='USD'&$filter={quote(odata_filter)}"


def items_of(fetch: Callable[[str], object], url: str) -> list[dict]:
    """Every item of a query, following ``NextPageLink``."""
    items: list[dict] = []
    for _ in range(MAX_PAGES):
        page = fetch(url)
        if not isinstance(page, dict):
            break
        items += [i for i in page.get("Items") or [] if isinstance(i, dict)]
        url = page.get("NextPageLink") or ""
        if not url:
            break
    return items


def price_in_items(items: list[dict], match: dict) -> float | None:
    """USD per single thing of the first-paid tier of the consumption meter matching
    ``match``, or None."""
    tiers = []
    for item in items:
        if item.get("type", "Consumption") != "Consumption":
            continue  # reservations, savings plans
        if not all(item.get(name) == value for name, value in match.items()):
            continue
        try:
            price = float(item["retailPrice"]) / quantity_of(str(item.get("unitOfMeasure", "1")))
            start = float(item.get("tierMinimumUnits", 0) or 0)
        except (KeyError, TypeError, ValueError, ZeroDivisionError):
            continue
        tiers.append((start, price))
    return first_paid(tiers)


def find(entries: dict[str, Price], fetch: Callable[[str], object]):
    """``({key: Found}, {key: why not})`` for the Azure figures among ``entries``."""
    from dtwin_gui.cost.refresh import Found

    found, missing, answers = {}, {}, {}
    for key, price in entries.items():
        spec = price.refresh["azure"]
        url = query_url(spec["filter"])
        if url not in answers:
            answers[url] = items_of(fetch, url)
        value = price_in_items(answers[url], spec.get("match", {}))
        if value is None:
            missing[key] = f"no retail price matches {spec.get('match')} for {spec['filter']!r}"
        else:
            found[key] = Found(per_unit(value, price.unit), url)
    return found, missing
