"""The deployment's SDK record read without knowing any cloud: ``{step_id: saved}``.

``sdk_state.json`` (see the workspace) holds ``{"version": 2, "steps": {step_id: {...}}}``.
Each cloud's plugin may read its own steps' entries (and its older file formats) through its
``saved_steps`` part; an entry no plugin claims is passed on as it was saved. No cloud call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dtwin_gui.clouds import plugins
from dtwin_gui.deploy.workspace import DeploymentWorkspace


def saved_steps(workspace: DeploymentWorkspace) -> dict[str, dict[str, Any]]:
    """The saved state of every step in the workspace's SDK record (``{}`` when none)."""
    data = workspace.read_json(workspace.sdk_state_file, None)
    return steps_of(data)


def steps_of(data: object) -> dict[str, dict[str, Any]]:
    """``{step_id: saved}`` of a record's JSON (anything unreadable reads as nothing)."""
    if not isinstance(data, Mapping):
        return {}
    steps: dict[str, dict[str, Any]] = {}
    raw = data.get("steps") if data.get("version", 1) != 1 else None
    if isinstance(raw, Mapping):
        steps = {str(k): dict(v) for k, v in raw.items() if isinstance(v, Mapping) and v}
    for cloud_plugin in plugins():
        read = cloud_plugin.part("saved_steps")
        if read is not None:
            steps.update(read(data))
    return {k: v for k, v in steps.items() if v}
