"""Google's Cloud Billing Catalog: ``GET cloudbilling.googleapis.com/v1/services/<id>/skus``
(an API key is required; it is sent as ``key=`` and never shown, logged or saved).

The documented answer: ``{"skus": [{"skuId", "description", "category": {"usageType"},
"serviceRegions": [...], "pricingInfo": [{"pricingExpression": {"usageUnit", "tieredRates":
[{"startUsageAmount", "unitPrice": {"currencyCode", "units", "nanos"}}]}}]}],
"nextPageToken": ""}``. A figure's ``refresh.google`` entry gives the service id, a text the
SKU description contains and the region.
"""

from __future__ import annotations

from collections.abc import Callable

from dtwin_gui.cost.refresh.matching import first_paid
from dtwin_gui.cost.table import Price

SKUS_URL = "https://cloudbilling.googleapis.com/v1/services/{service}/skus"
MAX_PAGES = 20
#: (the catalog's usage unit, the table's unit) -> how many usage units one table unit is.
UNIT_FACTORS: dict[tuple[str, str], float] = {
    ("count", "M"): 1e6,
    ("GiBy", "GB"): 1,
    ("TiBy", "GB"): 1 / 1024,
    ("TiBy", "TiB"): 1,
    ("GiBy", "TiB"): 1024,
    ("GiBy.mo", "GB-month"): 1,
    ("GiBy.d", "GB-month"): 30,
    ("GiBy.h", "GB-month"): 730,  # Google's month
    ("GiBy.s", "GB-second"): 1,
    ("s", "vCPU-second"): 1,
    ("h", "hour"): 1,
    ("mo", "month"): 1,
}


def skus_of(fetch: Callable[[str], object], service: str, api_key: str) -> tuple[list[dict], str]:
    """Every SKU of ``service`` and the (key-free) URL they came from."""
    base = SKUS_URL.format(service=service)
    skus: list[dict] = []
    token = ""
    for _ in range(MAX_PAGES):
        url = f"{base}?key={api_key}&pageSize=5000" + (f"&pageToken={token}" if token else "")
        page = fetch(url)
        if not isinstance(page, dict):
            break
        skus += [s for s in page.get("skus") or [] if isinstance(s, dict)]
        token = page.get("nextPageToken") or ""
        if not token:
            break
    return skus, base


def price_in_skus(skus: list[dict], description: str, region: str, unit: str) -> float | str:
    """USD per table ``unit`` of the first-paid tier of the SKU whose description contains
    ``description`` in ``region``; a string says why none was found."""
    wanted = description.lower()
    for sku in sorted(skus, key=lambda s: str(s.get("skuId", ""))):
        if wanted not in str(sku.get("description", "")).lower():
            continue
        regions = sku.get("serviceRegions") or []
        if region not in regions and "global" not in regions:
            continue
        if (sku.get("category") or {}).get("usageType", "OnDemand") != "OnDemand":
            continue
        for info in sku.get("pricingInfo") or []:
            expression = info.get("pricingExpression") or {}
            usage_unit = expression.get("usageUnit", "")
            factor = UNIT_FACTORS.get((usage_unit, unit))
            if factor is None:
                return f"unit {usage_unit!r} of {sku.get('description')!r} is not {unit}"
            tiers = []
            for rate in expression.get("tieredRates") or []:
                money = rate.get("unitPrice") or {}
                try:
                    price = float(money.get("units", 0) or 0) + float(money.get("nanos", 0)) / 1e9
                except (TypeError, ValueError):
                    continue
                tiers.append((float(rate.get("startUsageAmount", 0) or 0), price))
            found = first_paid(tiers)
            if found is not None:
                return found * factor
    return f"no SKU described {description!r} in {region}"


def find(entries: dict[str, Price], api_key: str, fetch: Callable[[str], object]):
    """``({key: Found}, {key: why not})`` for the Google figures among ``entries``."""
    from dtwin_gui.cost.refresh import Found

    found, missing, services = {}, {}, {}
    for key, price in entries.items():
        spec = price.refresh["google"]
        service = spec["service"]
        if service not in services:
            services[service] = skus_of(fetch, service, api_key)
        skus, url = services[service]
        value = price_in_skus(skus, spec["description"], spec.get("region", "global"), price.unit)
        if isinstance(value, str):
            missing[key] = value
        else:
            found[key] = Found(value, url)
    return found, missing
