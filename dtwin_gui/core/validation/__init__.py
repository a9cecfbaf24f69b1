"""Validate a whole project at once: every problem, located, with a hint. Never fail-fast."""

from __future__ import annotations

from pathlib import Path

from dtwin_gui.core.problems import ValidationReport
from dtwin_gui.core.project import load_project
from dtwin_gui.core.providers import Slot
from dtwin_gui.core.topology import TopologyError, topology_for_project
from dtwin_gui.core.validation.config_rules import (
    check_config,
    check_derived_names,
    check_features,
    check_providers,
)
from dtwin_gui.core.validation.context import Context
from dtwin_gui.core.validation.deploy_rules import check_deployable, check_feedback_reach
from dtwin_gui.core.validation.device_rules import check_payloads, check_processors, device_table
from dtwin_gui.core.validation.event_rules import check_events
from dtwin_gui.core.validation.generated_rules import check_generated_placeholders
from dtwin_gui.core.validation.layer_rules import check_left_out_layers
from dtwin_gui.core.validation.twin_rules import (
    check_hierarchy,
    check_scene_assets,
    check_state_machine,
)
from dtwin_gui.core.validation.usage_rules import check_usage

__all__ = ["validate_project"]


def validate_project(root: Path) -> ValidationReport:
    """Every problem of the project at ``root`` (errors and warnings)."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder")
    ctx = Context(root)
    check_config(ctx)
    check_providers(ctx)
    check_deployable(ctx)
    check_features(ctx)
    check_usage(ctx)
    devices = device_table(ctx)
    project = load_project(root)
    features = project.features
    check_processors(ctx, devices)
    check_events(ctx, devices, features)
    check_payloads(ctx, devices)
    check_hierarchy(ctx, project.providers.get(Slot.L4), devices)
    check_state_machine(ctx, project.providers.get(Slot.L2), features)
    check_feedback_reach(ctx, project.providers, features)
    check_scene_assets(ctx, project.providers.get(Slot.L4), features)
    check_left_out_layers(ctx, project)
    check_generated_placeholders(ctx)
    config_ok = not any(p.file == "config.json" for p in ctx.problems)
    if config_ok:
        try:
            topology = topology_for_project(project)
        except TopologyError:
            pass  # already reported by check_providers
        else:
            check_derived_names(ctx, topology)
    ctx.problems.sort(key=lambda p: (p.file, p.line or 0, p.column or 0))
    return ValidationReport(str(root), ctx.problems)
