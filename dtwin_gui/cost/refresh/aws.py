"""AWS Price List bulk offer files: one JSON file per service and region.

The documented shape: ``products`` maps a SKU to ``{sku, productFamily, attributes:
{usagetype, ...}}``; ``terms.OnDemand`` maps the SKU to its offer terms, each with
``priceDimensions`` ``{beginRange, endRange, unit, pricePerUnit: {"USD": "0.0000002000"}}``.
A figure's ``refresh.aws`` entry names the offer and the product attributes to match.
"""

from __future__ import annotations

from collections.abc import Callable

from dtwin_gui.cost.refresh.matching import first_paid, matches, per_unit
from dtwin_gui.cost.table import Price

OFFER_URL = (
    "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/{offer}/current/{region}/index.json"
)


def offer_url(offer: str, region: str) -> str:
    return OFFER_URL.format(offer=offer, region=region)


def price_in_offer(offer: object, attributes: dict) -> float | None:
    """USD per single unit of the first-paid tier of the product matching ``attributes``
    (the first SKU in sorted order when several match), or None."""
    if not isinstance(offer, dict):
        return None
    products = offer.get("products") or {}
    terms = (offer.get("terms") or {}).get("OnDemand") or {}
    for sku in sorted(products):
        product = products[sku]
        if not isinstance(product, dict):
            continue
        fields = {
            **(product.get("attributes") or {}),
            "productFamily": product.get("productFamily"),
        }
        if not all(matches(fields.get(name), wanted) for name, wanted in attributes.items()):
            continue
        tiers = []
        for term in (terms.get(sku) or {}).values():
            for dim in (term.get("priceDimensions") or {}).values():
                try:
                    price = float(dim["pricePerUnit"]["USD"])
                    start = float(dim.get("beginRange", 0) or 0)
                except (KeyError, TypeError, ValueError):
                    continue
                tiers.append((start, price))
        found = first_paid(tiers)
        if found is not None:
            return found
    return None


def find(entries: dict[str, Price], region: str, fetch: Callable[[str], object]):
    """``({key: Found}, {key: why not})`` for the AWS figures among ``entries``."""
    from dtwin_gui.cost.refresh import Found

    found, missing, offers = {}, {}, {}
    for key, price in entries.items():
        spec = price.refresh["aws"]
        url = offer_url(spec["offer"], region)
        if url not in offers:
            offers[url] = fetch(url)  # RefreshError stops AWS's refresh: offline
        value = price_in_offer(offers[url], spec.get("attributes", {}))
        if value is None:
            missing[key] = f"no product of {spec['offer']} matches {spec.get('attributes')}"
        else:
            found[key] = Found(per_unit(value, price.unit), url)
    return found, missing
