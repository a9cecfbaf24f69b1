"""The Cheapest preset: per slot the cloud that minimises the whole twin's monthly cost,
glue included, over the clouds that can host each layer."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dtwin_gui.core.providers import PRESETS, SLOTS, Cloud, Slot, deployable_clouds
from dtwin_gui.core.usage import Usage
from dtwin_gui.cost.estimate import CostModel
from dtwin_gui.cost.table import PriceTable

from .price_helpers import every_price


def priced(table: PriceTable, cloud_price: dict[str, float], egress: float) -> PriceTable:
    """Every figure of a cloud at ``cloud_price[cloud]``, every egress at ``egress``."""
    figures = {
        k: replace(p, price=egress if k.endswith(".egress") else cloud_price[p.cloud])
        for k, p in table.prices.items()
    }
    return table.with_prices(figures, date=table.date)


def test_cheapest_never_puts_a_layer_on_a_cloud_that_cannot_host_it():
    # Google free, the others dear: everything Google can host goes there, but the twin
    # model and the dashboards cannot (Google has no managed twin service or Grafana)
    table = priced(every_price(1.0), {"aws": 5.0, "azure": 9.0, "google": 0.0}, egress=0.0)
    best = CostModel(table, Usage(devices=10)).cheapest()
    for slot in (Slot.L1, Slot.L2, Slot.L3_HOT, Slot.L3_COLD, Slot.L3_ARCHIVE):
        assert best.providers[slot] is Cloud.GOOGLE
    assert best.providers[Slot.L4] is Cloud.AWS
    assert best.providers[Slot.L5] is Cloud.AWS


def test_cheapest_keeps_left_out_layers_out():
    table = priced(every_price(1.0), {"aws": 5.0, "azure": 9.0, "google": 0.0}, egress=0.0)
    best = CostModel(table, Usage(), left_out=[Slot.L4, Slot.L5]).cheapest()
    assert set(best.providers) == set(SLOTS) - {Slot.L4, Slot.L5}
    assert set(best.providers.values()) == {Cloud.GOOGLE}  # an all-Google twin


def test_cheapest_counts_the_glue_of_every_hop(shipped):
    usage = Usage(devices=50, dashboard_users=2)
    # with free egress the cheapest twin spreads over clouds (the hops cost only their
    # receivers' runs)...
    no_egress = CostModel(with_egress(shipped, 0.0), usage).cheapest()
    assert no_egress.hops
    # ...with dear egress every hop costs more than any layer saves: one cloud, no hop
    dear = CostModel(with_egress(shipped, 1e6), usage)
    best = dear.cheapest()
    assert best.hops == ()
    single = [dear.estimate({s: c for s in SLOTS}) for c in (Cloud.AWS, Cloud.AZURE)]
    assert best.total == pytest.approx(min(e.total for e in single))
    # and the glue is in the total Cheapest minimises
    mixed = dear.estimate(no_egress.providers)
    assert mixed.glue_usd > 0 and mixed.total > best.total


def with_egress(table: PriceTable, price: float) -> PriceTable:
    figures = {
        k: replace(p, price=price) if k.endswith(".egress") else p for k, p in table.prices.items()
    }
    return table.with_prices(figures, date=table.date)


def test_cheapest_is_no_dearer_than_any_other_choice(shipped):
    m = CostModel(shipped, Usage(devices=200, dashboard_users=3), device_ids=["a", "b"])
    best = m.cheapest()
    for preset in PRESETS.values():
        choice = {s: c for s, c in preset.items() if isinstance(c, Cloud)}
        if len(choice) == len(SLOTS):
            assert best.total <= m.estimate(choice).total + 1e-9
    # brute force over a few single-slot changes of the best: none is cheaper
    for slot in SLOTS:
        for cloud in deployable_clouds(slot):
            other = {**best.providers, slot: cloud}
            assert best.total <= m.estimate(other).total + 1e-9


def test_cheapest_respects_what_this_version_can_deploy(shipped, monkeypatch):
    from dtwin_gui.core import providers

    for slot, clouds in list(providers.DEPLOYABLE_CLOUDS.items()):
        monkeypatch.setitem(providers.DEPLOYABLE_CLOUDS, slot, clouds - {Cloud.GOOGLE})
    table = priced(every_price(1.0), {"aws": 5.0, "azure": 9.0, "google": 0.0}, egress=0.0)
    best = CostModel(table, Usage()).cheapest()
    assert Cloud.GOOGLE not in best.providers.values()


@pytest.mark.parametrize("users", [0, 1, 5])
def test_cheapest_choice_is_complete(shipped, users):
    best = CostModel(shipped, Usage(dashboard_users=users)).cheapest()
    assert set(best.providers) == set(SLOTS)
    assert best.total == pytest.approx(best.layers_usd + best.glue_usd)
