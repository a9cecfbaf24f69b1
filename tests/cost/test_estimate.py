"""The monthly cost of each layer and hop, checked against examples computed by hand (the
arithmetic is in the comments). A month is 30 days = 43,200 minutes; 1 GB = 2^30 bytes;
every function run is 256 MB for 100 ms = 0.025 GB-s."""

from __future__ import annotations

import pytest

from dtwin_gui.core.providers import SLOTS, Cloud, Slot
from dtwin_gui.core.topology import TopologyError
from dtwin_gui.core.usage import Usage
from dtwin_gui.cost.estimate import CostModel

from .price_helpers import table_with

GB = 2**30
#: The figures the examples use, pinned (the shipped values of 2026-12-03).
PRICES = table_with(
    aws__iot_core__messages=1.00,
    aws__iot_core__rules=0.15,
    aws__iot_core__actions=0.15,
    aws__iot_core__connectivity=0.08,
    aws__lambda__requests=0.20,
    aws__lambda__gb_second=0.0000166667,
    aws__egress=0.09,
    aws__s3_ia__storage=0.0125,
    aws__s3_ia__puts=10.00,
    aws__s3_ia__retrieval=0.01,
    aws__grafana__editor=9.00,
    aws__grafana__viewer=5.00,
    azure__iot_hub__s1_units=25.00,
    azure__event_grid__operations=0.60,
    azure__functions__executions=0.20,
    azure__functions__gb_second=0.000016,
    azure__egress=0.087,
)
ALL_AWS = {s: Cloud.AWS for s in SLOTS}


def model(**usage) -> CostModel:
    return CostModel(PRICES, Usage(**usage), device_ids=["a", "b"])


def test_iot_core_layer_counts_messages_rules_connectivity_and_the_dispatcher():
    m = model(devices=100, messages_per_device_per_minute=1.0, payload_bytes=512)
    cost = m.slot_cost(Slot.L1, Cloud.AWS)
    # 100 devices × 1/min × 43,200 min = 4,320,000 messages (512 B: one 5 KB meter unit each)
    texts = [line.text() for line in cost.lines]
    assert texts[0] == "IoT Core: 4.32 M messages × $1.00/M = $4.32"
    # messages 4.32 × $1.00 = 4.32; rules 4.32 × 0.15 = 0.648; actions 0.648;
    # connectivity 100 × 43,200 = 4.32 M minutes × 0.08 = 0.3456;
    # dispatcher: 4.32 M requests × 0.20 = 0.864; 4.32 M × 0.025 GB-s = 108,000 GB-s ×
    # 0.0000166667 = 1.8000036
    expected = 4.32 + 0.648 + 0.648 + 0.3456 + 0.864 + 1.8000036
    assert cost.usd == pytest.approx(expected)
    assert "Lambda: 108,000 GB-seconds (dispatcher)" in texts[-1]


def test_a_large_payload_is_metered_in_5_kb_units_on_iot_core():
    m = model(devices=10, payload_bytes=6000)
    line = m.slot_cost(Slot.L1, Cloud.AWS).lines[0]
    # 10 × 43,200 = 432,000 messages; 6,000 B needs 2 units of 5,120 B -> 864,000 billed
    assert line.quantity == 864_000
    assert line.usd == pytest.approx(0.864)


def test_iot_hub_buys_as_many_s1_units_as_the_daily_messages_need():
    small = model(devices=100, payload_bytes=5000).slot_cost(Slot.L1, Cloud.AZURE)
    # 4,320,000 messages / 30 days = 144,000 a day × 2 (5,000 B = 2 units of 4 KB)
    # = 288,000 a day <= 400,000: one unit, $25; Event Grid 4.32 M × 0.60 = 2.592
    assert small.lines[0].quantity == 1
    assert small.lines[1].usd == pytest.approx(2.592)
    big = model(devices=1000, payload_bytes=5000).slot_cost(Slot.L1, Cloud.AZURE)
    # ten times more: 2,880,000 a day / 400,000 = 7.2 -> 8 units = $200
    assert big.lines[0].quantity == 8
    assert big.lines[0].usd == pytest.approx(200.0)


def test_cold_storage_holds_the_records_between_hot_and_cold_age():
    m = model(devices=10, messages_per_device_per_minute=2, payload_bytes=1024,
              hot_days=7, cold_days=37)  # fmt: skip
    cost = m.slot_cost(Slot.L3_COLD, Cloud.AWS)
    storage, puts, retrieval, requests, compute = cost.lines
    # 10 × 2 × 43,200 = 864,000 messages × 1,024 B = 884,736,000 B = 0.823974609375 GB/month
    # = 0.0274658203125 GB/day; cold holds 37 − 7 = 30 days = 0.823974609375 GB
    assert storage.quantity == pytest.approx(0.823974609375)
    assert storage.usd == pytest.approx(0.823974609375 * 0.0125)
    # one object per device per hourly run: 10 × 720 = 7,200 PUTs × $10/M = $0.072
    assert puts.quantity == 7200
    assert puts.usd == pytest.approx(0.072)
    # each month's data is read once on its way to the archive: 0.824 GB × $0.01
    assert retrieval.usd == pytest.approx(0.00823974609375)
    # the cold-to-archive mover runs 720 times: 720 × 0.20/M + 18 GB-s × 0.0000166667
    assert requests.usd + compute.usd == pytest.approx(0.000144 + 18 * 0.0000166667)


