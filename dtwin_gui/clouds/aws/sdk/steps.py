"""The SDK phase of deploy, its undo in destroy, and its live status probes.

Order: IoT devices (L1) → TwinMaker (L4) → Grafana (L5) on deploy; the reverse on destroy.
A layer that is not (or no longer) on AWS gets nothing, and what an earlier deploy made for it
is removed. Every object reports a :class:`~dtwin_gui.core.run_events.ResourceEvent` with
``source="sdk"``; a second run reports each as ``unchanged``.
"""

from __future__ import annotations

from dtwin_gui.clouds.aws.sdk.context import Probe, SdkContext, SdkError, describe_error
from dtwin_gui.clouds.aws.sdk.grafana import destroy_grafana, ensure_grafana, probe_grafana
from dtwin_gui.clouds.aws.sdk.iot_devices import destroy_devices, ensure_devices, probe_devices
from dtwin_gui.clouds.aws.sdk.state import SdkState
from dtwin_gui.clouds.aws.sdk.twinmaker import destroy_twinmaker, ensure_twinmaker, probe_twinmaker
from dtwin_gui.core.providers import Slot

__all__ = ["Probe", "SdkError", "destroy_sdk", "probe_sdk", "run_sdk_steps"]


def run_sdk_steps(ctx: SdkContext) -> SdkState:
    """Create or update every SDK object the project needs; returns what now exists.

    Raises :class:`SdkError` (message and ``hint`` for the user) on the first failure; what
    was made until then is recorded, and running again continues from there.
    """
    state = SdkState.load(ctx.workspace)
    layers = [str(s) for s in (Slot.L1, Slot.L4, Slot.L5) if ctx.on_aws(s)]
    ctx.log("info", f"SDK steps for {', '.join(layers) or 'no layer'} on {ctx.target.name}")
    ensure_devices(ctx, state)
    for slot, ensure, undo, what in (
        (Slot.L4, ensure_twinmaker, destroy_twinmaker, "TwinMaker"),
        (Slot.L5, ensure_grafana, destroy_grafana, "Grafana"),
    ):
        if ctx.on_aws(slot):
            ensure(ctx, state)
        elif getattr(state, "twinmaker" if slot is Slot.L4 else "grafana") is not None:
            ctx.log("info", f"{slot} left AWS: removing the {what} objects an earlier deploy made")
            left = undo(ctx, state)
            if left:
                raise SdkError(
                    f"could not remove the earlier {what} objects: " + "; ".join(left),
                    "delete them in the AWS console, then deploy again",
                )
    state.save(ctx.workspace)
    return state


def destroy_sdk(ctx: SdkContext) -> list[str]:
    """Remove every SDK object (Grafana, TwinMaker, device certificates and their files).

    Never stops at the first problem: returns what is left, one readable line per object.
    """
    state = SdkState.load(ctx.workspace)
    left: list[str] = []
    for what, undo in (
        ("Grafana", destroy_grafana),
        ("TwinMaker", destroy_twinmaker),
        ("IoT devices", destroy_devices),
    ):
        try:
            left.extend(undo(ctx, state))
        except Exception as exc:  # one service failing must not keep the others alive
            left.append(f"{what}: {describe_error(exc)}")
    state.save(ctx.workspace)
    for item in left:
        ctx.log("warning", f"not removed: {item}")
    return left


def probe_sdk(ctx: SdkContext) -> list[Probe]:
    """The live state of every SDK object the project expects (present/missing/drifted/error)."""
    state = SdkState.load(ctx.workspace)
    probes: list[Probe] = []
    for slot, probe in (
        (Slot.L1, probe_devices),
        (Slot.L4, probe_twinmaker),
        (Slot.L5, probe_grafana),
    ):
        try:
            probes.extend(probe(ctx, state))
        except Exception as exc:  # a status is never a crash
            probes.append(Probe(str(slot), "sdk", "probe", "error", describe_error(exc)))
    return probes
