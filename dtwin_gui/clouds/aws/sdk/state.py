"""The record of SDK-created objects (``sdk_state.json`` in the deployment workspace, 0600).

Written after every object is created or removed, so a crash or a cancel mid-way still leaves
destroy and status knowing what exists. Holds ids only, never key material (the device keys
live in their own owner-only files).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from dtwin_gui.deploy.workspace import DeploymentWorkspace

VERSION = 1


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

    @property
    def empty(self) -> bool:
        return not self.devices and self.twinmaker is None and self.grafana is None

    def to_json(self) -> dict:
        return {
            "version": VERSION,
            "devices": {k: asdict(v) for k, v in self.devices.items()},
            "twinmaker": asdict(self.twinmaker) if self.twinmaker else None,
            "grafana": asdict(self.grafana) if self.grafana else None,
        }

    @classmethod
    def from_json(cls, data: object) -> SdkState:
        """Read what :meth:`to_json` wrote; unreadable parts are left out, never guessed."""
        state = cls()
        if not isinstance(data, dict):
            return state
        for device, raw in (data.get("devices") or {}).items():
            try:
                state.devices[device] = DeviceRecord(**raw)
            except TypeError:
                continue
        try:
            if data.get("twinmaker"):
                state.twinmaker = TwinMakerRecord(**data["twinmaker"])
        except TypeError:
            state.twinmaker = None
        try:
            if data.get("grafana"):
                state.grafana = GrafanaRecord(**data["grafana"])
        except TypeError:
            state.grafana = None
        return state

    # --- persistence ---------------------------------------------------------------------
    @classmethod
    def load(cls, workspace: DeploymentWorkspace) -> SdkState:
        return cls.from_json(workspace.read_json(workspace.sdk_state_file, None))

    def save(self, workspace: DeploymentWorkspace) -> None:
        """Write the record (0600); an empty record removes the file."""
        if self.empty:
            workspace.sdk_state_file.unlink(missing_ok=True)
        else:
            workspace.write_json(workspace.sdk_state_file, self.to_json())
