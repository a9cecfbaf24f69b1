"""The project facts baked into every function package as ``dtwin_function.json``.

Deployment-specific wiring (table names, URLs, secrets) comes from the environment (see
:mod:`.contracts`); what follows from the project itself (devices, rules, routes) is built
into the package, so a change to it changes the package hash and triggers a redeploy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

FILE_NAME = "dtwin_function.json"


@dataclass(frozen=True)
class FunctionConfig:
    role: str
    twin_name: str
    cloud: str
    #: The function's own topology name (e.g. ``processor-temperature-sensor-1``).
    name: str
    #: For a processor: its device; for an action: the action name.
    device_id: str | None = None
    action: str | None = None
    #: device id -> {property: dataType}
    devices: dict[str, dict[str, str]] = field(default_factory=dict)
    #: device id -> deployed name of its processor function (dispatcher, ingestion)
    routes: dict[str, str] = field(default_factory=dict)
    #: the event rules as in config_events.json (event checker)
    rules: list[dict] = field(default_factory=list)
    #: action name -> deployed function name (event checker)
    actions: dict[str, str] = field(default_factory=dict)
    features: dict[str, bool] = field(default_factory=dict)
    #: topic templates with ``{twin}`` and ``{device_id}``
    telemetry_topic: str = "dtwin/{twin}/{device_id}/telemetry"
    feedback_topic: str = "dtwin/{twin}/{device_id}/feedback"

    def topic(self, template: str, device_id: str) -> str:
        return template.format(twin=self.twin_name, device_id=device_id)

    def to_json(self) -> dict:
        return {
            "role": self.role,
            "twin_name": self.twin_name,
            "cloud": self.cloud,
            "name": self.name,
            "device_id": self.device_id,
            "action": self.action,
            "devices": self.devices,
            "routes": self.routes,
            "rules": self.rules,
            "actions": self.actions,
            "features": self.features,
            "telemetry_topic": self.telemetry_topic,
            "feedback_topic": self.feedback_topic,
        }

    def dumps(self) -> str:
        """Canonical JSON (sorted keys) so identical configs give identical bytes."""
        return json.dumps(self.to_json(), sort_keys=True, indent=1, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, data: dict) -> FunctionConfig:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})

    @classmethod
    def load(cls, path: Path) -> FunctionConfig:
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
