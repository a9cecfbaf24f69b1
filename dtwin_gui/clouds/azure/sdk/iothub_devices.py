"""SDK step ``azure.iothub_devices``: one IoT Hub device identity per project device.

Each device gets a symmetric key made by the hub; its device connection string is written
0600 into the deployment workspace (``<workspace>/azure/devices/<id>.conn``), never into the
project. The device twin starts from the device's ``initValue``s as desired
properties (the device reports its own). Saved state: ``{"hub": host, "devices": [ids]}``.

``ctx`` needs: ``project`` (devices), ``registry`` (an ``IoTHubRegistryManager`` with the
hub's iothubowner policy), ``hub_host`` (HostName of device connection strings, the sandbox's
carries the gateway's path prefix) and ``workspace`` (a Path).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dtwin_gui.clouds.base import StepItem, StepProbe
from dtwin_gui.core.providers import Slot

STEP_ID = "azure.iothub_devices"
KIND = "iothub-device"


def _status(exc: BaseException) -> int | None:
    for attr in ("status_code", "status"):
        code = getattr(exc, attr, None) or getattr(getattr(exc, "response", None), attr, None)
        if isinstance(code, int):
            return code
    return None


def connection_string_path(workspace: Path, device_id: str) -> Path:
    return Path(workspace) / "azure" / "devices" / f"{device_id}.conn"


def initial_twin(device) -> dict:
    """The device twin's starting properties: every property that has an initValue."""
    values = {
        p.name: p.init_value
        for p in (*device.properties, *device.const_properties)
        if p.init_value is not None
    }
    return {"properties": {"desired": values}} if values else {}


def _write_secret(path: Path, text: str) -> None:
    from dtwin_gui.build.cache import ensure_private_dir

    ensure_private_dir(path.parent)  # 0700, as the rest of the workspace
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    os.chmod(path, 0o600)


class IotHubDevicesStep:
    step_id = STEP_ID
    layer = str(Slot.L1)

    def describe(self, project, topology) -> list[StepItem]:
        return [
            StepItem(self.layer, f"IoT Hub device {d.id}", "symmetric key", KIND, d.id)
            for d in project.devices
        ]

    def recorded(self, saved: Mapping[str, Any]) -> list[tuple[str, str]]:
        return [(KIND, d) for d in saved.get("devices", [])]

    def _device(self, registry, device_id: str):
        try:
            return registry.get_device(device_id)
        except Exception as exc:  # the SDK raises HttpOperationError
            if _status(exc) == 404:
                return None
            raise

    def ensure(self, ctx, saved: Mapping[str, Any]) -> dict[str, Any]:
        from dtwin_gui.clouds.azure.sdk.digital_twins import _events

        event = _events(ctx, self.layer)
        registry = ctx.registry
        made: list[str] = []
        for device in ctx.project.devices:
            found = self._device(registry, device.id)
            if found is None:
                event(KIND, device.id, "create", "creating")
                found = registry.create_device_with_sas(device.id, "", "", "enabled")
                event(KIND, device.id, "create", "created")
                twin = initial_twin(device)
                if twin:
                    from azure.iot.hub.models import Twin, TwinProperties

                    desired = twin["properties"]["desired"]
                    registry.update_twin(
                        device.id, Twin(properties=TwinProperties(desired=desired)), "*"
                    )
            key = found.authentication.symmetric_key.primary_key
            conn = f"HostName={ctx.hub_host};DeviceId={device.id};SharedAccessKey={key}"
            path = connection_string_path(ctx.workspace, device.id)
            if not path.exists() or path.read_text() != conn:
                _write_secret(path, conn)
            made.append(device.id)
        # devices the project no longer has
        for gone in set(saved.get("devices", [])) - set(made):
            self._delete(ctx, gone)
        return {"hub": ctx.hub_host, "devices": made}

    def _delete(self, ctx, device_id: str) -> str | None:
        try:
            ctx.registry.delete_device(device_id)
        except Exception as exc:
            if _status(exc) != 404:
                return f"{device_id}: {exc}"
        connection_string_path(ctx.workspace, device_id).unlink(missing_ok=True)
        return None

    def destroy(self, ctx, saved: Mapping[str, Any]) -> list[str]:
        left = [self._delete(ctx, d) for d in saved.get("devices", [])]
        return [x for x in left if x]

    def probe(self, ctx, saved: Mapping[str, Any]) -> list[StepProbe]:
        out = []
        for device_id in saved.get("devices", []):
            try:
                state = "present" if self._device(ctx.registry, device_id) else "missing"
                detail = ""
            except Exception as exc:
                state, detail = "error", str(exc)
            out.append(StepProbe(self.step_id, self.layer, device_id, state, detail, KIND))
        return out
