"""The record of SDK-created objects (``sdk_state.json`` in the deployment workspace, 0600).

On disk the record is keyed by step id, as every cloud's SDK steps save it::

    {"version": 2, "steps": {"aws.iot_devices": {...}, "aws.twinmaker": {...}, ...}}

Inside the AWS steps the saved state of a step is read as a typed record (:class:`DeviceRecord`
per device, :class:`TwinMakerRecord`, :class:`GrafanaRecord`); a step id of another cloud is
kept as it was saved. A version-1 file (before the step ids: ``devices`` / ``twinmaker`` /
``grafana`` at the top) is read as the same records, so a twin deployed by an older dtwin is
still found and destroyed.

Written after every object is created or removed, so a crash or a cancel mid-way still leaves
destroy and status knowing what exists. Holds ids only, never key material (the device keys
live in their own owner-only files).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from dtwin_gui.deploy.workspace import DeploymentWorkspace

VERSION = 2
#: Step ids of the AWS SDK steps: the keys of their saved state. Never rename one (a saved
#: deployment would lose track of what it made).
STEP_IOT_DEVICES = "aws.iot_devices"
STEP_TWINMAKER = "aws.twinmaker"
STEP_GRAFANA = "aws.grafana"
AWS_STEP_IDS = (STEP_IOT_DEVICES, STEP_TWINMAKER, STEP_GRAFANA)


@dataclass
class DeviceRecord:
    """The certificate dtwin made for one device, and where its files are."""

    device_id: str
    thing_name: str
    policy_name: str
    certificate_id: str
    certificate_arn: str


@dataclass
class TwinMakerRecord:
    workspace_id: str
    #: Component types dtwin created, in creation order.
    component_types: list[str] = field(default_factory=list)
    #: Entities dtwin created, parents before children.
    entities: list[str] = field(default_factory=list)


@dataclass
class GrafanaRecord:
    workspace_id: str
    endpoint: str = ""
    service_account_id: str = ""
    datasource_uid: str = ""
    dashboard_uid: str = ""


@dataclass
class SdkState:
    devices: dict[str, DeviceRecord] = field(default_factory=dict)
    twinmaker: TwinMakerRecord | None = None
    grafana: GrafanaRecord | None = None
    #: Saved states of step ids that are not AWS's, kept as they were saved.
    other_steps: dict[str, dict] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(self.step(step_id) for step_id in self.step_ids)

    @property
    def step_ids(self) -> list[str]:
        return [*AWS_STEP_IDS, *self.other_steps]

    # --- one step's saved state, as the SdkStep protocol passes it ------------------------
    def step(self, step_id: str) -> dict[str, Any]:
        """The saved state of ``step_id`` (``{}`` when the step has made nothing)."""
        if step_id == STEP_IOT_DEVICES:
            devices = {k: asdict(v) for k, v in self.devices.items()}
            return {"devices": devices} if devices else {}
        if step_id == STEP_TWINMAKER:
            return asdict(self.twinmaker) if self.twinmaker else {}
        if step_id == STEP_GRAFANA:
            return asdict(self.grafana) if self.grafana else {}
        return dict(self.other_steps.get(step_id) or {})

    def set_step(self, step_id: str, saved: Mapping[str, Any] | None) -> None:
        """Replace the saved state of ``step_id``; unreadable parts are left out, never guessed."""
        saved = saved if isinstance(saved, Mapping) else {}
        if step_id == STEP_IOT_DEVICES:
            self.devices = _devices(saved.get("devices"))
        elif step_id == STEP_TWINMAKER:
            self.twinmaker = _record(TwinMakerRecord, saved)
        elif step_id == STEP_GRAFANA:
            self.grafana = _record(GrafanaRecord, saved)
        elif saved:
            self.other_steps[step_id] = dict(saved)
        else:
            self.other_steps.pop(step_id, None)

    # --- the file ---------------------------------------------------------------------------
    def to_json(self) -> dict:
        steps = {step_id: self.step(step_id) for step_id in self.step_ids}
        return {"version": VERSION, "steps": {k: v for k, v in steps.items() if v}}

    @classmethod
    def from_json(cls, data: object) -> SdkState:
        """Read what :meth:`to_json` wrote, or a version-1 file (converted to step ids)."""
        state = cls()
        if not isinstance(data, dict):
            return state
        steps = data.get("steps") if data.get("version", 1) != 1 else _steps_of_version_1(data)
        if not isinstance(steps, dict):
            return state
        for step_id, saved in steps.items():
            state.set_step(str(step_id), saved)
        return state

    @classmethod
    def load(cls, workspace: DeploymentWorkspace) -> SdkState:
        return cls.from_json(workspace.read_json(workspace.sdk_state_file, None))

    def save(self, workspace: DeploymentWorkspace) -> None:
        """Write the record (0600); an empty record removes the file."""
        if self.empty:
            workspace.remove_json(workspace.sdk_state_file)
        else:
            workspace.write_json(workspace.sdk_state_file, self.to_json())


def saved_steps(data: object) -> dict[str, dict[str, Any]]:
    """The saved state of each AWS step in ``data`` (a version-1 or version-2 file's JSON),
    read as the steps read it (unreadable records left out): the plugin's ``saved_steps``."""
    state = SdkState.from_json(data)
    return {step_id: state.step(step_id) for step_id in AWS_STEP_IDS}


def _steps_of_version_1(data: dict) -> dict[str, Any]:
    """The step-keyed form of a version-1 record (``devices``/``twinmaker``/``grafana``)."""
    return {
        STEP_IOT_DEVICES: {"devices": data.get("devices") or {}},
        STEP_TWINMAKER: data.get("twinmaker") or {},
        STEP_GRAFANA: data.get("grafana") or {},
    }


def _devices(raw: object) -> dict[str, DeviceRecord]:
    devices: dict[str, DeviceRecord] = {}
    for device, fields in (raw if isinstance(raw, dict) else {}).items():
        record = _record(DeviceRecord, fields)
        if record is not None:
            devices[device] = record
    return devices


def _record(kind, fields: object):
    if not isinstance(fields, Mapping) or not fields:
        return None
    try:
        return kind(**fields)
    except TypeError:
        return None
