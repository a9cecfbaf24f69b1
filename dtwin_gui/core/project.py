"""The project model: what a project folder says, read tolerantly.

:func:`load_project` never fails on bad content: it returns what it can understand, so the
GUI can show a half-broken project. :mod:`dtwin_gui.core.validation` says what is wrong.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dtwin_gui.core.fsutil import atomic_write_json
from dtwin_gui.core.providers import (
    NO_CLOUD,
    OPTIONAL_SLOTS,
    PROVIDER_KEYS,
    SLOTS,
    Cloud,
    NoCloud,
    Slot,
    as_choices,
    parse_choice,
)

CONFIG = "config.json"
DEVICES = "config_iot_devices.json"
EVENTS = "config_events.json"
PROVIDERS = "config_providers.json"
FEATURES = "config_features.json"
PROJECT_INFO = "project_info.json"
PAYLOADS = "payloads.json"
AWS_HIERARCHY = "twin_hierarchy/aws_hierarchy.json"
AZURE_HIERARCHY = "twin_hierarchy/azure_hierarchy.json"
REQUIRED_FILES = (CONFIG, DEVICES, EVENTS, PROVIDERS)

HIERARCHY_FILES: dict[Cloud, str] = {Cloud.AWS: AWS_HIERARCHY, Cloud.AZURE: AZURE_HIERARCHY}
STATE_MACHINE_FILES: dict[Cloud, str] = {
    Cloud.AWS: "state_machines/aws_step_function.json",
    Cloud.AZURE: "state_machines/azure_logic_app.json",
    Cloud.GOOGLE: "state_machines/google_cloud_workflow.json",
}
#: Where each cloud's workflow may be, in the order looked at: Google Workflows' own format is
#: YAML, so .yaml/.yml are read like the JSON form.
STATE_MACHINE_CANDIDATES: dict[Cloud, tuple[str, ...]] = {
    Cloud.AWS: (STATE_MACHINE_FILES[Cloud.AWS],),
    Cloud.AZURE: (STATE_MACHINE_FILES[Cloud.AZURE],),
    Cloud.GOOGLE: (
        STATE_MACHINE_FILES[Cloud.GOOGLE],
        "state_machines/google_cloud_workflow.yaml",
        "state_machines/google_cloud_workflow.yml",
    ),
}


def state_machine_files(root: Path, cloud: Cloud) -> list[str]:
    """The workflow files of ``cloud`` that exist under ``root`` (the first one is used)."""
    return [rel for rel in STATE_MACHINE_CANDIDATES[cloud] if (Path(root) / rel).is_file()]


SCENE_FILES: dict[Cloud, tuple[str, ...]] = {
    Cloud.AWS: ("scene_assets/aws/scene.glb", "scene_assets/aws/scene.json"),
    Cloud.AZURE: (
        "scene_assets/azure/scene.glb",
        "scene_assets/azure/3DScenesConfiguration.json",
    ),
}
FEATURE_NAMES = (
    "use_event_checking",
    "trigger_notification_workflow",
    "return_feedback_to_device",
    "integrate_error_handling",
    "needs_3d_model",
)


def processor_file(device_id: str) -> str:
    return f"processors/{device_id}/process.py"


def action_file(function_name: str) -> str:
    return f"event_actions/{function_name}/action.py"


FEEDBACK_FILE = "event_feedback/feedback.py"


@dataclass(frozen=True)
class Property:
    name: str
    data_type: str
    init_value: object = None


@dataclass(frozen=True)
class Device:
    id: str
    properties: tuple[Property, ...] = ()
    const_properties: tuple[Property, ...] = ()


@dataclass(frozen=True)
class EventRule:
    condition: str
    action_type: str
    function_name: str | None = None
    feedback_device: str | None = None
    feedback_payload: dict | None = None


@dataclass
class Project:
    """A project as far as it could be read. Missing parts are empty, never invented."""

    root: Path
    twin_name: str = ""
    hot_days: int | None = None
    cold_days: int | None = None
    mode: str = ""
    description: str = ""
    devices: list[Device] = field(default_factory=list)
    events: list[EventRule] = field(default_factory=list)
    #: The cloud of each slot; None = not chosen (or unknown); an optional slot (L4/L5) the
    #: twin leaves out ("none") is absent. :meth:`choices` says every slot explicitly.
    providers: dict[Slot, Cloud | None] = field(default_factory=dict)
    features: dict[str, bool] = field(default_factory=dict)

    @property
    def device_ids(self) -> list[str]:
        return [d.id for d in self.devices]

    @property
    def action_names(self) -> list[str]:
        """Distinct function names of event actions, in first-use order."""
        names: list[str] = []
        for rule in self.events:
            name = rule.function_name
            if rule.action_type == "function" and name and name not in names:
                names.append(name)
        return names

    def feature(self, name: str) -> bool:
        return bool(self.features.get(name, False))

    def providers_complete(self) -> bool:
        return all(c is not None for c in self.choices().values())

    def choices(self) -> dict[Slot, Cloud | NoCloud | None]:
        """Every slot's choice: its cloud, :data:`NO_CLOUD` when left out, None if unchosen."""
        return as_choices(self.providers)

    def has_layer(self, slot: Slot) -> bool:
        """Whether ``slot`` is part of this twin (False for a left-out L4/L5)."""
        return not (slot in OPTIONAL_SLOTS and slot not in self.providers)


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, RecursionError):  # RecursionError: nested absurdly deep
        return None


