"""One twin worked on by a team: the deployment's backend, its deploy lock, moving the state.

A :class:`~dtwin_gui.deploy.orchestrator.Deployment` holds one :class:`TeamState`
(``deployment.team``). Its backend comes from ``dtwin deploy --backend`` or the app settings
of the target (:meth:`dtwin_gui.settings.AppSettings.backend_for`); the local backend keeps
today's behaviour exactly. With a remote backend:

* the generated root gets the ``backend`` block (:func:`dtwin_gui.iac.backend.terraform_block`;
  no credential: the backend's cloud connection gives Terraform its environment);
* the workspace writes the shared records through to the bucket
  (:class:`~dtwin_gui.deploy.state_store.RemoteStateStore`);
* every deploy and destroy starts with a ``lock`` step (no phase of its own in the stage
  strip): it takes the twin's deploy lock (:mod:`dtwin_gui.deploy.twin_lock`), held until the
  run ends, and makes the workspace's records copies of the remote ones.

Which backend the workspace followed last is ``backend.json`` in the target folder. When the
backend asked for is another one, the lock step decides, before anything changes:

* same state object, other settings (lock, region, key id): ``terraform init -reconfigure``;
* nothing deployed from this workspace (a colleague's first run, or a fresh checkout): join
  the backend (records pulled, ``-reconfigure``);
* something deployed, moving allowed (``--migrate-state``, Settings' "Move the existing
  state"): the records are copied, then ``terraform init -migrate-state -force-copy`` copies
  the Terraform state; a target that already holds a state with resources is refused;
* something deployed, moving not allowed: the run stops and says where the state is and how
  to move it. Nothing is ever dropped silently.
"""

from __future__ import annotations

import time
from pathlib import Path

from dtwin_gui.core.fsutil import atomic_write_json
from dtwin_gui.core.run_events import LogEvent
from dtwin_gui.deploy.remote_objects import ObjectStoreError
from dtwin_gui.deploy.run_result import Cancelled, DeployFailed
from dtwin_gui.deploy.side_by_side import PhaseFailure, PhaseGroup
from dtwin_gui.deploy.state_store import SHARED_RECORDS, RemoteStateStore
from dtwin_gui.deploy.twin_lock import (
    DEFAULT_STALE_AFTER_S,
    LOCK_NAME,
    TwinLock,
    TwinLocked,
    break_lock,
)
from dtwin_gui.iac.backend import (
    LOCAL,
    BackendConfig,
    BackendError,
    config_from,
    records_prefix,
    state_object,
    terraform_block,
)

MARKER_NAME = "backend.json"
#: Records whose presence means "something was deployed from here" (with Terraform state).
_DEPLOYED_RECORDS = {"sdk_state.json": "SDK objects", "provisioned.json": "provisioned clouds"}
_SANDBOX_KINDS = ("local", "s3")


def configured_backend(target: str) -> tuple[BackendConfig, bool]:
    """``(backend, move_existing)`` of ``target`` in the app settings."""
    from dtwin_gui.settings import load_settings

    settings = load_settings()
    return settings.backend_for(target), settings.moves_state(target)


def same_location(a: BackendConfig, b: BackendConfig) -> bool:
    """Both name the same state object (other settings may differ)."""
    if a.kind != b.kind:
        return False
    if a.kind == "local":
        return True
    return (a.bucket, a.storage_account, a.container, state_object(a)) == (
        b.bucket,
        b.storage_account,
        b.container,
        state_object(b),
    )


