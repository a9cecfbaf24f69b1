"""The price table that ships with the app: dated, sourced, loadable; a refreshed copy."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from dtwin_gui.core.providers import SLOTS, Cloud
from dtwin_gui.core.usage import Usage
from dtwin_gui.cost.estimate import CostModel
from dtwin_gui.cost.table import (
    NOT_CONFIRMED,
    UNITS,
    PriceTableError,
    load_table,
    parse_table,
    refreshed_path,
    save_refreshed,
    shipped_table,
)

REPO = Path(__file__).resolve().parents[2]
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def test_every_figure_has_a_date_a_public_source_and_a_known_unit(shipped):
    assert DATE.match(shipped.date)
    assert shipped.regions == {"aws": "us-east-1", "azure": "eastus", "google": "us-central1"}
    for key, price in shipped.prices.items():
        assert key.split(".")[0] == price.cloud
        assert price.source.startswith(("https://", "http://")), key
        assert DATE.match(price.as_of), key
        assert price.unit in UNITS, key
        assert price.price >= 0, key
        # "not confirmed" in the note and the flag agree
        assert price.confirmed is not price.note.startswith(NOT_CONFIRMED), key


def test_the_table_ships_as_package_data():
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "*.json" in data["tool"]["setuptools"]["package-data"]["*"]
    assert (REPO / "dtwin_gui" / "cost" / "prices.json").is_file()


def test_the_engine_finds_every_figure_it_needs(shipped):
    # every layer on every cloud and every hop prices without a KeyError
    model = CostModel(shipped, Usage(dashboard_users=2), device_ids=["a"])
    assert len(model.matrix()) == 19
    for cloud in Cloud:
        for other in Cloud:
            choice = {s: cloud for s in SLOTS}
            choice.update({s: other for s in SLOTS[2:5]})
            if cloud is Cloud.GOOGLE:
                choice.update({SLOTS[5]: Cloud.AWS, SLOTS[6]: Cloud.AZURE})
            assert model.estimate(choice).total > 0


def test_a_newer_refreshed_table_is_used_and_an_older_or_broken_one_is_not(shipped):
    assert load_table().path.endswith("prices.json") and load_table().date == shipped.date
    newer = shipped.with_prices(dict(shipped.prices), date="2099-01-01")
    save_refreshed(newer)
    assert refreshed_path().is_file()
    assert load_table().date == "2099-01-01"
    save_refreshed(shipped.with_prices(dict(shipped.prices), date="2000-01-01"))
    assert load_table().date == shipped.date
    refreshed_path().write_text("{ not json", encoding="utf-8")
    assert load_table().date == shipped.date


def test_a_bad_entry_is_refused_with_its_key():
    data = json.loads(json.dumps(shipped_table().to_json()))
    data["prices"]["aws.lambda.requests"]["unit"] = "per fortnight"
    with pytest.raises(PriceTableError, match=r"prices\.aws\.lambda\.requests\.unit"):
        parse_table(data, "test")
    data["prices"]["aws.lambda.requests"].update(unit="M", price="0.20")
    with pytest.raises(PriceTableError, match=r"price must be a number"):
        parse_table(data, "test")


def test_the_json_form_round_trips(shipped):
    again = parse_table(json.loads(json.dumps(shipped.to_json())), "copy")
    assert again.prices == shipped.prices
    assert again.date == shipped.date
