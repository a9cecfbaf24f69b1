"""The Azure SDK steps in deploy order (the plugin's ``sdk_steps`` part).

IoT Hub device identities (L1, ``azure.iothub_devices``) → the Digital Twins graph (L4,
``azure.digital_twins``) → Grafana's data source and dashboard (L5, ``azure.grafana``);
destroy runs them in reverse (:mod:`dtwin_gui.deploy.sdk_phase`).

Each step does its work only while its layer is on Azure. Every step is always listed, so a
layer that left Azure is settled too: its service (the hub, the instance, Grafana) went with
the layer's Terraform module or provisioned resources, so what the step made went with it;
the step forgets its record and removes its local files (the devices' connection strings),
with one log line. Without a topology (the destroy preview) every step is listed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dtwin_gui.clouds.azure.sdk.context import AzureSdkError
from dtwin_gui.clouds.azure.sdk.digital_twins import DigitalTwinsStep
from dtwin_gui.clouds.azure.sdk.grafana import GrafanaStep
from dtwin_gui.clouds.azure.sdk.iothub_devices import IotHubDevicesStep, connection_string_path
from dtwin_gui.clouds.base import StepItem, StepProbe
from dtwin_gui.core.providers import Cloud, Slot

_WHAT = {Slot.L1: "IoT Hub device identities", Slot.L4: "Digital Twins graph", Slot.L5: "Grafana"}


_ROLES = {
    Slot.L1: "IoT Hub Data Contributor on the hub",
    Slot.L4: "Azure Digital Twins Data Owner on the instance",
    Slot.L5: "Grafana Admin on the Grafana instance",
}


def _status(exc: BaseException) -> int | None:
    for owner in (exc, getattr(exc, "response", None)):
        for attr in ("status_code", "status"):
            code = getattr(owner, attr, None)
            if isinstance(code, int):
                return code
    return None


def describe_error(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:400]}" if text else type(exc).__name__


def _hint(exc: BaseException, slot: Slot, sandbox: bool) -> str:
    if _status(exc) in (401, 403) and sandbox:
        return (
            "the sandbox refused the provisioned keys (was it restarted since the deploy?); "
            f"deploy again (on real Azure this needs {_ROLES[slot]})"
        )
    if _status(exc) in (401, 403):
        return f"the signed-in identity needs {_ROLES[slot]}; grant it and deploy again"
    return "deploy again (the SDK steps are safe to repeat); if it persists, open the run log"


class _PathWorkspace:
    """The context as the IoT Hub devices step reads it: ``workspace`` is the workspace's
    folder (a Path), the rest is the context's."""

    def __init__(self, ctx) -> None:
        self._ctx = ctx

    @property
    def workspace(self) -> Path:
        workspace = self._ctx.workspace
        return Path(getattr(workspace, "root", workspace))

    def __getattr__(self, name: str):
        return getattr(self._ctx, name)


@dataclass(frozen=True)
class AzureStep:
    """One Azure SDK step, active while its layer is on Azure (see the module's text)."""

    inner: Any
    slot: Slot
    #: The inner step reads ``ctx.workspace`` as a folder (the IoT Hub devices step does).
    path_workspace: bool = False
    #: ``(ctx, saved) -> saved`` with what the project expects added, so a status also
    #: lists the objects a deploy has not made (yet): they probe as missing.
    expected: Callable[[Any, Mapping[str, Any]], Mapping[str, Any]] | None = None

    @property
    def step_id(self) -> str:
        return self.inner.step_id

    @property
    def layer(self) -> str:
        return str(self.slot)

    def _ctx(self, ctx):
        return _PathWorkspace(ctx) if self.path_workspace else ctx

    def _active(self, ctx) -> bool:
        return ctx.on_azure(self.slot)

    def describe(self, project, topology) -> list[StepItem]:
        if topology is None or topology.providers.get(self.slot) is not Cloud.AZURE:
            return []
        return self.inner.describe(project, topology)

    def recorded(self, saved: Mapping[str, Any]) -> list[tuple[str, str]]:
        return self.inner.recorded(saved)

    def ensure(self, ctx, saved: Mapping[str, Any]) -> dict[str, Any]:
        if self._active(ctx):
            try:
                return self.inner.ensure(self._ctx(ctx), saved)
            except AzureSdkError:
                raise
            except Exception as exc:  # an SDK's error: say where, and what to do
                raise AzureSdkError(
                    f"{self.slot} on Azure: {_WHAT[self.slot]}: {describe_error(exc)}",
                    _hint(exc, self.slot, bool(getattr(ctx, "is_sandbox", False))),
                ) from exc
        if saved:
            ctx.log(
                "info",
                f"{self.slot} is no longer on Azure: its {_WHAT[self.slot]} went with it; "
                "forgetting what an earlier deploy made",
            )
            self._forget(ctx, saved)
        return {}

    def destroy(self, ctx, saved: Mapping[str, Any]) -> list[str]:
        if not saved:
            return []
        if self._active(ctx):
            return self.inner.destroy(self._ctx(ctx), saved)
        self._forget(ctx, saved)
        return []

    def probe(self, ctx, saved: Mapping[str, Any]) -> list[StepProbe]:
        if not self._active(ctx):
            return []
        if self.expected is not None:
            saved = self.expected(ctx, saved)
        return self.inner.probe(self._ctx(ctx), saved)

    def _forget(self, ctx, saved: Mapping[str, Any]) -> None:
        """Local leftovers of a step whose service is gone (the devices' secret files)."""
        if self.path_workspace:
            folder = self._ctx(ctx).workspace
            for device_id in saved.get("devices", []):
                connection_string_path(folder, device_id).unlink(missing_ok=True)


def _with(saved: Mapping[str, Any], key: str, wanted: list[str]) -> dict[str, Any]:
    have = list(saved.get(key, []))
    return {**saved, key: have + [w for w in wanted if w not in have]}


def _expected_devices(ctx, saved: Mapping[str, Any]) -> dict[str, Any]:
    return _with(saved, "devices", [d.id for d in ctx.project.devices])


def _expected_twins(ctx, saved: Mapping[str, Any]) -> dict[str, Any]:
    try:
        twins = [t["$dtId"] for t in ctx.hierarchy.get("twins", [])]
    except (AzureSdkError, KeyError, TypeError):  # an unreadable file: the deploy says so
        twins = []
    return _with(saved, "twins", twins)


IOTHUB_DEVICES = AzureStep(
    IotHubDevicesStep(), Slot.L1, path_workspace=True, expected=_expected_devices
)
DIGITAL_TWINS = AzureStep(DigitalTwinsStep(), Slot.L4, expected=_expected_twins)
GRAFANA = AzureStep(GrafanaStep(), Slot.L5)
STEPS: tuple[AzureStep, ...] = (IOTHUB_DEVICES, DIGITAL_TWINS, GRAFANA)


def azure_steps(topology=None) -> list[AzureStep]:
    """The plugin's ``sdk_steps`` part: every Azure step, in deploy order (each works only
    while its layer is on Azure; ``describe`` lists nothing for a layer elsewhere)."""
    return list(STEPS)
