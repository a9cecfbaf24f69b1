"""Terraform addresses ↔ layers. Module paths encode the layer, so this is exact.

The generated root instantiates one module per (cloud, layer): ``module.<cloud>_<layer>``
with layer one of ``setup, l1, l2, l3_hot, l3_cold, l3_archive, l4, l5`` (e.g.
``module.aws_l3_hot.aws_dynamodb_table.hot``). Glue receivers live in the module of the layer
they receive for. What a layer module takes from the shared submodules (``_function``,
``_bucket``) sits one level deeper and belongs to that layer all the same
(``module.aws_l2.module.functions.aws_iam_role.function["persister"]`` is L2).
"""

from __future__ import annotations

import re

from dtwin_gui.core.providers import Cloud, Slot

#: The layer of the module every AWS layer shares (the function-package bucket).
SETUP = "setup"
MODULE_LAYERS: dict[str, str] = {
    SETUP: SETUP,
    "l1": str(Slot.L1),
    "l2": str(Slot.L2),
    "l3_hot": str(Slot.L3_HOT),
    "l3_cold": str(Slot.L3_COLD),
    "l3_archive": str(Slot.L3_ARCHIVE),
    "l4": str(Slot.L4),
    "l5": str(Slot.L5),
}
SLOT_MODULE: dict[str, str] = {v: k for k, v in MODULE_LAYERS.items()}

_MODULE = re.compile(
    r"^module\.(?P<cloud>aws|azure|google)_(?P<layer>[a-z0-9_]+?)(?:\[[^\]]*\])?(?:\.|$)"
)


def module_name(cloud: Cloud | str, layer: Slot | str) -> str:
    """``aws_l3_hot`` for (aws, L3_hot); ``aws_setup`` for (aws, "setup")."""
    key = SLOT_MODULE[str(layer)] if str(layer) in SLOT_MODULE else str(layer)
    return f"{cloud}_{key}"


def module_path(cloud: Cloud | str, layer: Slot | str) -> str:
    """Path of the static module, relative to the repository's ``terraform/`` folder."""
    key = SLOT_MODULE[str(layer)] if str(layer) in SLOT_MODULE else str(layer)
    return f"modules/{cloud}/{key}"


def layer_of(address: str) -> str | None:
    """The layer (``L2``, ``setup``, ...) of a resource address, or None outside our modules."""
    match = _MODULE.match(address)
    if not match:
        return None
    return MODULE_LAYERS.get(match.group("layer"))


def cloud_of(address: str) -> str | None:
    match = _MODULE.match(address)
    return match.group("cloud") if match else None


def component_of(address: str) -> str:
    """The resource type of an address (``aws_lambda_function``), or the data source."""
    parts = [p for p in re.split(r"\.(?![^\[]*\])", address) if p]
    while parts and parts[0] == "module":
        parts = parts[2:]
    if parts and parts[0] == "data" and len(parts) > 1:
        return f"data.{parts[1]}"
    return parts[0] if parts else ""