def test_dashboards_need_one_editor_and_a_viewer_per_other_user():
    cost = model(dashboard_users=4).slot_cost(Slot.L5, Cloud.AWS)
    # 1 editor × $9 + 3 viewers × $5 = $24
    assert cost.usd == pytest.approx(24.0)


def test_a_cloud_that_cannot_host_a_layer_has_no_cost():
    m = model()
    assert m.slot_cost(Slot.L4, Cloud.GOOGLE) is None
    assert m.slot_cost(Slot.L5, Cloud.GOOGLE) is None
    assert (Slot.L4, Cloud.GOOGLE) not in m.matrix()
    assert len(m.matrix()) == 5 * 3 + 2 * 2


def test_one_cloud_has_no_glue_and_the_total_is_the_sum_of_the_layers():
    m = model(devices=5)
    estimate = m.estimate(ALL_AWS)
    assert estimate.hops == ()
    assert estimate.total == pytest.approx(sum(m.slot_cost(s, Cloud.AWS).usd for s in SLOTS))


def test_a_hop_costs_the_egress_of_the_data_crossing_and_its_receiver_runs():
    m = model(devices=100, payload_bytes=512, dashboard_users=2)
    estimate = m.estimate({**ALL_AWS, Slot.L3_HOT: Cloud.AZURE})
    hops = {h.boundary.name: h for h in estimate.hops}
    # the hops come from the topology: L2→L3hot, L3hot→L3cold, L4→L3hot, L5→L3hot
    assert set(hops) == {
        "l2-l3hot-writer",
        "l3hot-l3cold-writer",
        "l4-l3hot-reader",
        "l5-l3hot-reader",
    }
    writer = hops["l2-l3hot-writer"]
    egress, executions, compute = writer.lines
    # 4,320,000 records × (512 B + a 300 B envelope) = 3,507,840,000 B leave AWS
    assert egress.quantity == pytest.approx(3_507_840_000 / GB)
    assert egress.usd == pytest.approx(3_507_840_000 / GB * 0.09)
    # the hot writer on Azure runs once per record: 4.32 M × 0.20 = 0.864;
    # 108,000 GB-s × 0.000016 = 1.728
    assert executions.usd == pytest.approx(0.864)
    assert compute.usd == pytest.approx(1.728)
    dashboards = hops["l5-l3hot-reader"]
    # 2 users × 14,400 reads; each answer (10 records × 512 B + 300 B) leaves Azure;
    # the hot reader runs anyway (its layer counts it): only the AWS proxy is the hop's
    answer = 28_800 * (10 * 512 + 300)
    assert dashboards.lines[0].price.key == "azure.egress"
    assert dashboards.lines[0].usd == pytest.approx(answer / GB * 0.087)
    assert [line.detail for line in dashboards.lines[1:]] == ["hot-reader-proxy"] * 2
    assert dashboards.usd == pytest.approx(
        answer / GB * 0.087 + 28_800 * 0.20 / 1e6 + 28_800 * 0.025 * 0.0000166667
    )
    assert estimate.total == pytest.approx(estimate.layers_usd + estimate.glue_usd)


def test_a_left_out_layer_costs_nothing_and_has_no_hop():
    m = CostModel(PRICES, Usage(), left_out=[Slot.L4, Slot.L5])
    estimate = m.estimate({**ALL_AWS, Slot.L3_HOT: Cloud.AZURE})
    assert {s.slot for s in estimate.slots} == set(SLOTS) - {Slot.L4, Slot.L5}
    assert all(h.boundary.spec.source not in (Slot.L4, Slot.L5) for h in estimate.hops)
    assert m.workload.hot_reads == 0  # nobody reads hot storage


def test_an_incomplete_choice_cannot_be_priced():
    with pytest.raises(TopologyError):
        model().estimate({Slot.L1: Cloud.AWS})


def test_every_line_says_what_it_counts(shipped):
    m = CostModel(shipped, Usage(devices=3), device_ids=["a"])
    for cost in m.matrix().values():
        for line in cost.lines:
            text = line.text()
            assert text.startswith(f"{line.price.service}: ")
            assert " × $" in text and " = $" in text
