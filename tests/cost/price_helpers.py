"""Price tables for the cost tests: the shipped one, or one with figures set by the test (so
hand-computed examples do not change when the shipped table is refreshed)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from dtwin_gui.cost.refresh import RefreshError
from dtwin_gui.cost.refresh.aws import offer_url
from dtwin_gui.cost.refresh.azure import query_url
from dtwin_gui.cost.table import PriceTable, shipped_table

DATA = Path(__file__).with_name("data")
FUNCTIONS = "serviceName eq 'Functions' and armRegionName eq 'eastus'"
KEY = "secret-test-key-123"


def table_with(**prices: float) -> PriceTable:
    """The shipped table with ``key=price`` overrides (keys with ``__`` for ``.``)."""
    table = shipped_table()
    figures = dict(table.prices)
    for name, value in prices.items():
        key = name.replace("__", ".")
        figures[key] = replace(figures[key], price=value)
    return table.with_prices(figures, date=table.date)


def every_price(value: float) -> PriceTable:
    """The shipped table with every figure at ``value``."""
    table = shipped_table()
    return table.with_prices(
        {k: replace(p, price=value) for k, p in table.prices.items()}, date=table.date
    )


def data(name: str) -> object:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


class FakeEndpoints:
    """Answers the refresh's GETs from the saved responses; records the URLs asked."""

    def __init__(self, *, offline: set[str] = frozenset()):
        self.urls: list[str] = []
        self.offline = offline

    def __call__(self, url: str) -> object:
        self.urls.append(url)
        host = url.split("/")[2]
        if host in self.offline:
            raise RefreshError(f"cannot reach {host}: [Errno -3] Temporary failure")
        if url == offer_url("AWSLambda", "us-east-1"):
            return data("aws_lambda_offer.json")
        if host.startswith("pricing.us-east-1"):
            return {"formatVersion": "v1.0", "products": {}, "terms": {"OnDemand": {}}}
        if url == query_url(FUNCTIONS):
            return data("azure_functions_page1.json")
        if "$skip=4" in url:
            return data("azure_functions_page2.json")
        if host == "prices.azure.com":
            return {"Items": [], "NextPageLink": None, "Count": 0}
        if "/services/95FF-2EF5-5EA1/skus" in url:
            page = "page2" if "pageToken=page-2" in url else "page1"
            return data(f"google_storage_skus_{page}.json")
        if host == "cloudbilling.googleapis.com":
            return {"skus": [], "nextPageToken": ""}
        raise AssertionError(f"unexpected URL {url}")
