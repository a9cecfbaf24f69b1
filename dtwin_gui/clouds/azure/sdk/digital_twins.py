"""SDK step ``azure.digital_twins``: the project's DTDL graph on Azure Digital Twins.

From ``twin_hierarchy/azure_hierarchy.json`` (``models``, ``twins``, ``relationships``):
models are created in dependency order (a model after the models it extends or targets),
existing ones kept; twins and relationships are created or updated. Destroy removes
relationships, then twins, then models (dependents first). Saved state: ``{"models": [ids],
"twins": [ids], "relationships": [[source, relationship id]]}``.

``ctx`` needs ``hierarchy`` (the parsed JSON) and ``adt`` (a ``DigitalTwinsClient``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dtwin_gui.clouds.base import StepItem, StepProbe
from dtwin_gui.core.providers import Slot

STEP_ID = "azure.digital_twins"
HIERARCHY = "twin_hierarchy/azure_hierarchy.json"


def load_hierarchy(project_root: Path) -> dict:
    path = Path(project_root) / HIERARCHY
    return json.loads(path.read_text()) if path.exists() else {}


def _depends_on(model: dict) -> set[str]:
    extends = model.get("extends") or []
    deps = {extends} if isinstance(extends, str) else set(extends)
    for item in model.get("contents", []):
        if item.get("@type") == "Relationship" and isinstance(item.get("target"), str):
            deps.add(item["target"])
    return deps - {model["@id"]}


def model_order(models: list[dict]) -> list[dict]:
    """Each model after the models it depends on (cycles: in file order)."""
    by_id = {m["@id"]: m for m in models}
    done: list[str] = []
    visiting: set[str] = set()

    def visit(mid: str) -> None:
        if mid in done or mid in visiting or mid not in by_id:
            return
        visiting.add(mid)
        for dep in sorted(_depends_on(by_id[mid])):
            visit(dep)
        visiting.discard(mid)
        done.append(mid)

    for m in models:
        visit(m["@id"])
    return [by_id[m] for m in done]


def _status(exc: BaseException) -> int | None:
    code = getattr(exc, "status_code", None)
    return code if isinstance(code, int) else None


def _events(ctx, layer: str):
    """``event(kind, name, action, state)``: the step's objects in the Deploy page's tree
    (a context without events, as in unit tests, gets none)."""
    resource = getattr(ctx, "resource", None)
    if resource is None:
        return lambda *args: None
    return lambda kind, name, action, state: resource(Slot(layer), kind, name, action, state)


class DigitalTwinsStep:
    step_id = STEP_ID
    layer = str(Slot.L4)

    def describe(self, project, topology) -> list[StepItem]:
        h = load_hierarchy(project.root)
        return [
            *(
                StepItem(self.layer, f"DTDL model {m['@id']}", "", "adt-model", m["@id"])
                for m in h.get("models", [])
            ),
            *(
                StepItem(self.layer, f"twin {t['$dtId']}", "", "adt-twin", t["$dtId"])
                for t in h.get("twins", [])
            ),
        ]

    def recorded(self, saved: Mapping[str, Any]) -> list[tuple[str, str]]:
        return [
            *(("adt-model", m) for m in saved.get("models", [])),
            *(("adt-twin", t) for t in saved.get("twins", [])),
            *(("adt-relationship", r[1]) for r in saved.get("relationships", [])),
        ]

    def ensure(self, ctx, saved: Mapping[str, Any]) -> dict[str, Any]:
        h, adt = ctx.hierarchy, ctx.adt
        event = _events(ctx, self.layer)
        models = model_order(h.get("models", []))
        for model in models:
            try:
                adt.get_model(model["@id"])
            except Exception as exc:
                if _status(exc) != 404:
                    raise
                event("adt-model", model["@id"], "create", "creating")
                adt.create_models([model])
                event("adt-model", model["@id"], "create", "created")
        known_twins = set(saved.get("twins", []))
        for twin in h.get("twins", []):
            adt.upsert_digital_twin(twin["$dtId"], twin)
            if twin["$dtId"] in known_twins:  # upserted again: the hierarchy's values hold
                event("adt-twin", twin["$dtId"], "noop", "unchanged")
            else:
                event("adt-twin", twin["$dtId"], "create", "created")
        known_rels = {tuple(r) for r in saved.get("relationships", [])}
        rels = []
        for rel in h.get("relationships", []):
            key = (rel["$dtId"], rel["$relationshipId"])
            adt.upsert_relationship(rel["$dtId"], rel["$relationshipId"], rel)
            if key in known_rels:
                event("adt-relationship", rel["$relationshipId"], "noop", "unchanged")
            else:
                event("adt-relationship", rel["$relationshipId"], "create", "created")
            rels.append([rel["$dtId"], rel["$relationshipId"]])
        return {
            "models": [m["@id"] for m in models],
            "twins": [t["$dtId"] for t in h.get("twins", [])],
            "relationships": rels,
        }

    def destroy(self, ctx, saved: Mapping[str, Any]) -> list[str]:
        adt, left = ctx.adt, []

        def attempt(what: str, call) -> None:
            try:
                call()
            except Exception as exc:
                if _status(exc) != 404:
                    left.append(f"{what}: {exc}")

        event = _events(ctx, self.layer)
        for source, rid in saved.get("relationships", []):
            attempt(f"relationship {rid}", lambda s=source, r=rid: adt.delete_relationship(s, r))
            event("adt-relationship", rid, "delete", "deleted")
        for twin in saved.get("twins", []):
            attempt(f"twin {twin}", lambda t=twin: adt.delete_digital_twin(t))
            event("adt-twin", twin, "delete", "deleted")
        for model in reversed(saved.get("models", [])):
            attempt(f"model {model}", lambda m=model: adt.delete_model(m))
            event("adt-model", model, "delete", "deleted")
        return left

    def probe(self, ctx, saved: Mapping[str, Any]) -> list[StepProbe]:
        out = []
        for twin in saved.get("twins", []):
            try:
                ctx.adt.get_digital_twin(twin)
                state, detail = "present", ""
            except Exception as exc:
                state, detail = ("missing", "") if _status(exc) == 404 else ("error", str(exc))
            out.append(StepProbe(self.step_id, self.layer, twin, state, detail, "adt-twin"))
        return out
