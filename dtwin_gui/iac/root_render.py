"""The root document: the ``terraform`` block (version, every cloud's provider, backend),
the providers, data sources, modules, variables and outputs of the merged fragments
(:mod:`dtwin_gui.iac.root_fragment`). Values are encoded here (``Ref`` -> ``${...}``)."""

from __future__ import annotations

from collections.abc import Mapping

from dtwin_gui.iac.root_fragment import MergedRoot
from dtwin_gui.iac.root_parts import Sensitive, encode

TERRAFORM_VERSION = ">= 1.5"


def document(root: MergedRoot, backend: Mapping[str, Mapping] | None) -> dict:
    """The whole ``main.tf.json`` of a merged root."""
    terraform: dict = {
        "required_version": TERRAFORM_VERSION,
        "required_providers": dict(root.required_providers),
    }
    if backend:
        terraform["backend"] = {str(k): dict(v) for k, v in backend.items()}
    doc: dict = {"terraform": terraform, "provider": dict(root.providers)}
    if root.data:
        doc["data"] = {kind: dict(blocks) for kind, blocks in root.data.items()}
    doc["module"] = {name: encode(inputs) for name, inputs in root.modules.items()}
    if root.variables:
        doc["variable"] = {
            v.name: {
                "type": "string",
                "sensitive": True,
                "description": v.description,
                **({} if v.required else {"default": None}),
            }
            for v in root.variables.values()
        }
    doc["output"] = {name: _output(value) for name, value in sorted(root.outputs.items())}
    return doc


def _output(value: object) -> dict:
    if isinstance(value, Sensitive):
        return {"value": encode(value.value), "sensitive": True}
    return {"value": encode(value)}
