"""Deployment use cases: open a deployment, release a stuck lock, send test telemetry, and
say why a command that needs a deployed twin cannot run. The front ends run ``deploy``,
``plan_only``, ``destroy`` and ``status`` on the :class:`Deployment` these open."""

from __future__ import annotations

from pathlib import Path

from dtwin_gui.clouds.base import SANDBOX, Connections
from dtwin_gui.core.run_events import Sink

#: Why a deployed twin is not there (see :func:`why_not_deployed`).
NEVER_DEPLOYED = "never-deployed"
SANDBOX_STOPPED = "sandbox-stopped"


class NoLockHeld(Exception):
    """Nothing holds the state lock (a local state that is not locked)."""


class LockStillHeld(Exception):
    """The lock belongs to a run that is still going; nothing was released."""


class UnlockFailed(Exception):
    """The lock could not be released (wrong id, a backend error); the message says why."""


def open_deployment(
    project_root: Path, connections, *, sink: Sink | None = None, settings=None, **team_options
):
    """A Deployment of ``project_root`` over ``connections`` (a Connections map, or one
    connection: a one-cloud deployment). ``settings``: the Terraform settings (default: the
    built-in ones; the GUI passes the user's). ``team_options``: ``backend``,
    ``migrate_state``, ``lock_wait_s`` (:class:`~dtwin_gui.deploy.team_state.TeamState`;
    default: the target's backend in the app settings)."""
    from dtwin_gui.deploy.orchestrator import Deployment

    return Deployment(
        Path(project_root),
        Connections.wrap(connections),
        sink=sink,
        settings=settings,
        **team_options,
    )


def unlock(project_root: Path, connections, lock_id: str, **team_options) -> None:
    """Release the lock ``lock_id`` of the deployment: the twin's deploy lock (remote
    backends, :mod:`dtwin_gui.deploy.twin_lock`) or Terraform's state lock. Raises
    :class:`NoLockHeld`, :class:`LockStillHeld` or :class:`UnlockFailed`."""
    from dtwin_gui.iac.runner import LockMismatch, StateLocked, TerraformError

    deployment = open_deployment(project_root, connections, **team_options)
    if _released_twin_lock(deployment, lock_id):
        return
    runner = deployment._terraform_runner()
    try:
        if runner.backend_type() == "local" and runner.lock_info() is None:
            raise NoLockHeld(lock_id)
        runner.force_unlock(lock_id)
    except StateLocked:
        raise LockStillHeld(lock_id) from None
    except (LockMismatch, ValueError, TerraformError) as exc:
        raise UnlockFailed(str(exc)) from exc


def _released_twin_lock(deployment, lock_id: str) -> bool:
    """True when ``lock_id`` was the twin's deploy lock and is now released."""
    from dtwin_gui.deploy.remote_objects import ObjectStoreError
    from dtwin_gui.deploy.twin_lock import NoTwinLock

    team = deployment.team
    if not team.remote and not team.previous().remote:
        return False
    try:
        team.break_lock(lock_id)
    except (NoTwinLock, ValueError):
        return False  # not the deploy lock: it may be Terraform's
    except ObjectStoreError as exc:
        raise UnlockFailed(f"the deploy lock could not be released: {exc}") from exc
    return True


def why_not_deployed(project_root: Path, target_name: str) -> str | None:
    """Why a command that needs a deployed twin cannot run: :data:`NEVER_DEPLOYED` (or
    destroyed since), :data:`SANDBOX_STOPPED` (the sandbox keeps everything in memory), or
    None when it can. No cloud call, and the sandbox is not started for it."""
    from dtwin_gui.deploy.query import nothing_deployed

    if nothing_deployed(Path(project_root), target_name):
        return NEVER_DEPLOYED
    if target_name == SANDBOX:
        from dtwin_gui.sandbox.daemon import running

        if running() is None:
            return SANDBOX_STOPPED
    return None


def simulate(
    project_root: Path, connections, *, count: int | None = None, sink=None, listen_s: float = 0.0
):
    """Publish test telemetry from the project's payloads through L1 (see
    :func:`dtwin_gui.deploy.simulate.simulate`); raises its ``SimulationError``."""
    from dtwin_gui.deploy.simulate import simulate as run

    return run(Path(project_root), connections, count=count, sink=sink, listen_s=listen_s)
