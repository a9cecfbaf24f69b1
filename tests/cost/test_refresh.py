"""Refreshing the price table from the clouds' price endpoints, against saved responses in
the documented shapes (tests/cost/data/); no test touches the network."""

from __future__ import annotations

import json

import pytest

from dtwin_gui.cost.refresh import refresh_prices
from dtwin_gui.cost.refresh.aws import offer_url, price_in_offer
from dtwin_gui.cost.refresh.azure import price_in_items
from dtwin_gui.cost.refresh.google import price_in_skus
from dtwin_gui.cost.refresh.matching import quantity_of

from .price_helpers import KEY, FakeEndpoints, data


def test_aws_offer_file_gives_the_first_paid_tier_of_the_matching_product():
    offer = data("aws_lambda_offer.json")
    assert price_in_offer(offer, {"usagetype": ["Request", "USE1-Request"]}) == 0.00000022
    # three tiers: the first (from 0 GB-s) is the list price; the Arm product is not matched
    assert price_in_offer(offer, {"usagetype": "Lambda-GB-Second"}) == 0.0000166667
    assert price_in_offer(offer, {"usagetype": "Lambda-GB-Second-ARM"}) == 0.0000133334
    assert price_in_offer(offer, {"usagetype": "*Nothing*"}) is None


def test_azure_retail_items_give_the_paid_consumption_tier_per_single_unit():
    items = (
        data("azure_functions_page1.json")["Items"] + data("azure_functions_page2.json")["Items"]
    )
    # $0.000002 per "10" executions from 100,000 units on (the free grant is tier 0);
    # the reservation item on page 2 is not a consumption price
    assert price_in_items(items, {"meterName": "Total Executions"}) == pytest.approx(2e-7)
    assert price_in_items(items, {"meterName": "Execution Time"}) == pytest.approx(0.000018)
    assert price_in_items(items, {"meterName": "Nothing"}) is None


@pytest.mark.parametrize(
    ("unit", "quantity"),
    [("10", 10), ("10K", 10_000), ("1M", 1e6), ("1 GB/Month", 1), ("100 Hours", 100),
     ("1/Month", 1), ("1 GB Second", 1), ("", 1)],
)  # fmt: skip
def test_azure_unit_of_measure(unit, quantity):
    assert quantity_of(unit) == quantity


def test_google_skus_give_the_regional_on_demand_price_in_the_table_unit():
    skus = (
        data("google_storage_skus_page1.json")["skus"]
        + data("google_storage_skus_page2.json")["skus"]
    )
    # 11,000,000 nanos = $0.011 per GiB-month; the Belgian SKU and the commitment are skipped
    assert price_in_skus(skus, "Nearline Storage US Central1", "us-central1", "GB-month") == (
        pytest.approx(0.011)
    )
    # 1,644 nanos per GiB-hour × 730 hours = $0.00120012 per GiB-month
    assert price_in_skus(skus, "Archive Storage US Central1", "us-central1", "GB-month") == (
        pytest.approx(0.00120012)
    )
    assert "not M" in price_in_skus(skus, "Archive Storage", "us-central1", "M")


def test_refresh_returns_a_new_table_and_what_changed(shipped):
    endpoints = FakeEndpoints()
    result = refresh_prices(shipped, fetch=endpoints, google_api_key=KEY, today="2027-01-15")
    changed = {c.old.key: c for c in result.changes}
    assert changed["aws.lambda.requests"].text() == "Lambda requests: $0.20 → $0.22 per M"
    assert changed["azure.functions.gb_second"].text() == (
        "Function Apps GB-seconds: $0.000016 → $0.000018 per GB-second"
    )
    assert changed["google.gcs_nearline.storage"].new.price == pytest.approx(0.011)
    assert {"aws.lambda.gb_second", "azure.functions.executions"} <= set(result.unchanged)
    table = result.table
    assert table.date == "2027-01-15"
    lambda_requests = table["aws.lambda.requests"]
    assert lambda_requests.price == pytest.approx(0.22)
    assert lambda_requests.source == offer_url("AWSLambda", "us-east-1")
    assert lambda_requests.confirmed and lambda_requests.as_of == "2027-01-15"
    # figures the saved responses do not hold keep their value, and are listed
    assert table["aws.dynamodb.writes"].price == shipped["aws.dynamodb.writes"].price
    assert "aws.dynamodb.writes" in result.missing
    # one request per offer file / filter / service, not per figure (plus pages)
    assert len(endpoints.urls) == len(set(endpoints.urls))
    assert "Refreshed" in result.summary() and "changed" in result.summary()


def test_the_google_key_is_sent_but_never_kept(shipped):
    endpoints = FakeEndpoints()
    result = refresh_prices(shipped, fetch=endpoints, google_api_key=KEY, today="2027-01-15")
    assert any(f"key={KEY}" in url for url in endpoints.urls)
    assert KEY not in json.dumps(result.table.to_json())
    assert KEY not in json.dumps(result.to_json()) and KEY not in result.summary()


def test_without_a_google_key_google_is_skipped_and_says_why(shipped):
    endpoints = FakeEndpoints()
    result = refresh_prices(shipped, fetch=endpoints, today="2027-01-15")
    assert not any("cloudbilling" in url for url in endpoints.urls)
    assert "API key" in result.skipped["google"]
    assert result.table["google.gcs_nearline.storage"] == shipped["google.gcs_nearline.storage"]
    assert "Google Cloud not refreshed" in result.summary()


def test_offline_the_table_keeps_its_date(shipped):
    endpoints = FakeEndpoints(offline={"pricing.us-east-1.amazonaws.com", "prices.azure.com"})
    result = refresh_prices(shipped, fetch=endpoints, clouds=("aws", "azure"))
    assert result.refreshed == 0
    assert result.table is shipped
    assert set(result.errors) == {"aws", "azure"}
    assert f"still using the table of {shipped.date}" in result.summary()
