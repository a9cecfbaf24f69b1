"""Deploy, destroy and status of one project on one target, as phases that emit events.

deploy:  validate → build → init → plan → apply → sdk → verify
destroy: sdk-destroy → init → destroy → verify

Every run writes its events to ``<workspace>/runs/<run-id>.jsonl``. A plan without changes
skips the apply. :meth:`Deployment.cancel` (from any thread) stops Terraform safely and
ends the run as cancelled.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dtwin_gui.core.project import load_project
from dtwin_gui.core.providers import Cloud
from dtwin_gui.core.topology import topology_for_project
from dtwin_gui.deploy.events import (
    DiagnosticEvent,
    EventLog,
    LogEvent,
    OutcomeEvent,
    PhaseEvent,
    Sink,
    fan_out,
)
from dtwin_gui.deploy.target import Target
from dtwin_gui.deploy.workspace import DeploymentWorkspace

PLAN_FILE = "tfplan"


class DeployFailed(RuntimeError):
    """A phase failed; ``hint`` says what the user can do."""

    def __init__(self, phase: str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.phase = phase
        self.hint = hint


class Cancelled(RuntimeError):
    pass


@dataclass
class RunResult:
    run_id: str
    status: str  # succeeded | failed | cancelled
    message: str = ""
    hint: str = ""
    log_path: Path | None = None
    plan: object = None
    applied: bool = False
    leftovers: dict[str, list[str]] = field(default_factory=dict)
    #: The state lock that stopped the run or that a forced stop may have left (a LockInfo).
    lock: object = None

    @property
    def exit_code(self) -> int:
        return {"succeeded": 0, "cancelled": 130}.get(self.status, 1)


class Deployment:
    """One project deployed to one target. Qt-free; call from a worker thread."""

    def __init__(
        self,
        project_root: Path,
        target: Target,
        *,
        sink: Sink | None = None,
        settings=None,
    ) -> None:
        from dtwin_gui.iac.cli_config import TerraformSettings

        self.project_root = Path(project_root)
        self.target = target
        self.workspace = DeploymentWorkspace(self.project_root, target.name)
        self.settings = settings or TerraformSettings()
        self._sink = sink
        self._cancel = threading.Event()
        self._terraform = None
        self._forced = False
        self._lock = None
        self._emit: Sink = lambda event: None

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
    def _run(self, kind: str, phases: list[tuple[str, Callable[[], object]]]) -> RunResult:
        run_id = (
            datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + kind + "-" + uuid.uuid4().hex[:6]
        )
        log_path = self.workspace.runs_dir / f"{run_id}.jsonl"
        result = RunResult(run_id, "failed", log_path=log_path)
        with EventLog(log_path, run_id, forward=self._sink) as log:
            self._emit = log
            log(LogEvent("dtwin", "info", f"{kind} of {self.project_root} to {self.target.name}"))
            for phase, step in phases:
                started = time.monotonic()
                try:
                    self._check_cancel()
                    log(PhaseEvent(phase, "started"))
                    outcome = step()
                except Cancelled:
                    log(PhaseEvent(phase, "cancelled", time.monotonic() - started))
                    result.status, result.message = "cancelled", f"cancelled during {phase}"
                    result.hint = "run again to continue; finished steps are kept"
                    if self._forced:
                        result.message = f"stopped forcefully during {phase}"
                        result.hint = (
                            "the state lock may be left and resources may be half-made: "
                            "run again to settle them (unlock the state first if asked)"
                        )
                    break
                except DeployFailed as exc:
                    log(PhaseEvent(phase, "failed", time.monotonic() - started, str(exc)))
                    result.message, result.hint = str(exc), exc.hint
                    break
                except Exception as exc:  # unexpected: full detail goes to the log
                    import traceback

                    log(LogEvent("dtwin", "error", traceback.format_exc()))
                    log(PhaseEvent(phase, "failed", time.monotonic() - started, str(exc)))
                    result.message = f"{phase} failed: {type(exc).__name__}: {exc}"
                    result.hint = "open the run log for details; retrying is safe"
                    break
                if outcome == "skipped":
                    log(PhaseEvent(phase, "skipped", time.monotonic() - started, "no changes"))
                else:
                    log(PhaseEvent(phase, "finished", time.monotonic() - started))
            else:
                result.status = "succeeded"
                result.message = f"{kind} finished"
            result.lock = self._lock
            log(OutcomeEvent(result.status, result.message, result.hint))
        self._emit = lambda event: None
        return result

    # --- deploy --------------------------------------------------------------------------
    def deploy(self, *, confirm: Callable[[object], bool] | None = None) -> RunResult:
        """Validate, build, plan and apply; ``confirm(plan)`` may refuse the apply."""
        state: dict = {}
        phases = [
            ("validate", self._validate),
            ("build", lambda: state.update(builds=self._build())),
            ("init", lambda: self._init(state["builds"])),
            ("plan", lambda: state.update(plan=self._plan())),
            ("apply", lambda: self._apply(state["plan"], confirm, state)),
            ("sdk", lambda: self._sdk_steps()),
            ("verify", lambda: self._verify_deployed(state["builds"])),
        ]
        result = self._run("deploy", phases)
        result.plan = state.get("plan")
        result.applied = bool(state.get("applied"))
        return result

    def plan_only(self) -> RunResult:
        """Validate, build and plan (for the review page); applies nothing."""
        state: dict = {}
        phases = [
            ("validate", self._validate),
            ("build", lambda: state.update(builds=self._build())),
            ("init", lambda: self._init(state["builds"])),
            ("plan", lambda: state.update(plan=self._plan())),
        ]
        result = self._run("plan", phases)
        result.plan = state.get("plan")
        return result

    def _validate(self) -> None:
        from dtwin_gui.core.validation import validate_project

        report = validate_project(self.project_root)
        for problem in report.errors:
            self._emit(
                DiagnosticEvent("error", problem.message, problem.hint, problem.location, "project")
            )
        if not report.valid:
            raise DeployFailed(
                "validate",
                f"the project has {len(report.errors)} error(s)",
                "fix them (dtwin validate lists them with their place) and deploy again",
            )
        project = load_project(self.project_root)
        topology = topology_for_project(project)
        if Cloud.AWS not in topology.clouds:
            raise DeployFailed(
                "validate",
                "no layer of this project is on AWS",
                "choose AWS for at least one layer",
            )
        others = [str(c) for c in topology.clouds if c is not Cloud.AWS]
        if others:
            raise DeployFailed(
                "validate",
                f"layers on {', '.join(others)} cannot be deployed yet (only AWS is supported "
                "by this version)",
                "choose AWS for every layer on the Layers page",
            )

    def _build(self):
        from dtwin_gui.build import build_packages

        def on_event(item) -> None:
            name = getattr(item, "name", "")
            rebuilt = getattr(item, "rebuilt", None)
            if rebuilt is None:
                self._emit(LogEvent("build", "info", f"removed stale package {name}"))
            else:
                word = "built" if rebuilt else "unchanged"
                self._emit(LogEvent("build", "info", f"{name}: {word} ({item.size:,} bytes)"))

        return build_packages(
            self.project_root, self.workspace.build_dir, cloud="aws", on_event=on_event
        )

    def _terraform_runner(self):
        from dtwin_gui.iac.runner import Terraform

        if self._terraform is None:
            self._terraform = Terraform(
                self.workspace.terraform_dir,
                settings=self.settings,
                env=self.target.process_env(),
                sink=lambda event: self._emit(event),
            )
        return self._terraform

    def _init(self, builds) -> None:
        from dtwin_gui.iac.root import generate_root

        generate_root(
            self.project_root,
            target=self.target,
            builds=builds,
            out_dir=self.workspace.terraform_dir,
        )
        self._guard(lambda: self._terraform_runner().init(), "init")

    def _plan(self, *, destroy: bool = False):
        terraform = self._terraform_runner()
        plan_file = self.workspace.terraform_dir / PLAN_FILE
        return self._guard(lambda: terraform.plan(plan_file, destroy=destroy), "plan")

    def _apply(self, plan, confirm, state) -> str | None:
        if not plan.has_changes:
            self._emit(LogEvent("dtwin", "info", "no changes: nothing to apply"))
            return "skipped"
        if confirm is not None and not confirm(plan):
            raise Cancelled("the plan was not confirmed")
        terraform = self._terraform_runner()
        self._guard(lambda: terraform.apply(self.workspace.terraform_dir / PLAN_FILE), "apply")
        state["applied"] = True
        return None

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
        outputs = _public_outputs(self._terraform_runner().output())
        self.workspace.write_json(self.workspace.outputs_file, outputs)
        return outputs

    def saved_outputs(self) -> dict:
        """The outputs of the last successful deploy (no Terraform process needed)."""
        return self.workspace.read_json(self.workspace.outputs_file, {})

    def _sdk_context(self, outputs: dict | None = None):
        from dtwin_gui.deploy.sdk.context import SdkContext

        project = load_project(self.project_root)
        return SdkContext(
            project=project,
            topology=topology_for_project(project),
            target=self.target,
            workspace=self.workspace,
            outputs=self._outputs() if outputs is None else outputs,
            sink=lambda event: self._emit(event),
        )

    def _sdk_steps(self) -> None:
        from dtwin_gui.deploy.sdk.steps import run_sdk_steps

        run_sdk_steps(self._sdk_context())

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
        """Every function runs the package just built (see :mod:`dtwin_gui.deploy.code_check`)."""
        from dtwin_gui.deploy.code_check import repair_stale_code

        bucket = self.saved_outputs().get("functions_bucket_name")
        if not bucket:
            return
        still = repair_stale_code(
            self.target,
            builds,
            bucket,
            log=lambda message: self._emit(LogEvent("dtwin", "warning", message)),
        )
        if still:
            raise DeployFailed(
                "verify",
                f"{len(still)} function(s) do not run the package this deploy built: "
                + ", ".join(f.name for f in still[:5]),
                "run the deploy again; if it persists, open the run log",
            )

    # --- destroy -------------------------------------------------------------------------
    def destroy(self) -> RunResult:
        state: dict = {}
        phases = [
            ("sdk-destroy", lambda: state.update(sdk_left=self._sdk_destroy())),
            ("init", self._init_existing),
            ("destroy", self._terraform_destroy),
            ("verify", lambda: state.update(left=self._verify_destroyed(state))),
        ]
        result = self._run("destroy", phases)
        result.leftovers = state.get("left", {})
        return result

    def _sdk_destroy(self) -> list[str]:
        from dtwin_gui.deploy.sdk.steps import destroy_sdk

        if not self.workspace.sdk_state_file.exists():
            return []
        return destroy_sdk(self._sdk_context(self.saved_outputs()))

    def _init_existing(self):
        if not (self.workspace.terraform_dir / "main.tf.json").exists():
            self._emit(LogEvent("dtwin", "info", "nothing was deployed with Terraform"))
            return "skipped"
        self._guard(lambda: self._terraform_runner().init(), "init")
        return None

    def _terraform_destroy(self):
        if not (self.workspace.terraform_dir / "main.tf.json").exists():
            return "skipped"
        self._guard(lambda: self._terraform_runner().destroy(), "destroy")
        self.workspace.outputs_file.unlink(missing_ok=True)
        return None

    def _verify_destroyed(self, state) -> dict[str, list[str]]:
        from dtwin_gui.deploy.leftovers import find_leftovers

        project = load_project(self.project_root)
        left = find_leftovers(self.target, project.twin_name)
        sdk_left = state.get("sdk_left") or []
        if sdk_left:
            left.setdefault("sdk", []).extend(sdk_left)
        for service, names in left.items():
            self._emit(LogEvent("dtwin", "warning", f"left in {service}: {', '.join(names)}"))
        if left:
            raise DeployFailed(
                "verify",
                "some resources of the twin are still there: "
                + "; ".join(f"{s}: {', '.join(n)}" for s, n in left.items()),
                "run destroy again; delete them in the console if they stay",
            )
        return left

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