class TeamState:
    """The backend side of one deployment (see the module docstring)."""

    def __init__(
        self,
        deployment,
        backend: BackendConfig | str | None = None,
        *,
        migrate_state: bool | None = None,
        lock_wait_s: float = 0.0,
        stale_after_s: float = DEFAULT_STALE_AFTER_S,
    ) -> None:
        self.deployment = deployment
        self.target = deployment.connections.name
        if backend is None:
            backend, moves = configured_backend(self.target)
            migrate_state = moves if migrate_state is None else migrate_state
        elif isinstance(backend, str):
            from dtwin_gui.iac.backend import parse_backend

            backend = parse_backend(backend)
        self.backend: BackendConfig = backend
        self.migrate_state = bool(migrate_state)
        self.lock_wait_s = float(lock_wait_s)
        self.stale_after_s = float(stale_after_s)
        self.lock: TwinLock | None = None
        #: How the next ``terraform init`` sets up the backend ("", reconfigure, migrate).
        self._init_mode: str | None = None

    @property
    def remote(self) -> bool:
        return self.backend.remote

    # --- what the deployment is made with --------------------------------------------------------
    def store(self) -> RemoteStateStore | None:
        """The workspace's record store (None: the local backend)."""
        return self._store(self.backend) if self.remote else None

    def _store(self, config: BackendConfig) -> RemoteStateStore:
        return RemoteStateStore(
            lambda: self.objects(config), records_prefix(config), config.describe()
        )

    def objects(self, config: BackendConfig):
        """The bucket or container of ``config`` (its cloud's ``state_backend`` part)."""
        return self.backend_part(config).objects()

    def backend_part(self, config: BackendConfig | None = None):
        from dtwin_gui.clouds import plugin

        config = config or self.backend
        make = plugin(config.cloud).part("state_backend")
        if make is None:
            raise DeployFailed("lock", f"{config.kind} backends are not supported by this version")
        return make(config, self._connection(config))

    def _connection(self, config: BackendConfig):
        connection = self.deployment.connections.get(config.cloud)
        if connection is None:
            raise DeployFailed(
                "lock",
                f"the {config.kind} backend ({config.describe()}) needs a connection to "
                f"{config.cloud}, and this deployment has none",
                f"sign in to {config.cloud} on the Credentials page (dtwin: its usual "
                "credential chain), or choose a backend on a cloud you are signed in to",
            )
        return connection

    def terraform_backend(self) -> dict | None:
        """The ``backend`` block of the generated root (None: local state)."""
        if not self.remote:
            return None
        connection = self.deployment.connections.get(self.backend.cloud)
        return terraform_block(
            self.backend,
            sandbox=self.deployment.connections.is_sandbox,
            region=getattr(connection, "region", "") or "",
        )

    def process_env(self) -> dict[str, str]:
        """What Terraform's backend needs in its environment (the backend cloud's sign-in)."""
        if not self.remote:
            return {}
        connection = self.deployment.connections.get(self.backend.cloud)
        return dict(connection.process_env()) if connection is not None else {}

    def check(self) -> None:
        """The backend is usable for this target, else :class:`DeployFailed`."""
        try:
            self.backend.validated()
        except BackendError as exc:
            raise DeployFailed("lock", str(exc), "correct it in Settings or --backend") from None
        sandbox = self.deployment.connections.is_sandbox
        if sandbox and self.backend.kind not in _SANDBOX_KINDS:
            raise DeployFailed(
                "lock",
                f"the sandbox cannot keep the state in {self.backend.describe()}: Terraform's "
                f"{self.backend.kind} backend cannot reach the sandbox's emulators",
                "in the sandbox, keep the state locally or in S3 on the emulated AWS "
                "(s3://BUCKET/KEY)",
            )

    # --- the marker: which backend the workspace followed last -----------------------------------
    @property
    def _target_dir(self) -> Path:
        return Path(self.deployment.workspace.root)

    def previous(self) -> BackendConfig:
        data = self.deployment.workspace.read_json(self._target_dir / MARKER_NAME, None)
        if not isinstance(data, dict):
            return LOCAL
        try:
            return config_from(data.get("backend") or {})
        except BackendError:
            return LOCAL

    def _settle(self) -> None:
        marker = self._target_dir / MARKER_NAME
        if self.remote:
            data = {"backend": self.backend.model_dump(), "url": self.backend.to_url()}
            atomic_write_json(marker, data, mode=0o600)
        else:
            marker.unlink(missing_ok=True)

    # --- the run --------------------------------------------------------------------------------
    def locked(self, kind: str, phases: list, finish):
        """``(phases, finish)`` of a deploy or destroy run with the lock step first and the
        release last (unchanged when neither the backend nor the last one is remote)."""
        if not self.remote and not self.previous().remote:
            return phases, finish
        step = _LockStep(self, kind)

        def finishing(result) -> None:
            try:
                if step.began and finish is not None:
                    finish(result)
            finally:
                self.end()

        return [("lock", step), *phases], finishing

    def begin(self, kind: str, run_id: str, log) -> None:
        """Take the deploy lock and make the workspace follow the backend (see the module
        docstring); :class:`DeployFailed` says why not."""
        self.check()
        previous = self.previous()
        lock_at = self.backend if self.remote else previous
        try:
            objects = self.objects(lock_at)
            lock = TwinLock(
                objects,
                records_prefix(lock_at) + LOCK_NAME,
                operation=kind,
                run_id=run_id,
                stale_after_s=self.stale_after_s,
                log=lambda level, message: log(LogEvent("dtwin", level, message)),
            )
            lock.acquire(wait_s=self.lock_wait_s, cancelled=self.deployment._cancel.is_set)
        except TwinLocked as exc:
            raise DeployFailed("lock", str(exc), exc.hint) from None
        except InterruptedError:
            raise Cancelled("cancelled while waiting for the twin's deploy lock") from None
        except ObjectStoreError as exc:
            raise DeployFailed("lock", f"the state backend cannot be used: {exc}") from None
        self.lock = lock
        try:
            self._follow(previous, log)
        except ObjectStoreError as exc:
            raise DeployFailed("lock", f"the state backend cannot be used: {exc}") from None

    def end(self) -> None:
        lock, self.lock = self.lock, None
        if lock is not None:
            lock.release()

    def _follow(self, previous: BackendConfig, log) -> None:
        say = lambda message: log(LogEvent("dtwin", "info", message))  # noqa: E731
        if previous == self.backend or same_location(previous, self.backend):
            self._init_mode = "" if previous == self.backend else "reconfigure"
            if self.remote:
                held = self._store(self.backend).pull(self._target_dir, self._write_local)
                say(f"the state is in {self.backend.describe()}: {len(held)} record(s) read")
        else:
            deployed = self.deployed_here()
            if not deployed:
                self._init_mode = "reconfigure"
                if self.remote:
                    held = self._store(self.backend).pull(self._target_dir, self._write_local)
                    say(
                        f"joining the state in {self.backend.describe()} (nothing was deployed "
                        f"from this workspace): {len(held)} record(s) read"
                    )
            else:
                self._move(previous, deployed, say)
        if self.deployment._rootless():  # no terraform init will settle it
            self._settle()

    def _move(self, previous: BackendConfig, deployed: list[str], say) -> None:
        what = ", ".join(deployed)
        if not self.migrate_state:
            raise DeployFailed(
                "lock",
                f"this twin's state is in {previous.describe()} ({what}), not in "
                f"{self.backend.describe()}",
                f"to move it there: dtwin deploy PATH --backend {self.backend.to_url()} "
                "--migrate-state (in the app: Settings -> State backend -> Move the existing "
                f"state); to keep it where it is: --backend {previous.to_url()}",
            )
        if self.remote:
            held = self._remote_resources(self.backend)
            if held:
                raise DeployFailed(
                    "lock",
                    f"{self.backend.describe()} already holds a Terraform state with {held} "
                    "resource(s): it belongs to another deployment, and moving this one there "
                    "would replace it",
                    "choose another key (or prefix) for this twin's state",
                )
            if previous.remote:
                self._store(previous).pull(self._target_dir, self._write_local)
            copied = self._store(self.backend).push(self._target_dir)
            say(f"moving the state to {self.backend.describe()}: copied {', '.join(copied)}")
        else:
            self._store(previous).pull(self._target_dir, self._write_local)
            say(f"moving the state from {previous.describe()} back into the workspace")
        self._init_mode = "migrate"

    def _write_local(self, path: Path, data) -> None:
        atomic_write_json(path, data, mode=0o600)  # a cache: not written back

    def deployed_here(self) -> list[str]:
        """What this workspace deployed under the backend it followed (no cloud call)."""
        from dtwin_gui.iac.state import read_state

        what = []
        try:
            count = len(read_state(self.deployment.workspace.terraform_dir).resources)
        except ValueError:
            count = 1  # an unreadable state is still a state: never dropped
        if count:
            what.append(f"{count} resource(s) in the Terraform state")
        for name, label in _DEPLOYED_RECORDS.items():
            if (self._target_dir / name).is_file():
                what.append(label)
        return what

    def _remote_resources(self, config: BackendConfig) -> int:
        import json

        found = self.objects(config).get(state_object(config))
        if found is None or not found.data.strip():
            return 0
        try:
            return len(json.loads(found.data).get("resources") or [])
        except (ValueError, AttributeError):
            return 1

    # --- terraform init ---------------------------------------------------------------------------
    def init(self, runner) -> None:
        """``terraform init`` as the backend decision says, then remember the backend."""
        mode = self._init_mode if self._init_mode is not None else self._plan_mode()
        runner.init(reconfigure=mode == "reconfigure", migrate=mode == "migrate")
        workdir = Path(runner.workdir)
        if self.remote and mode == "migrate":
            from dtwin_gui.iac.remote_state import empty_local_state

            if empty_local_state(workdir) and (workdir / "terraform.tfstate").exists():
                (workdir / "terraform.tfstate").unlink()
                runner._emit(
                    LogEvent(
                        "dtwin",
                        "info",
                        "the state is now in the backend; the workspace keeps Terraform's "
                        "copy of the old local state as terraform.tfstate.backup",
                    )
                )
        self._settle()

    def _plan_mode(self) -> str:
        """The init of a run without the lock step (a plan): never moves a state."""
        previous = self.previous()
        if previous == self.backend:
            return ""
        if same_location(previous, self.backend) or not self.deployed_here():
            return "reconfigure"
        raise DeployFailed(
            "init",
            f"this twin's state is in {previous.describe()}, not in {self.backend.describe()}",
            "a plan does not move the state: deploy with --migrate-state (Settings -> State "
            "backend -> Move the existing state), or plan with the backend it is in",
        )

    # --- unlock -----------------------------------------------------------------------------------
    def break_lock(self, lock_id: str):
        """Release the deploy lock ``lock_id`` left by a run that died (see
        :func:`dtwin_gui.deploy.twin_lock.break_lock`)."""
        config = self.backend if self.remote else self.previous()
        return break_lock(self.objects(config), records_prefix(config) + LOCK_NAME, lock_id)


class _LockStep(PhaseGroup):
    """The run's first step: takes the lock. A phase group to the run (it emits no phase
    event of its own: a refusal is the run's outcome, with the holder named)."""

    def __init__(self, team: TeamState, kind: str) -> None:
        super().__init__(("lock",), lambda: ())
        self.team, self.kind = team, kind
        self.began = False

    def run(self, emit, skipped_out) -> None:
        started = time.monotonic()
        try:
            self.team.begin(self.kind, getattr(emit, "run_id", ""), emit)
        except (DeployFailed, Cancelled) as exc:
            raise PhaseFailure("lock", exc, time.monotonic() - started) from None
        self.began = True


__all__ = ["SHARED_RECORDS", "TeamState", "configured_backend", "same_location"]
