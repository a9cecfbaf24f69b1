"""What each layer costs on each cloud: the managed service's meters plus the functions
the layer runs there.

Which functions a layer runs comes from the topology (:func:`layer_functions`), never from a
list kept here; how often each runs is the cost model's (:data:`ROLE_RUNS`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from dtwin_gui.core import topology as topo
from dtwin_gui.core.providers import SLOTS, Cloud, Slot, unsupported_reason
from dtwin_gui.cost.table import PriceTable
from dtwin_gui.cost.workload import (
    ADT_OPERATION_BYTES,
    COSMOS_READ_RU_PER_KB,
    COSMOS_WRITE_RU_PER_KB,
    DYNAMODB_READ_BYTES,
    DYNAMODB_WRITE_BYTES,
    FUNCTION_MEMORY_GB,
    FUNCTION_SECONDS,
    GOOGLE_FUNCTION_VCPU,
    HOURS_PER_MONTH,
    IOT_CORE_METER_BYTES,
    IOT_HUB_METER_BYTES,
    IOT_HUB_S1_MESSAGES_PER_DAY,
    MINUTES_PER_MONTH,
    MONTH_DAYS,
    MOVER_RUNS_PER_MONTH,
    PUBSUB_MIN_BYTES,
    RECORDS_PER_QUERY,
    TIB,
    CostLine,
    Workload,
)

#: How many times a month each function role runs (glue roles are priced per hop).
ROLE_RUNS: dict[str, Callable[[Workload], float]] = {
    topo.DISPATCHER: lambda w: w.messages,
    topo.PROCESSOR: lambda w: w.messages,  # all processors together: one run per message
    topo.PERSISTER: lambda w: w.messages,
    topo.EVENT_CHECKER: lambda w: w.messages,
    topo.HOT_READER: lambda w: w.hot_reads,
    topo.HOT_TO_COLD_MOVER: lambda w: MOVER_RUNS_PER_MONTH,
    topo.COLD_TO_ARCHIVE_MOVER: lambda w: MOVER_RUNS_PER_MONTH,
    topo.ADT_UPDATER: lambda w: w.messages,
}
#: Roles whose runs depend on how often rules fire: not counted (docs/cost.md says so).
UNCOUNTED_ROLES = frozenset({topo.EVENT_ACTION, topo.EVENT_FEEDBACK})


def layer_functions(
    cloud: Cloud,
    *,
    device_ids: Iterable[str] = (),
    features: dict | None = None,
    left_out: Iterable[Slot] = (),
) -> dict[Slot, list[str]]:
    """The roles of the (non-glue) functions each slot runs on ``cloud``, read from the
    topology of a twin with every slot ``cloud`` can host on it (a slot it cannot host, or
    one the twin leaves out, is left out of that topology)."""
    skipped = set(left_out)
    providers = {
        s: cloud for s in SLOTS if s not in skipped and unsupported_reason(s, cloud) is None
    }
    try:
        topology = topo.compute_topology(
            providers, device_ids=list(device_ids) or ["device"], features=features or {}
        )
    except topo.TopologyError:
        return {}
    out: dict[Slot, list[str]] = {}
    for function in topology.functions:
        if not function.glue and function.role not in out.get(function.slot, []):
            out.setdefault(function.slot, []).append(function.role)
    return out


def function_lines(
    cloud: Cloud, roles: list[str], w: Workload, prices: PriceTable
) -> list[CostLine]:
    """Requests and compute of ``roles`` on ``cloud`` for a month of ``w``."""
    counted = [r for r in roles if r in ROLE_RUNS]
    runs = sum(ROLE_RUNS[r](w) for r in counted)
    return run_lines(cloud, runs, ", ".join(counted), prices)


def run_lines(cloud: Cloud, runs: float, detail: str, prices: PriceTable) -> list[CostLine]:
    """Requests and compute of ``runs`` function runs on ``cloud`` (each: 256 MB, 100 ms)."""
    if runs <= 0:
        return []
    gb_seconds = runs * FUNCTION_MEMORY_GB * FUNCTION_SECONDS
    if cloud is Cloud.AWS:
        return [
            CostLine(prices["aws.lambda.requests"], runs, detail),
            CostLine(prices["aws.lambda.gb_second"], gb_seconds, detail),
        ]
    if cloud is Cloud.AZURE:
        return [
            CostLine(prices["azure.functions.executions"], runs, detail),
            CostLine(prices["azure.functions.gb_second"], gb_seconds, detail),
        ]
    return [
        CostLine(prices["google.functions.requests"], runs, detail),
        CostLine(prices["google.functions.gib_second"], gb_seconds, detail),
        CostLine(
            prices["google.functions.vcpu_second"],
            runs * GOOGLE_FUNCTION_VCPU * FUNCTION_SECONDS,
            detail,
        ),
    ]


# --- the managed service of each slot ----------------------------------------------------
def _l1(cloud: Cloud, w: Workload, p: PriceTable) -> list[CostLine]:
    m = w.messages
    if cloud is Cloud.AWS:
        return [
            CostLine(p["aws.iot_core.messages"], m * w.units_of(IOT_CORE_METER_BYTES)),
            CostLine(p["aws.iot_core.rules"], m, "the dispatch rule"),
            CostLine(p["aws.iot_core.actions"], m, "invoke the dispatcher"),
            CostLine(p["aws.iot_core.connectivity"], w.usage.devices * MINUTES_PER_MONTH),
        ]
    if cloud is Cloud.AZURE:
        per_day = m / MONTH_DAYS * w.units_of(IOT_HUB_METER_BYTES)
        units = max(1, math.ceil(per_day / IOT_HUB_S1_MESSAGES_PER_DAY))
        return [
            CostLine(p["azure.iot_hub.s1_units"], units, f"{per_day:,.0f} messages a day"),
            CostLine(p["azure.event_grid.operations"], m, "telemetry events"),
        ]
    billed = 2 * m * max(w.payload, PUBSUB_MIN_BYTES) / TIB  # publish + push delivery
    return [CostLine(p["google.pubsub.throughput"], billed, "publish and push of each message")]


def _l3_hot(cloud: Cloud, w: Workload, p: PriceTable) -> list[CostLine]:
    m, reads = w.messages, w.messages + w.hot_reads * RECORDS_PER_QUERY
    if cloud is Cloud.AWS:
        write_units = 2 * m * w.units_of(DYNAMODB_WRITE_BYTES)
        read_units = reads * w.units_of(DYNAMODB_READ_BYTES) * 0.5  # eventually consistent
        return [
            CostLine(p["aws.dynamodb.writes"], write_units, "each record written and deleted"),
            CostLine(p["aws.dynamodb.reads"], read_units, "the mover and the readers"),
            CostLine(p["aws.dynamodb.storage"], w.hot_gb),
        ]
    if cloud is Cloud.AZURE:
        kb = w.units_of(1024)
        ru = m * kb * 2 * COSMOS_WRITE_RU_PER_KB + reads * kb * COSMOS_READ_RU_PER_KB
        return [
            CostLine(p["azure.cosmos.request_units"], ru, "writes, deletes and reads"),
            CostLine(p["azure.cosmos.storage"], w.hot_gb),
        ]
    return [
        CostLine(p["google.firestore.writes"], m),
        CostLine(p["google.firestore.deletes"], m, "the mover"),
        CostLine(p["google.firestore.reads"], reads, "the mover and the readers"),
        CostLine(p["google.firestore.storage"], w.hot_gb),
    ]


def _l3_cold(cloud: Cloud, w: Workload, p: PriceTable) -> list[CostLine]:
    name, writes = {
        Cloud.AWS: ("aws.s3_ia", "puts"),
        Cloud.AZURE: ("azure.blob_cool", "writes"),
        Cloud.GOOGLE: ("google.gcs_nearline", "class_a"),
    }[cloud]
    return [
        CostLine(p[f"{name}.storage"], w.cold_gb),
        CostLine(p[f"{name}.{writes}"], w.chunks, "one object per device per hour"),
        CostLine(p[f"{name}.retrieval"], w.gb_per_month, "read once on the way to the archive"),
    ]


def _l3_archive(cloud: Cloud, w: Workload, p: PriceTable) -> list[CostLine]:
    name, writes = {
        Cloud.AWS: ("aws.s3_glacier", "puts"),
        Cloud.AZURE: ("azure.blob_archive", "writes"),
        Cloud.GOOGLE: ("google.gcs_archive", "class_a"),
    }[cloud]
    return [
        CostLine(p[f"{name}.storage"], w.archive_gb),
        CostLine(p[f"{name}.{writes}"], w.chunks, "one object per device per hour"),
    ]


def _l4(cloud: Cloud, w: Workload, p: PriceTable) -> list[CostLine]:
    if cloud is Cloud.AWS:
        return [
            CostLine(p["aws.twinmaker.entities"], w.usage.twin_entities),
            CostLine(p["aws.twinmaker.api_calls"], w.twin_reads, "reads of recent values"),
        ]
    operations = w.messages * w.units_of(ADT_OPERATION_BYTES)
    return [
        CostLine(p["azure.digital_twins.operations"], operations, "one twin update per record"),
        CostLine(p["azure.digital_twins.query_units"], w.twin_reads, "one per read"),
    ]


def _l5(cloud: Cloud, w: Workload, p: PriceTable) -> list[CostLine]:
    users = w.usage.dashboard_users
    if cloud is Cloud.AWS:
        return [
            CostLine(p["aws.grafana.editor"], 1, "a workspace needs one"),
            CostLine(p["aws.grafana.viewer"], max(users - 1, 0)),
        ]
    return [
        CostLine(p["azure.grafana.instance"], HOURS_PER_MONTH),
        CostLine(p["azure.grafana.users"], users),
    ]


SERVICE_LINES: dict[Slot, Callable[[Cloud, Workload, PriceTable], list[CostLine]]] = {
    Slot.L1: _l1,
    Slot.L2: lambda cloud, w, p: [],  # functions only
    Slot.L3_HOT: _l3_hot,
    Slot.L3_COLD: _l3_cold,
    Slot.L3_ARCHIVE: _l3_archive,
    Slot.L4: _l4,
    Slot.L5: _l5,
}
