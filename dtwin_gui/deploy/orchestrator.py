"""Deploy, destroy and status of one project on one target, as phases that emit events.

deploy:  validate → build → init → plan → (apply, provision, sdk side by side) → verify
destroy: sdk-destroy → init → destroy → verify

Terraform applies every Terraform cloud in one graph while the sandbox provisions the clouds
that need nothing from it, and each cloud's SDK steps start once what they read is made
(:mod:`dtwin_gui.deploy.cloud_tasks`).

Every run writes its events to ``<workspace>/runs/<run-id>.jsonl``. A plan without changes
skips the apply. :meth:`Deployment.cancel` (from any thread) stops Terraform safely and
ends the run as cancelled.

A deploy whose inputs match the last successful one (:mod:`dtwin_gui.deploy.fingerprint`)
skips init, plan, apply and the SDK steps ("nothing changed since …"); verify still runs its
cheap probes. ``deploy(refresh=True)`` always plans. ``plan_only`` returns a
:class:`~dtwin_gui.deploy.fingerprint.PlanTicket`; ``deploy(reviewed=ticket)`` applies that
very plan file while its inputs and the state are unchanged, else plans again and says why.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from dtwin_gui.clouds.base import Connection, Connections
from dtwin_gui.core.project import load_project
from dtwin_gui.core.run_events import (
    EventLog,
    LogEvent,
    OutcomeEvent,
    PhaseEvent,
    Sink,
    fan_out,
)
from dtwin_gui.core.topology import topology_for_project
from dtwin_gui.deploy.cloud_tasks import deploy_group
from dtwin_gui.deploy.fingerprint import (
    DeployedRecord,
    Fingerprint,
    PlanTicket,
    clear_deployed,
    load_deployed,
    make_ticket,
    store_deployed,
    why_stale,
)
from dtwin_gui.deploy.run_lock import during_run
from dtwin_gui.deploy.run_result import Cancelled, DeployFailed, RunResult, Skipped
from dtwin_gui.deploy.side_by_side import PhaseFailure, PhaseGroup
from dtwin_gui.deploy.teardown import Teardown
from dtwin_gui.deploy.workspace import DeploymentWorkspace

PLAN_FILE = "tfplan"
#: Where ``plan_only`` saves the plan the user reviews (a deploy's own plan never replaces it).
REVIEW_PLAN_FILE = "review.tfplan"


class Deployment(Teardown):
    """One project deployed over one set of connections. Qt-free; call from a worker thread.

    ``connections`` is the deployment's :class:`~dtwin_gui.clouds.base.Connections` (a single
    connection is taken as a one-cloud deployment).
    """

    def __init__(
        self,
        project_root: Path,
        connections: Connections | Connection,
        *,
        sink: Sink | None = None,
        settings=None,
        **team_options,
    ) -> None:
        from dtwin_gui.deploy.team_state import TeamState
        from dtwin_gui.iac.cli_config import TerraformSettings

        self.project_root = Path(project_root)
        self.connections = Connections.wrap(connections)
        #: Where the state lives and the deploy lock (backend=, migrate_state=, lock_wait_s=).
        self.team = TeamState(self, **team_options)
        self.workspace = DeploymentWorkspace(
            self.project_root, self.connections.name, self.team.store()
        )
        self.settings = settings or TerraformSettings()
        self._sink = sink
        self._cancel = threading.Event()
        self._terraform = None
        self._forced = False
        self._lock = None
        self._emit: Sink = lambda event: None
        #: The clouds' apply, provision and SDK work side by side (False: one at a time).
        self.side_by_side = True
        #: The last deploy's side-by-side work (its ``timings`` per task).
        self.cloud_work = None

    # --- control -------------------------------------------------------------------------
    def cancel(self) -> None:
        """Stop as soon as it is safe: Terraform gets SIGINT, later phases do not start."""
        self._cancel.set()
        terraform = self._terraform
        if terraform is not None:
            threading.Thread(target=terraform.cancel, name="cancel-terraform", daemon=True).start()

    def force_stop(self) -> None:
        """Stop now: kill the running Terraform process group; the run ends cancelled.

        The state lock may be left behind and resources being changed may be half-made (a
        new run or an unlock settles them). Work outside Terraform stops at its next check.
        """
        self._forced = True
        self._cancel.set()
        terraform = self._terraform
        if terraform is not None:
            terraform.kill()

    def _check_cancel(self) -> None:
        if self._cancel.is_set():
            raise Cancelled("cancelled by the user")

    # --- running -------------------------------------------------------------------------
    def _run(
        self,
        kind: str,
        phases: list[tuple[str, Callable[[], object]]],
        finish: Callable[[RunResult], None] | None = None,
    ) -> RunResult:
        """Run ``phases`` in order; ``finish(result)`` runs before the outcome is logged."""
        run_id = (
            datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + kind + "-" + uuid.uuid4().hex[:6]
        )
        log_path = self.workspace.runs_dir / f"{run_id}.jsonl"
        result = RunResult(run_id, "failed", log_path=log_path)
        with EventLog(log_path, run_id, forward=self._sink) as log, during_run(self, log):
            self._emit = log
            log(
                LogEvent(
                    "dtwin", "info", f"{kind} of {self.project_root} to {self.connections.name}"
                )
            )
            for phase, step in phases:
                started = time.monotonic()
                try:
                    self._check_cancel()
                    if isinstance(step, PhaseGroup):  # emits its phases' events itself
                        step.run(log, result.skipped)
                        continue
                    log(PhaseEvent(phase, "started"))
                    outcome = step()
                except Exception as exc:
                    if isinstance(exc, PhaseFailure):
                        phase, exc, elapsed, logged = exc.phase, exc.error, exc.elapsed, True
                    else:
                        elapsed, logged = time.monotonic() - started, False
                    self._ended(log, result, phase, exc, elapsed, logged)
                    break
                if isinstance(outcome, Skipped) or outcome == "skipped":
                    reason = outcome.reason if isinstance(outcome, Skipped) else "no changes"
                    log(PhaseEvent(phase, "skipped", time.monotonic() - started, reason))
                    result.skipped.append(phase)
                else:
                    log(PhaseEvent(phase, "finished", time.monotonic() - started))
            else:
                result.status = "succeeded"
                result.message = f"{kind} finished"
            result.lock = self._lock
            if finish is not None:
                try:
                    finish(result)
                except Exception as exc:  # the run's own outcome matters more
                    log(LogEvent("dtwin", "warning", f"could not record the run: {exc}"))
            log(OutcomeEvent(result.status, result.message, result.hint))
        self._emit = lambda event: None
        return result

    def _ended(self, log, result: RunResult, phase, exc, elapsed: float, logged: bool) -> None:
        """A phase raised ``exc``: its event (unless a phase group ``logged`` it already) and
        the run's message."""
        if isinstance(exc, Cancelled):
            if not logged:
                log(PhaseEvent(phase, "cancelled", elapsed))
            result.status, result.message = "cancelled", f"cancelled during {phase}"
            result.hint = "run again to continue; finished steps are kept"
            if self._forced:
                result.message = f"stopped forcefully during {phase}"
                result.hint = (
                    "the state lock may be left and resources may be half-made: "
                    "run again to settle them (unlock the state first if asked)"
                )
        elif isinstance(exc, DeployFailed):
            if not logged:
                log(PhaseEvent(phase, "failed", elapsed, str(exc)))
            result.message, result.hint = str(exc), exc.hint
        else:  # unexpected: full detail goes to the log
            import traceback

            log(LogEvent("dtwin", "error", "".join(traceback.format_exception(exc))))
            if not logged:
                log(PhaseEvent(phase, "failed", elapsed, str(exc)))
            result.message = f"{phase} failed: {type(exc).__name__}: {exc}"
            result.hint = "open the run log for details; retrying is safe"

    # --- deploy --------------------------------------------------------------------------
    def deploy(
        self,
        *,
        confirm: Callable[[object], bool] | None = None,
        reviewed: PlanTicket | None = None,
        refresh: bool = False,
    ) -> RunResult:
        """Validate, build, plan and apply; ``confirm(plan)`` may refuse the apply of a new
        plan. ``reviewed`` (from :meth:`plan_only`) is applied as it is while still current.
        Without changes since the last successful deploy Terraform is skipped, unless
        ``refresh`` (which always plans, to find drift)."""
        state: dict = {}
        phases = [
            ("validate", self._validate),
            ("build", lambda: state.update(builds=self._build())),
            ("init", lambda: self._init_deploy(state, reviewed, refresh)),
            ("plan", lambda: self._plan_deploy(state)),
            # apply, provision (sandbox clouds outside the root) and sdk, side by side
            ("apply", self._cloud_work(state, confirm)),
            ("verify", lambda: self._verify_deployed(state["builds"])),
        ]
        finish = lambda r: self._finish_deploy(r, state)  # noqa: E731
        result = self._run("deploy", *self.team.locked("deploy", phases, finish))
        result.plan = state.get("plan")
        result.applied = bool(state.get("applied"))
        result.replan_reason = state.get("replan_reason", "")
        return result

    def _cloud_work(self, state: dict, confirm):
        self.cloud_work = deploy_group(self, state, confirm)
        return self.cloud_work

    def plan_only(self) -> RunResult:
        """Validate, build and plan (for the review page); applies nothing. The result's
        ``ticket`` is what ``deploy(reviewed=...)`` applies without planning again."""
        state: dict = {}
        plan_file = self.workspace.terraform_dir / REVIEW_PLAN_FILE

        def plan():
            if self._rootless():
                return Skipped("no Terraform root")
            state["plan"] = self._plan_adopting(plan_file=plan_file)
            fingerprint = self._fingerprint(state["builds"])
            state["ticket"] = make_ticket(
                fingerprint, state["plan"], plan_file, self.connections.name
            )

        phases = [
            ("validate", self._validate),
            ("build", lambda: state.update(builds=self._build())),
            ("init", lambda: self._init(state["builds"])),
            ("plan", plan),
        ]
        result = self._run("plan", phases)
        result.plan = state.get("plan")
        result.ticket = state.get("ticket") if result.status == "succeeded" else None
        return result

    # --- fingerprints (see dtwin_gui.deploy.fingerprint) ------------------------------------
    def _fingerprint(self, builds) -> Fingerprint:
        from dtwin_gui.deploy.fingerprint import compute
        from dtwin_gui.deploy.glue_secrets import generations_digest
        from dtwin_gui.deploy.provision_phase import state_digest
        from dtwin_gui.iac.root import terraform_dir

        fingerprint = compute(
            project_root=self.project_root,
            terraform_dir=self.workspace.terraform_dir,
            modules_dir=terraform_dir() / "modules",
            builds=builds,
            env=self._process_env(),
            settings=self.settings,
            target=self.connections,
            outputs=self.saved_outputs(),
        )
        provisioned = state_digest(self.workspace)  # only deployments that provision have it
        if provisioned is None:
            return fingerprint
        # A provisioned cloud's functions get the glue secrets from the provisioner, not as
        # TF_VAR_*: a rotation must not leave the next deploy "unchanged".
        return Fingerprint(
            {**fingerprint.parts, "provisioned": provisioned, "glue": generations_digest(self)}
        )

    def last_deployed(self) -> DeployedRecord | None:
        """The fingerprint record of the last successful deploy, if it still stands."""
        return load_deployed(self.workspace)

    def _init_deploy(self, state: dict, reviewed: PlanTicket | None, refresh: bool):
        """Generate the root and compare fingerprints; run ``terraform init`` only when
        Terraform has something to do."""
        builds = state["builds"]
        if not self._rootless():
            self._generate_root(builds)
        fingerprint = self._fingerprint(builds)
        if reviewed is not None:
            changed = fingerprint.changed(reviewed.fingerprint)
            if reviewed.target != self.connections.name:
                changed.append("target")
            if not changed and reviewed.plan_file_intact():
                state["reviewed"] = reviewed
                clear_deployed(self.workspace)  # the apply is about to change the state
                self._emit(LogEvent("dtwin", "info", "the reviewed plan is still current"))
                return Skipped("the reviewed plan is still current")
            reason = (
                why_stale(sorted(set(changed)))
                if changed
                else ("the reviewed plan file was replaced since the review")
            )
            state["replan_reason"] = reason
            self._emit(LogEvent("dtwin", "warning", f"a new plan is needed: {reason}"))
        if not refresh:
            record = load_deployed(self.workspace)
            changed = fingerprint.changed(record.fingerprint if record else None)
            if record is not None and not changed:
                state["unchanged"] = record
                self._emit(
                    LogEvent(
                        "dtwin",
                        "info",
                        f"nothing changed since {record.when}: Terraform is not run "
                        "(a refresh runs the full plan: dtwin deploy --refresh)",
                    )
                )
                return Skipped(f"nothing changed since {record.when}")
            if record is not None:
                changes = ", ".join(changed)
                self._emit(LogEvent("dtwin", "info", f"changed since the last deploy: {changes}"))
        clear_deployed(self.workspace)
        if self._rootless():
            return self._no_root()
        self._guard(lambda: self.team.init(self._terraform_runner()), "init")
        return None

    # --- clouds provisioned on the sandbox's emulators (see .provision_phase) ---------------
    def _provisioned_clouds(self) -> list:
        from dtwin_gui.deploy.provision_phase import provisioned_for

        return provisioned_for(self.project_root, self.connections)

    def _rootless(self) -> bool:
        """No cloud here is applied by Terraform (e.g. all-Azure in the sandbox)."""
        from dtwin_gui.deploy.provision_phase import rootless

        if getattr(self, "_rootless_cached", None) is None:
            self._rootless_cached = rootless(self.project_root, self.connections)
        return self._rootless_cached

    def _no_root(self) -> Skipped:
        clouds = ", ".join(str(c) for c in self._provisioned_clouds())
        reason = f"no Terraform root: {clouds} is provisioned on the sandbox's emulators"
        self._emit(LogEvent("dtwin", "info", f"{reason}; the Terraform phases are skipped"))
        return Skipped(reason)

    def _skipped_if_unchanged(self, state: dict) -> Skipped | None:
        record = state.get("unchanged")
        return Skipped(f"nothing changed since {record.when}") if record else None

    def _plan_deploy(self, state: dict):
        skipped = self._skipped_if_unchanged(state)
        if skipped:
            return skipped
        if self._rootless():
            return Skipped("no Terraform root")
        reviewed = state.get("reviewed")
        if reviewed is not None:
            state["plan"] = reviewed.plan
            return Skipped(f"applying the plan reviewed at {reviewed.when}")
        state["plan"] = self._plan_adopting()
        return None

    def _plan_adopting(self, plan_file: Path | None = None):
        """Plan, importing what exists but the state lacks (see :mod:`.adoption`)."""
        from dtwin_gui.deploy.adoption import plan_adopting

        return plan_adopting(self, plan_file)

    def _terraform_destroy(self):
        """Adopt what a killed apply left untracked, then destroy (see :mod:`.teardown`)."""
        from dtwin_gui.deploy.adoption import adopt_before_destroy

        root = self.workspace.terraform_dir / "main.tf.json"
        if root.exists() and not getattr(self, "_nothing_left", False):
            adopt_before_destroy(self)
        return super()._terraform_destroy()

    def _finish_deploy(self, result: RunResult, state: dict) -> None:
        record = state.get("unchanged")
        if result.status != "succeeded":
            clear_deployed(self.workspace)
            if record is not None:
                result.hint = (
                    "the cloud no longer matches the last deploy: deploy again (the next "
                    "deploy runs the full Terraform plan)"
                )
            return
        if record is None:
            store_deployed(self.workspace, self._fingerprint(state["builds"]), result.run_id)
            return
        result.unchanged_since = record.deployed_at
        skipped = ", ".join(p for p in result.skipped)
        result.message = (
            f"nothing changed since {record.when}: skipped {skipped} (Terraform was not run); "
            "verify checked the deployed resources"
        )
        result.hint = "to look for drift in the cloud, run the full plan: dtwin deploy --refresh"

    def _validate(self) -> None:
        from dtwin_gui.deploy.build_phase import validate_deployment

        validate_deployment(self)

    def _build(self):
        from dtwin_gui.deploy.build_phase import build_connected

        return build_connected(self)

    def _terraform_runner(self):
        from dtwin_gui.iac.runner import Terraform

        if self._terraform is None:
            self._terraform = Terraform(
                self.workspace.terraform_dir,
                settings=self.settings,
                env=self._process_env(),
                sink=lambda event: self._emit(event),
            )
        return self._terraform

    def _process_env(self) -> dict[str, str]:
        """Terraform's env: the root clouds', glue secrets as ``TF_VAR_*``, never a file."""
        from dtwin_gui.deploy.glue_secrets import GlueSecrets
        from dtwin_gui.deploy.provision_phase import receiver_environment

        glue = GlueSecrets.for_deployment(self).terraform_environment({"aws"})
        env = self.connections.process_env(self._root_clouds())
        return {**self.team.process_env(), **env, **glue, **receiver_environment(self)}

    def _root_clouds(self):
        """The root's clouds: only their credentials reach Terraform (None: all of them)."""
        from dtwin_gui.iac.root import clouds_in_root

        try:
            topology = topology_for_project(load_project(self.project_root))
        except Exception:  # an invalid project is reported by the validate phase
            return None
        return clouds_in_root(topology, self.connections)

    def _generate_root(self, builds) -> None:
        from dtwin_gui.iac.root import generate_root

        generate_root(
            self.project_root,
            connections=self.connections,
            builds=builds,
            out_dir=self.workspace.terraform_dir,
            backend=self.team.terraform_backend(),
        )

    def _init(self, builds):
        if self._rootless():
            return self._no_root()
        self._generate_root(builds)
        self._guard(lambda: self.team.init(self._terraform_runner()), "init")

    def _plan(self, *, destroy: bool = False, plan_file: Path | None = None):
        terraform = self._terraform_runner()
        plan_file = plan_file or self.workspace.terraform_dir / PLAN_FILE
        return self._guard(lambda: terraform.plan(plan_file, destroy=destroy), "plan")

    def _apply_checked(self, state: dict, confirm) -> Callable[[], object]:
        """The apply task, once the plan is confirmed (before any cloud is touched)."""
        if self._rootless():
            return lambda: Skipped("no Terraform root")
        plan, reviewed = state["plan"], state.get("reviewed")
        if not plan.has_changes:
            self._emit(LogEvent("dtwin", "info", "no changes: nothing to apply"))
            return lambda: "skipped"
        # A reviewed plan was confirmed on the review; only a new plan is asked about.
        if reviewed is None and confirm is not None and not confirm(plan):
            raise Cancelled("the plan was not confirmed")
        plan_file = reviewed.plan_file if reviewed else self.workspace.terraform_dir / PLAN_FILE
        return lambda: self._apply(state, plan_file)

    def _apply(self, state: dict, plan_file: Path) -> None:
        terraform = self._terraform_runner()
        try:
            self._guard(lambda: terraform.apply(plan_file), "apply")
        finally:  # what was imported is in the state now (also after a failed apply)
            from dtwin_gui.deploy.adoption import clear_imports

            clear_imports(self.workspace.terraform_dir)
        state["applied"] = True

    def _guard(self, action, phase):
        """Run a Terraform command, turning its typed errors into phase failures."""
        from dtwin_gui.iac.runner import StateLocked, TerraformCancelled, TerraformError

        try:
            return action()
        except TerraformCancelled as exc:
            self._lock = exc.lock or self._lock
            raise Cancelled(f"Terraform {phase} cancelled") from None
        except StateLocked as exc:
            self._lock = exc.lock
            raise DeployFailed(
                phase,
                f"the Terraform state is locked (lock {exc.lock_id}, {exc.operation} by "
                f"{exc.who} since {exc.created})",
                "if no other deploy is running (e.g. after a crash or a forced stop), "
                f"unlock it: dtwin unlock PATH {exc.lock_id}",
            ) from None
        except TerraformError as exc:
            raise DeployFailed(phase, exc.summary, exc.hint) from None

    def _outputs(self) -> dict:
        """Terraform's outputs as ``{name: value}`` (sensitive ones left out), also saved."""
        if self._rootless():
            return {}
        outputs = _public_outputs(self._terraform_runner().output())
        self.workspace.write_json(self.workspace.outputs_file, outputs)
        return outputs

    def saved_outputs(self) -> dict:
        """The outputs of the last successful deploy (no Terraform process needed)."""
        return self.workspace.read_json(self.workspace.outputs_file, {})

    def _verify_deployed(self, builds) -> None:
        self._verify_code(builds)
        report = self.status()
        missing = [
            f"{layer}: {item}" for layer, status in report.layers.items() for item in status.missing
        ]
        if missing:
            raise DeployFailed(
                "verify",
                f"{len(missing)} resource(s) are not where they should be: "
                + "; ".join(missing[:5]),
                "run the deploy again; if it persists, open the run log",
            )

    def _verify_code(self, builds) -> None:
        """Every function runs the package just built (each cloud's ``code_check`` part)."""
        from dtwin_gui.deploy.cloud_parts import check_code

        still = check_code(
            self.connections,
            builds,
            self.saved_outputs(),
            log=lambda message: self._emit(LogEvent("dtwin", "warning", message)),
        )
        if still:
            raise DeployFailed(
                "verify",
                f"{len(still)} function(s) do not run the package this deploy built: "
                + ", ".join(f.name for f in still[:5]),
                "run the deploy again; if it persists, open the run log",
            )

    # --- status --------------------------------------------------------------------------
    def status(self, *, probe: bool = True):
        from dtwin_gui.deploy.status import collect_status

        return collect_status(self, probe=probe)


def _public_outputs(outputs: dict) -> dict:
    """Outputs without sensitive values (those stay in Terraform's state only)."""
    return {
        name: value.get("value") if isinstance(value, dict) else value
        for name, value in outputs.items()
        if not (isinstance(value, dict) and value.get("sensitive"))
    }


def fan(*sinks: Sink | None) -> Sink:
    return fan_out(sinks)
