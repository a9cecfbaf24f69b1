"""Monthly cost of a provider choice: each layer on its cloud, the glue of every hop the
choice crosses, the total, and the cheapest choice (the "Cheapest" preset).

The hops come from :func:`~dtwin_gui.core.topology.compute_topology` (the one source of
truth); a hop costs the egress of the data crossing it plus the runs of its receiver (and of a
sender that exists only for the hop: the connector, the hot-reader proxy).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from dtwin_gui.core import topology as topo
from dtwin_gui.core.providers import (
    CLOUD_TITLES,
    NO_CLOUD,
    OPTIONAL_SLOTS,
    SLOT_INFO,
    SLOTS,
    Cloud,
    Slot,
    deployable_clouds,
    unsupported_reason,
)
from dtwin_gui.core.usage import Usage
from dtwin_gui.cost.services import SERVICE_LINES, function_lines, layer_functions, run_lines
from dtwin_gui.cost.table import PriceTable, usd
from dtwin_gui.cost.workload import ENVELOPE_BYTES, GB, RECORDS_PER_QUERY, CostLine, Workload

#: Glue senders that exist only because the hop crosses clouds (their runs are the hop's).
HOP_ONLY_SENDERS = frozenset({topo.CONNECTOR, topo.HOT_READER_PROXY})
EGRESS = {Cloud.AWS: "aws.egress", Cloud.AZURE: "azure.egress", Cloud.GOOGLE: "google.egress"}


@dataclass(frozen=True)
class SlotCost:
    """One layer on one cloud: its lines and their sum."""

    slot: Slot
    cloud: Cloud
    lines: tuple[CostLine, ...]

    @property
    def service(self) -> str:
        return SLOT_INFO[self.slot].services.get(self.cloud, "")

    @property
    def usd(self) -> float:
        return sum(line.usd for line in self.lines)

    def to_json(self) -> dict:
        return {
            "slot": str(self.slot),
            "cloud": str(self.cloud),
            "service": self.service,
            "usd": self.usd,
            "lines": [line.to_json() for line in self.lines],
        }


@dataclass(frozen=True)
class HopCost:
    """The glue of one boundary the choice crosses."""

    boundary: topo.Boundary
    lines: tuple[CostLine, ...]

    @property
    def usd(self) -> float:
        return sum(line.usd for line in self.lines)

    @property
    def title(self) -> str:
        spec = self.boundary.spec
        return (
            f"{spec.source} → {spec.target} ({CLOUD_TITLES[self.boundary.source_cloud]} → "
            f"{CLOUD_TITLES[self.boundary.target_cloud]})"
        ).replace("_", " ")

    def to_json(self) -> dict:
        return {
            **self.boundary.to_json(),
            "usd": self.usd,
            "lines": [line.to_json() for line in self.lines],
        }


@dataclass(frozen=True)
class Estimate:
    """A provider choice priced: layers, hops, total (USD a month)."""

    providers: dict[Slot, Cloud]
    slots: tuple[SlotCost, ...]
    hops: tuple[HopCost, ...] = field(default=())

    @property
    def layers_usd(self) -> float:
        return sum(s.usd for s in self.slots)

    @property
    def glue_usd(self) -> float:
        return sum(h.usd for h in self.hops)

    @property
    def total(self) -> float:
        return self.layers_usd + self.glue_usd

    def slot(self, slot: Slot) -> SlotCost | None:
        return next((s for s in self.slots if s.slot is slot), None)

    def choice(self) -> dict[Slot, object]:
        """Every slot's choice (``NO_CLOUD`` for a left-out L4/L5), for the Layers page."""
        return {s: self.providers.get(s, NO_CLOUD) for s in SLOTS}

    def summary(self) -> str:
        """``L1 aws, L2 aws, ...`` (left-out layers as ``none``)."""
        return ", ".join(f"{s} {self.providers.get(s, NO_CLOUD)}" for s in SLOTS)

    def to_json(self) -> dict:
        return {
            "providers": {str(s): str(self.providers.get(s, NO_CLOUD)) for s in SLOTS},
            "layers_usd": self.layers_usd,
            "glue_usd": self.glue_usd,
            "total_usd": self.total,
            "slots": [s.to_json() for s in self.slots],
            "hops": [h.to_json() for h in self.hops],
        }


