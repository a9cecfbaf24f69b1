"""The SDK phase over every connected cloud: its steps run, are undone and are probed.

Each connected cloud's plugin gives its steps (part ``sdk_steps``, in deploy order) and the
context they are called with (part ``sdk_context``). The loops here know only the
:class:`~dtwin_gui.clouds.base.SdkStep` protocol and this much of a step context:

* ``ctx.workspace`` — the deployment workspace;
* ``ctx.log(level, message)`` — a run-log line;
* ``ctx.sdk_state(reload=False)`` — the deployment's SDK record, with ``step(step_id) ->
  dict``, ``set_step(step_id, saved)`` and ``save(workspace)``; its file is
  ``{"version": 2, "steps": {step_id: {...}}}``;
* optionally ``ctx.summary()`` — one line naming what the steps will touch (empty: no
  layer of the twin is on that cloud, nothing is said).

Deploy runs the steps in order, destroy in reverse order and never stops at the first
problem, probe never raises (a failed probe is an ``error`` probe).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import Any

from dtwin_gui.clouds import plugin
from dtwin_gui.clouds.base import SdkStep, StepProbe
from dtwin_gui.deploy.provision_phase import project_topology


# --- one cloud's steps ------------------------------------------------------------------
def run_steps(ctx: Any, steps: Sequence[SdkStep]) -> Any:
    """Ensure every step; returns the SDK record. A failing step raises (what it made until
    then is recorded, and running again continues from there)."""
    state = ctx.sdk_state(reload=True)
    summary = getattr(ctx, "summary", None)
    line = summary() if summary is not None else ""
    if line:  # a cloud no layer uses says nothing (its steps remove what an earlier deploy made)
        ctx.log("info", line)
    for step in steps:
        saved = step.ensure(ctx, state.step(step.step_id))
        state = _save_step(ctx, step.step_id, saved)
    return state


#: Clouds' steps run side by side (:mod:`.cloud_tasks`) and share one record file.
_RECORD_LOCK = threading.Lock()


def _save_step(ctx: Any, step_id: str, saved: dict) -> Any:
    """Save one step's record; read again first (another cloud's step may have saved)."""
    with _RECORD_LOCK:
        state = ctx.sdk_state(reload=True)
        state.set_step(step_id, saved)
        state.save(ctx.workspace)
    return state


def destroy_steps(ctx: Any, steps: Sequence[SdkStep]) -> list[str]:
    """Undo every step, last first; returns what is left, one readable line per object."""
    state = ctx.sdk_state(reload=True)
    left: list[str] = []
    for step in reversed(steps):
        try:
            remaining = step.destroy(ctx, state.step(step.step_id))
        except Exception as exc:  # one service failing must not keep the others alive
            remaining = [f"{step.step_id}: {type(exc).__name__}: {exc}"]
        if not remaining:
            state = _save_step(ctx, step.step_id, {})
        left.extend(remaining)
    for item in left:
        ctx.log("warning", f"not removed: {item}")
    return left


def probe_steps(ctx: Any, steps: Sequence[SdkStep]) -> list[StepProbe]:
    """The live state of every object the steps made or will make (never raises)."""
    state = ctx.sdk_state(reload=True)
    probes: list[StepProbe] = []
    for step in steps:
        try:
            probes.extend(step.probe(ctx, state.step(step.step_id)))
        except Exception as exc:  # a status is never a crash
            detail = f"{type(exc).__name__}: {exc}"
            probes.append(StepProbe(step.step_id, step.layer, "probe", "error", detail, "sdk"))
    return probes


# --- every connected cloud ----------------------------------------------------------------
def cloud_steps(deployment, outputs: dict | None = None) -> Iterator[tuple[Any, list[SdkStep]]]:
    """``(context, steps)`` of each connected cloud that has SDK steps, in cloud order.

    ``outputs`` are Terraform's root outputs; None reads them from Terraform now (deploy).
    """
    loaded: list = []
    for cloud in deployment.connections.clouds:
        if not has_steps(cloud):
            continue
        if not loaded:
            loaded.append(project_topology(deployment))
            outputs = deployment._outputs() if outputs is None else outputs
        yield cloud_work(deployment, cloud, outputs, loaded[0])


def has_steps(cloud) -> bool:
    parts = plugin(cloud)
    return parts.part("sdk_steps") is not None and parts.part("sdk_context") is not None


def cloud_work(deployment, cloud, outputs: dict, loaded=None) -> tuple[Any, list]:
    """``(context, steps)`` of one cloud that :func:`has_steps`."""
    parts = plugin(cloud)
    project, topology = loaded or project_topology(deployment)
    ctx = parts.part("sdk_context")(
        project,
        topology,
        deployment.connections[cloud],
        deployment.workspace,
        outputs,
        lambda event: deployment._emit(event),
    )
    return ctx, list(parts.part("sdk_steps")(topology))


def destroy_sdk(deployment, outputs: dict) -> list[str]:
    """The destroy's ``sdk-destroy`` phase; returns what is left."""
    left: list[str] = []
    for ctx, steps in reversed(list(cloud_steps(deployment, outputs))):
        left.extend(destroy_steps(ctx, steps))
    return left


def probe_sdk(deployment, outputs: dict) -> list[StepProbe]:
    """Every connected cloud's SDK probes (status)."""
    return [p for ctx, steps in cloud_steps(deployment, outputs) for p in probe_steps(ctx, steps)]
