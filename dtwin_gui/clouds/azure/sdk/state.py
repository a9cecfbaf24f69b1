"""The SDK record as the Azure steps read and write it (``sdk_state.json``, 0600).

The file is the one every cloud's SDK steps share (:mod:`dtwin_gui.deploy.sdk_record`)::

    {"version": 2, "steps": {"azure.iothub_devices": {...}, "aws.twinmaker": {...}, ...}}

The Azure steps keep their saved state as plain JSON (each step's own shape, see the step
modules), so the record here is generic: step id -> saved dict. Entries of other clouds are
read through :func:`dtwin_gui.deploy.sdk_record.steps_of` (which also turns an older AWS file
into step ids) and written back as they were, so an Azure run never loses what AWS made.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

VERSION = 2
#: Step ids of the Azure SDK steps: the keys of their saved state. Never rename one (a saved
#: deployment would lose track of what it made).
STEP_IOTHUB_DEVICES = "azure.iothub_devices"
STEP_DIGITAL_TWINS = "azure.digital_twins"
STEP_GRAFANA = "azure.grafana"
AZURE_STEP_IDS = (STEP_IOTHUB_DEVICES, STEP_DIGITAL_TWINS, STEP_GRAFANA)


@dataclass
class AzureSdkState:
    """``{step_id: saved}`` of every step in the record (all clouds')."""

    steps: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(self.steps.values())

    def step(self, step_id: str) -> dict[str, Any]:
        """The saved state of ``step_id`` (``{}`` when the step has made nothing)."""
        return dict(self.steps.get(step_id) or {})

    def set_step(self, step_id: str, saved: Mapping[str, Any] | None) -> None:
        if isinstance(saved, Mapping) and saved:
            self.steps[step_id] = dict(saved)
        else:
            self.steps.pop(step_id, None)

    # --- the file -------------------------------------------------------------------------
    def to_json(self) -> dict:
        return {"version": VERSION, "steps": {k: v for k, v in sorted(self.steps.items()) if v}}

    @classmethod
    def from_json(cls, data: object) -> AzureSdkState:
        from dtwin_gui.deploy.sdk_record import steps_of

        return cls(steps_of(data))

    @classmethod
    def load(cls, workspace) -> AzureSdkState:
        return cls.from_json(workspace.read_json(workspace.sdk_state_file, None))

    def save(self, workspace) -> None:
        """Write the record (0600); an empty record removes the file."""
        if self.empty:
            workspace.remove_json(workspace.sdk_state_file)
        else:
            workspace.write_json(workspace.sdk_state_file, self.to_json())


def saved_steps(data: object) -> dict[str, dict[str, Any]]:
    """The plugin's ``saved_steps`` part: the saved state of each Azure step in ``data`` (the
    record's JSON; Azure's steps only ever wrote version 2), unreadable entries left out."""
    if not isinstance(data, Mapping) or data.get("version", 1) == 1:
        return {}
    steps = data.get("steps")
    if not isinstance(steps, Mapping):
        return {}
    return {
        step_id: dict(steps[step_id])
        for step_id in AZURE_STEP_IDS
        if isinstance(steps.get(step_id), Mapping) and steps[step_id]
    }