class CostModel:
    """Prices a twin's layers and hops for one set of usage numbers.

    ``left_out`` are the optional layers the twin leaves out (they cost nothing, and
    Cheapest keeps them out); ``device_ids`` and ``features`` decide which functions exist.
    """

    def __init__(
        self,
        prices: PriceTable,
        usage: Usage,
        *,
        left_out: Iterable[Slot] = (),
        device_ids: Iterable[str] = (),
        features: Mapping[str, bool] | None = None,
    ) -> None:
        self.prices = prices
        self.left_out = frozenset(s for s in left_out if s in OPTIONAL_SLOTS)
        self.features = dict(features or {})
        self.device_ids = list(device_ids)
        self.workload = Workload(
            usage,
            has_twin_model=Slot.L4 not in self.left_out,
            has_dashboards=Slot.L5 not in self.left_out,
        )
        self._functions: dict[Cloud, dict[Slot, list[str]]] = {}
        self._slot_costs: dict[tuple[Slot, Cloud], SlotCost] = {}
        self._hop_costs: dict[tuple[str, Cloud, Cloud], HopCost] = {}

    @property
    def slots(self) -> list[Slot]:
        """The slots of this twin (a left-out L4/L5 is not one)."""
        return [s for s in SLOTS if s not in self.left_out]

    # --- layers -----------------------------------------------------------------------------
    def slot_cost(self, slot: Slot, cloud: Cloud) -> SlotCost | None:
        """``slot`` on ``cloud`` a month; None where the cloud cannot host it."""
        if unsupported_reason(slot, cloud) or slot in self.left_out:
            return None
        key = (slot, cloud)
        if key not in self._slot_costs:
            roles = self._roles(cloud, slot)
            lines = SERVICE_LINES[slot](cloud, self.workload, self.prices)
            lines += function_lines(cloud, roles, self.workload, self.prices)
            self._slot_costs[key] = SlotCost(slot, cloud, tuple(lines))
        return self._slot_costs[key]

    def _roles(self, cloud: Cloud, slot: Slot) -> list[str]:
        """The roles of the functions ``slot`` runs on ``cloud`` (from the topology)."""
        if cloud not in self._functions:
            self._functions[cloud] = layer_functions(
                cloud, device_ids=self.device_ids, features=self.features, left_out=self.left_out
            )
        return self._functions[cloud].get(slot, [])

    def matrix(self) -> dict[tuple[Slot, Cloud], SlotCost]:
        """Every layer of the twin on every cloud that can host it."""
        out = {}
        for slot in self.slots:
            for cloud in Cloud:
                cost = self.slot_cost(slot, cloud)
                if cost is not None:
                    out[slot, cloud] = cost
        return out

    # --- hops -------------------------------------------------------------------------------
    def hop_cost(self, boundary: topo.Boundary) -> HopCost:
        """Egress of what crosses ``boundary`` and the runs of its glue functions."""
        key = (boundary.name, boundary.source_cloud, boundary.target_cloud)
        if key not in self._hop_costs:
            self._hop_costs[key] = HopCost(boundary, tuple(self._hop_lines(boundary)))
        return self._hop_costs[key]

    def _hop_lines(self, boundary: topo.Boundary) -> list[CostLine]:
        spec, w = boundary.spec, self.workload
        egress_cloud = boundary.source_cloud
        if spec.kind in ("telemetry", "twin-update"):
            runs = w.messages
            data = w.messages * (w.payload + ENVELOPE_BYTES)
        elif spec.kind in ("cold-chunk", "archive-object"):
            runs = w.chunks
            data = w.messages * w.payload + w.chunks * ENVELOPE_BYTES
        else:  # hot-query: the answers cross back, from hot storage's cloud
            runs = w.twin_reads if spec.source is Slot.L4 else w.dashboard_reads
            data = runs * (RECORDS_PER_QUERY * w.payload + ENVELOPE_BYTES)
            egress_cloud = boundary.target_cloud
        what = f"{spec.source}→{spec.target} {spec.kind}".replace("_", " ")
        lines = [CostLine(self.prices[EGRESS[egress_cloud]], data / GB, what)]
        if spec.receiver not in self._roles(boundary.target_cloud, spec.target):
            # (the hot reader and the ADT updater run anyway: their layer counts them)
            lines += run_lines(boundary.target_cloud, runs, spec.receiver, self.prices)
        if spec.sender in HOP_ONLY_SENDERS:
            lines += run_lines(boundary.source_cloud, runs, spec.sender, self.prices)
        return lines

    # --- a whole choice ---------------------------------------------------------------------
    def estimate(self, providers: Mapping[Slot, object]) -> Estimate:
        """The cost of ``providers`` (every slot of the twin with its cloud); raises
        :class:`~dtwin_gui.core.topology.TopologyError` for an incomplete or unhostable
        choice."""
        chosen = {s: providers.get(s) for s in self.slots}
        topology = topo.compute_topology(chosen, features=self.features)
        slots = tuple(self.slot_cost(s, topology.providers[s]) for s in topology.slots)
        hops = tuple(self.hop_cost(b) for b in topology.boundaries)
        return Estimate(dict(topology.providers), slots, hops)  # type: ignore[arg-type]

    def cheapest(self) -> Estimate:
        """The choice with the lowest total, glue included, over every cloud each layer can
        be deployed on (left-out layers stay out). Ties keep the first in cloud order."""
        options = [deployable_clouds(s) for s in self.slots]
        best: tuple[float, dict[Slot, Cloud]] | None = None
        for combo in itertools.product(*options):
            providers = dict(zip(self.slots, combo, strict=True))
            layers = sum(self.slot_cost(s, c).usd for s, c in providers.items())  # type: ignore[union-attr]
            if best is not None and layers >= best[0]:
                continue  # glue only adds: this choice cannot win
            topology = topo.compute_topology(providers, features=self.features)
            total = layers + sum(self.hop_cost(b).usd for b in topology.boundaries)
            if best is None or total < best[0]:
                best = (total, providers)
        if best is None:
            raise topo.TopologyError("no cloud can host every layer of this twin")
        return self.estimate(best[1])


def describe_total(estimate: Estimate) -> str:
    """``$12.34 a month ($11.90 layers + $0.44 glue for 2 hops)``."""
    hops = len(estimate.hops)
    glue = f" + {usd(estimate.glue_usd)} glue for {hops} hop{'s' if hops != 1 else ''}"
    return (
        f"{usd(estimate.total)} a month ({usd(estimate.layers_usd)} layers{glue if hops else ''})"
    )
