"""Adopt what exists in the clouds but is missing from the Terraform state (issue 11).

A Terraform killed in the middle of an apply may have created objects it never recorded
(the state is saved every few seconds, not after each call). Every name is deterministic,
so before an apply dtwin looks at what the plan would *create*, asks each connected cloud
(its plugin's ``adopt`` part, e.g. :mod:`dtwin_gui.clouds.aws.adopt`) which of those already
exist, and writes Terraform ``import`` blocks for them into ``adopt.tf.json`` in the
generated root; the next plan then imports instead of failing with "already exists".
Before a destroy, each cloud's ``adopt_before_destroy`` part names what a killed apply left
untracked, and it is imported so that the destroy removes it too. Nothing is deleted and
recreated: data stores (tables, buckets) keep their data.

This module is the cloud-neutral flow (plan, ask every cloud, import, plan again); the
clouds only say what their own services hold.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dtwin_gui.clouds import plugin
from dtwin_gui.clouds.base import Connections

ADOPT_FILE = "adopt.tf.json"
#: The plan a destroy makes to learn where each untracked object goes.
_DESTROY_PLAN = "adopt.tfplan"


@dataclass(frozen=True)
class Adoption:
    address: str
    type: str
    import_id: str
    name: str


def write_imports(terraform_dir: Path, adoptions: list[Adoption]) -> Path:
    """``adopt.tf.json``: one ``import`` block per adoption (sorted: deterministic)."""
    from dtwin_gui.core.fsutil import atomic_write_text

    blocks = [{"to": a.address, "id": a.import_id} for a in sorted(adoptions, key=str)]
    path = Path(terraform_dir) / ADOPT_FILE
    atomic_write_text(path, json.dumps({"import": blocks}, indent=2, sort_keys=True) + "\n")
    return path


def clear_imports(terraform_dir: Path) -> None:
    (Path(terraform_dir) / ADOPT_FILE).unlink(missing_ok=True)


def _log(deployment, message: str) -> None:
    from dtwin_gui.core.run_events import LogEvent

    deployment._emit(LogEvent("dtwin", "warning", message))


def _describe(found: list[Adoption]) -> str:
    names = ", ".join(f"{a.name} ({a.type})" for a in found)
    return f"adopting {len(found)} resource(s) Terraform lost track of: {names}"


def _twin_name(deployment) -> str:
    from dtwin_gui.core.project import load_project

    return load_project(deployment.project_root).twin_name


def _shown(deployment, plan_file: Path) -> Callable[[], dict]:
    """``plan_file`` as Terraform's JSON document, read once, only when a cloud asks."""
    cached: list[dict] = []

    def document() -> dict:
        if not cached:
            terraform = deployment._terraform_runner()
            cached.append(deployment._guard(lambda: terraform.show_plan(plan_file), "plan"))
        return cached[0]

    return document


def _each_cloud(deployment, part_name: str, *args) -> list[Adoption]:
    connections = Connections.wrap(deployment.connections)
    found: list[Adoption] = []
    for cloud in connections.clouds:
        part = plugin(cloud).part(part_name)
        if part is not None:
            found.extend(part(connections[cloud], *args))
    return found


def plan_adopting(deployment, plan_file: Path | None = None):
    """Plan; when the plan would create objects that already exist, import them (import
    blocks) and plan again. ``deployment`` is a :class:`~dtwin_gui.deploy.orchestrator.
    Deployment`."""
    terraform_dir = deployment.workspace.terraform_dir
    clear_imports(terraform_dir)
    plan = deployment._plan(plan_file=plan_file)
    if not plan.has_changes:
        return plan
    document = _shown(deployment, plan.plan_file)
    found = _each_cloud(deployment, "adopt", _twin_name(deployment), plan, terraform_dir, document)
    if not found:
        return plan
    _log(deployment, _describe(found))
    write_imports(terraform_dir, found)
    return deployment._plan(plan_file=plan_file)


def adopt_before_destroy(deployment) -> list[Adoption]:
    """Before a destroy: import what a killed apply created but never recorded, so that
    the destroy removes it too (``terraform import``; a plan says where each one goes)."""
    terraform_dir = deployment.workspace.terraform_dir
    plan_file = terraform_dir / _DESTROY_PLAN
    planned: list = []

    def document() -> dict:  # planned only when a cloud found something untracked
        if not planned:
            clear_imports(terraform_dir)
            planned.append(deployment._plan(plan_file=plan_file))
            planned.append(_shown(deployment, planned[0].plan_file))
        return planned[1]()

    found = _each_cloud(
        deployment, "adopt_before_destroy", _twin_name(deployment), terraform_dir, document
    )
    if found:
        _log(deployment, _describe(found))
        terraform = deployment._terraform_runner()
        for adoption in found:
            deployment._guard(
                lambda a=adoption: terraform.import_resource(a.address, a.import_id), "destroy"
            )
    plan_file.unlink(missing_ok=True)
    return found
