"""The AWS SDK steps as :class:`~dtwin_gui.clouds.base.SdkStep` objects, in deploy order.

IoT devices (L1, ``aws.iot_devices``) → TwinMaker (L4, ``aws.twinmaker``) → Grafana (L5,
``aws.grafana``); destroy runs them in reverse (:mod:`dtwin_gui.deploy.sdk_phase`). A layer
that is not (or no longer) on AWS gets nothing, and what an earlier deploy made for it is
removed. Every object reports a :class:`~dtwin_gui.core.run_events.ResourceEvent` with
``source="sdk"``; a second run reports each as ``unchanged``.

:func:`aws_steps` is the plugin's ``sdk_steps`` part; :func:`run_sdk_steps`,
:func:`destroy_sdk` and :func:`probe_sdk` run the AWS steps alone on one context.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dtwin_gui.clouds.aws.sdk import describe, grafana, iot_devices, twinmaker
from dtwin_gui.clouds.aws.sdk.context import Probe, SdkContext, SdkError, describe_error
from dtwin_gui.clouds.aws.sdk.state import (
    STEP_GRAFANA,
    STEP_IOT_DEVICES,
    STEP_TWINMAKER,
    SdkState,
)
from dtwin_gui.clouds.base import StepItem, StepProbe
from dtwin_gui.core.providers import Slot
from dtwin_gui.deploy.sdk_phase import destroy_steps, probe_steps, run_steps

__all__ = ["AwsSdkStep", "Probe", "SdkError", "aws_steps", "destroy_sdk", "probe_sdk"]


@dataclass(frozen=True)
class AwsSdkStep:
    """One AWS SDK step. Its functions work on the context's :class:`SdkState` (which they
    save after every object); the protocol's ``saved`` is this step's part of it."""

    step_id: str
    slot: Slot
    #: For messages: "TwinMaker" in "could not remove the earlier TwinMaker objects".
    what: str
    _ensure: Callable[[SdkContext, SdkState], None]
    _destroy: Callable[[SdkContext, SdkState], list[str]]
    _probe: Callable[[SdkContext, SdkState], list[Probe]]
    _describe: Callable[..., list[StepItem]]
    _recorded: Callable[[Mapping[str, Any]], list[tuple[str, str]]]
    #: The step itself removes what a layer that left AWS had (IoT devices do).
    handles_leaving: bool = False

    @property
    def layer(self) -> str:
        return str(self.slot)

    def _state(self, ctx: SdkContext, saved: Mapping[str, Any]) -> SdkState:
        state = ctx.sdk_state()
        state.set_step(self.step_id, saved)
        return state

    def describe(self, project, topology) -> list[StepItem]:
        return self._describe(project, topology) if describe.on_aws(topology, self.slot) else []

    def recorded(self, saved: Mapping[str, Any]) -> list[tuple[str, str]]:
        return self._recorded(saved)

    def ensure(self, ctx: SdkContext, saved: Mapping[str, Any]) -> dict[str, Any]:
        state = self._state(ctx, saved)
        if ctx.on_aws(self.slot) or self.handles_leaving:
            self._ensure(ctx, state)
        elif saved:
            ctx.log(
                "info",
                f"{self.slot} left AWS: removing the {self.what} objects an earlier deploy made",
            )
            left = self._destroy(ctx, state)
            if left:
                raise SdkError(
                    f"could not remove the earlier {self.what} objects: " + "; ".join(left),
                    "delete them in the AWS console, then deploy again",
                )
        return state.step(self.step_id)

    def destroy(self, ctx: SdkContext, saved: Mapping[str, Any]) -> list[str]:
        try:
            return self._destroy(ctx, self._state(ctx, saved))
        except Exception as exc:  # one service failing must not keep the others alive
            return [f"{self.what}: {describe_error(exc)}"]

    def probe(self, ctx: SdkContext, saved: Mapping[str, Any]) -> list[StepProbe]:
        try:
            found = self._probe(ctx, self._state(ctx, saved))
        except Exception as exc:  # a status is never a crash
            found = [Probe(self.layer, "sdk", "probe", "error", describe_error(exc))]
        return [StepProbe(self.step_id, p.layer, p.name, p.state, p.detail, p.kind) for p in found]


IOT_DEVICES = AwsSdkStep(
    STEP_IOT_DEVICES,
    iot_devices.LAYER,
    "IoT devices",
    iot_devices.ensure_devices,
    iot_devices.destroy_devices,
    iot_devices.probe_devices,
    describe.device_items,
    describe.recorded_devices,
    handles_leaving=True,
)
TWINMAKER = AwsSdkStep(
    STEP_TWINMAKER,
    twinmaker.LAYER,
    "TwinMaker",
    twinmaker.ensure_twinmaker,
    twinmaker.destroy_twinmaker,
    twinmaker.probe_twinmaker,
    describe.twinmaker_items,
    describe.recorded_twinmaker,
)
GRAFANA = AwsSdkStep(
    STEP_GRAFANA,
    grafana.LAYER,
    "Grafana",
    grafana.ensure_grafana,
    grafana.destroy_grafana,
    grafana.probe_grafana,
    describe.grafana_items,
    describe.recorded_grafana,
)
STEPS: tuple[AwsSdkStep, ...] = (IOT_DEVICES, TWINMAKER, GRAFANA)


def aws_steps(topology=None) -> list[AwsSdkStep]:
    """The plugin's ``sdk_steps`` part: every AWS step, in deploy order.

    All three always: a step whose layer is not on AWS removes what an earlier deploy made.
    """
    return list(STEPS)


def run_sdk_steps(ctx: SdkContext) -> SdkState:
    """Create or update every AWS SDK object the project needs; returns what now exists.

    Raises :class:`SdkError` (message and ``hint`` for the user) on the first failure; what
    was made until then is recorded, and running again continues from there.
    """
    return run_steps(ctx, aws_steps(ctx.topology))


def destroy_sdk(ctx: SdkContext) -> list[str]:
    """Remove every SDK object (Grafana, TwinMaker, device certificates and their files).

    Never stops at the first problem: returns what is left, one readable line per object.
    """
    return destroy_steps(ctx, aws_steps(ctx.topology))


def probe_sdk(ctx: SdkContext) -> list[StepProbe]:
    """The live state of every SDK object the project expects (present/missing/drifted/error)."""
    return probe_steps(ctx, aws_steps(ctx.topology))
