"""What a twin without a twin model (L4 "none") or dashboards (L5 "none") cannot have.

Left out, L4 needs no hierarchy (nothing is checked there); what still refers to the twin
model is reported where it is written, with the fix.
"""

from __future__ import annotations

from dtwin_gui.core import project as files
from dtwin_gui.core.event_grammar import ConditionSyntaxError, parse_condition
from dtwin_gui.core.project import Project
from dtwin_gui.core.providers import PROVIDER_KEYS, Slot
from dtwin_gui.core.validation.context import Context

_CHOOSE_L4 = f"or choose a cloud for L4 on the Layers page ({PROVIDER_KEYS[Slot.L4]})"


def check_left_out_layers(ctx: Context, project: Project) -> None:
    """Problems of the features and files that need a layer the twin leaves out."""
    if project.has_layer(Slot.L4):
        return
    if project.feature("needs_3d_model"):
        ctx.error(
            files.FEATURES,
            ("needs_3d_model",),
            "the 3D scene is on, but this twin has no twin model (L4 is none): the scene "
            "lives in the twin model (TwinMaker / Digital Twins 3D Scenes)",
            f"set needs_3d_model to false, {_CHOOSE_L4}",
            code="needs-twin-model",
        )
    # The hierarchy files are kept as they are (like the other cloud's when L4 is on one):
    # not checked, not deployed, no warning.
    _check_entity_references(ctx)


def _check_entity_references(ctx: Context) -> None:
    """A condition in the older ``entity.device.property`` form names a twin-model entity;
    without L4 there is none (the rule still reads ``device.property``)."""
    doc = ctx.json(files.EVENTS)
    if doc is None or not isinstance(doc.value, list):
        return
    for i, rule in enumerate(doc.value):
        condition = rule.get("condition") if isinstance(rule, dict) else None
        if not isinstance(condition, str):
            continue
        try:
            parsed = parse_condition(condition)
        except ConditionSyntaxError:
            continue  # event_rules reports it
        for ref in parsed.references:
            if ref.entity is None:
                continue
            plain = f"{ref.device}.{ref.property}"
            ctx.warning(
                files.EVENTS,
                (i, "condition"),
                f"{ref.to_text()!r} (column {ref.column}) names the twin-model entity "
                f"{ref.entity!r}, but this twin has no twin model (L4 is none); the rule "
                f"reads {plain} of the device",
                f"write {plain} instead, {_CHOOSE_L4}",
                code="condition-entity-without-twin",
            )