def _as_dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else []


def _properties(items: object, value_key: str) -> tuple[Property, ...]:
    out = []
    for item in _as_list(items):
        item = _as_dict(item)
        if isinstance(item.get("name"), str):
            out.append(Property(item["name"], str(item.get("dataType", "")), item.get(value_key)))
    return tuple(out)


def load_project(root: Path) -> Project:
    """Read the project at ``root`` as far as possible (never raises on bad content)."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder")
    project = Project(root=root)
    config = _as_dict(_read_json(root / CONFIG))
    name = config.get("digital_twin_name")
    project.twin_name = name if isinstance(name, str) else ""
    for attr, key in (
        ("hot_days", "hot_storage_size_in_days"),
        ("cold_days", "cold_storage_size_in_days"),
    ):
        value = config.get(key)
        setattr(
            project, attr, value if isinstance(value, int) and not isinstance(value, bool) else None
        )
    project.mode = config.get("mode") if isinstance(config.get("mode"), str) else ""
    info = _as_dict(_read_json(root / PROJECT_INFO))
    project.description = (
        info.get("description") if isinstance(info.get("description"), str) else ""
    )

    for raw in _as_list(_read_json(root / DEVICES)):
        raw = _as_dict(raw)
        if isinstance(raw.get("id"), str):
            project.devices.append(
                Device(
                    raw["id"],
                    _properties(raw.get("properties"), "initValue"),
                    _properties(raw.get("constProperties"), "value"),
                )
            )
    for raw in _as_list(_read_json(root / EVENTS)):
        raw = _as_dict(raw)
        action = _as_dict(raw.get("action"))
        feedback = _as_dict(action.get("feedback"))
        if isinstance(raw.get("condition"), str):
            fb_device = feedback.get("device_id")
            fb_payload = feedback.get("payload")
            project.events.append(
                EventRule(
                    condition=raw["condition"],
                    action_type=str(action.get("type", "")),
                    function_name=action.get("functionName")
                    if isinstance(action.get("functionName"), str)
                    else None,
                    feedback_device=fb_device if isinstance(fb_device, str) else None,
                    feedback_payload=fb_payload if isinstance(fb_payload, dict) else None,
                )
            )
    project.providers = read_providers(root)
    features = _as_dict(_read_json(root / FEATURES))
    project.features = {n: features.get(n) is True for n in FEATURE_NAMES}
    return project


def read_choices(root: Path) -> dict[Slot, Cloud | NoCloud | None]:
    """Every slot's choice per ``config_providers.json``: its cloud, :data:`NO_CLOUD` for a
    ``"none"`` L4/L5, None where missing or unknown ("none" on L1–L3 is unknown: validation
    says why)."""
    data = _as_dict(_read_json(Path(root) / PROVIDERS))
    out: dict[Slot, Cloud | NoCloud | None] = {}
    for slot, key in PROVIDER_KEYS.items():
        choice = parse_choice(data.get(key))
        out[slot] = None if choice is NO_CLOUD and slot not in OPTIONAL_SLOTS else choice
    return out


def read_providers(root: Path) -> dict[Slot, Cloud | None]:
    """The cloud of each slot per ``config_providers.json`` (None where unknown); an L4/L5
    set to ``"none"`` is left out of the dict (the layer is not part of the twin)."""
    return {s: c for s, c in read_choices(root).items() if c is not NO_CLOUD}


def write_providers(root: Path, providers: Mapping[Slot, Cloud | NoCloud | None]) -> None:
    """Write the provider choice to ``config_providers.json`` atomically.

    Only the slots given are written (:data:`NO_CLOUD` as ``"none"``; None leaves the slot
    as the file has it). Keys the file has that are not ours are kept, so nothing the user
    wrote is lost.
    """
    path = Path(root) / PROVIDERS
    existing = _read_json(path)
    data = dict(existing) if isinstance(existing, dict) else {}
    for slot in SLOTS:
        if providers.get(slot) is NO_CLOUD and slot not in OPTIONAL_SLOTS:
            raise ValueError(f"{slot} cannot be left out of a twin (only L4 and L5 can)")
        if providers.get(slot) is not None:
            data[PROVIDER_KEYS[slot]] = str(providers[slot])
    ordered = {
        PROVIDER_KEYS[s]: data.pop(PROVIDER_KEYS[s]) for s in SLOTS if PROVIDER_KEYS[s] in data
    }
    ordered.update(data)
    atomic_write_json(path, ordered)
