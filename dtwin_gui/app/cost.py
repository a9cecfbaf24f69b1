"""The cost estimate of a project, as the Layers page and ``dtwin cost`` show it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dtwin_gui.core.project import Project, load_project
from dtwin_gui.core.providers import NO_CLOUD, OPTIONAL_SLOTS, Cloud, Slot
from dtwin_gui.core.topology import TopologyError
from dtwin_gui.core.usage import Usage, load_usage
from dtwin_gui.cost.estimate import CostModel, Estimate, SlotCost
from dtwin_gui.cost.table import PriceTable, load_table


def left_out_slots(project: Project) -> list[Slot]:
    """The optional layers the project leaves out ("none")."""
    return [s for s, c in project.choices().items() if c is NO_CLOUD and s in OPTIONAL_SLOTS]


def model_for(project: Project, usage: Usage, table: PriceTable) -> CostModel:
    """The cost model of ``project`` with ``usage`` and ``table``."""
    return CostModel(
        table,
        usage,
        left_out=left_out_slots(project),
        device_ids=project.device_ids,
        features=project.features,
    )


@dataclass
class CostReport:
    """Every layer on every cloud, the chosen configuration and the cheapest one."""

    project: Project
    usage: Usage
    table: PriceTable
    model: CostModel
    matrix: dict[tuple[Slot, Cloud], SlotCost]
    #: The project's own choice priced; None when it is incomplete (``chosen_error`` says).
    chosen: Estimate | None
    chosen_error: str | None
    cheapest: Estimate | None

    @property
    def savings(self) -> float | None:
        if self.chosen is None or self.cheapest is None:
            return None
        return self.chosen.total - self.cheapest.total

    def to_json(self) -> dict:
        return {
            "twin": self.project.twin_name,
            "usage": self.usage.to_json(),
            "workload": {
                "messages_per_month": self.model.workload.messages,
                "gb_per_month": self.model.workload.gb_per_month,
            },
            "prices": {
                "date": self.table.date,
                "regions": self.table.regions,
                "file": self.table.path,
                "not_confirmed": sorted(p.key for p in self.table.unconfirmed),
            },
            "matrix": {
                str(slot): {
                    str(cloud): cost.usd for (s, cloud), cost in self.matrix.items() if s is slot
                }
                for slot in self.model.slots
            },
            "chosen": self.chosen.to_json() if self.chosen else None,
            "chosen_error": self.chosen_error,
            "cheapest": self.cheapest.to_json() if self.cheapest else None,
        }


def cost_report(
    root: Path,
    *,
    table: PriceTable | None = None,
    project: Project | None = None,
    usage: Usage | None = None,
    with_cheapest: bool = True,
) -> CostReport:
    """Price the project at ``root``. Raises :class:`~dtwin_gui.core.usage.UsageError` when
    ``config_usage.json`` holds a bad value."""
    project = project or load_project(Path(root))
    usage = usage or load_usage(Path(root), project)
    table = table or load_table()
    model = model_for(project, usage, table)
    chosen, error = None, None
    try:
        chosen = model.estimate(project.providers)
    except TopologyError as exc:
        error = str(exc)
    cheapest = model.cheapest() if with_cheapest else None
    return CostReport(project, usage, table, model, model.matrix(), chosen, error, cheapest)
