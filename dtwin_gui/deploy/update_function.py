"""One function's new code live without a full deploy (``dtwin update-function``, issue 17).

Given a deployed twin and a function of its topology (``processor-<device>``,
``action-<name>``, any other function; its deployed name, a device id or an action name work
too), the update first refuses what it must (:mod:`.update_checks`: unknown name, nothing
deployed, cloud not connected, another run of this deployment going — :mod:`.run_lock`,
exclusive — or Terraform holding the state, an error in the package's code), then runs as
phases into the run log, like a deploy's:

* ``build`` — the connected clouds' packages, as a deploy builds them (the cache rebuilds only
  what changed): the package holding the function is the one put live;
* ``upload`` — the function's cloud's ``update_code`` part (:mod:`dtwin_gui.clouds.code_update`):
  through the SDK where there is one (AWS, the sandbox's Azure and Google); a provisioned
  cloud's record learns the new package;
* ``record`` — where the code is a Terraform input and the part knows how the state records
  what the SDK made (AWS), the state is pushed as the apply would leave it: no provider start;
* ``apply`` — otherwise Terraform applies only the resources that hold the code (``-target``,
  no refresh); on real Azure and Google this apply is the upload itself;
* ``verify`` — the cloud's ``code_check`` part: the function runs the package just built.

Either way the next full deploy's plan shows no change for the function. The last deploy's
fingerprint is forgotten (the cloud changed since; reverting the edit must not look like
"nothing changed"), so that deploy runs its full plan. Qt-free.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from dtwin_gui.clouds import plugin
from dtwin_gui.core.run_events import DiagnosticEvent, LogEvent, ResourceEvent, Sink
from dtwin_gui.deploy import run_lock
from dtwin_gui.deploy.run_result import DeployFailed, Skipped
from dtwin_gui.deploy.update_checks import (
    UpdateRefused,
    check,
    check_name,
    code_function,
    holds,
    resolve,
)

__all__ = [
    "FunctionUpdate",
    "UpdateRefused",
    "UpdateResult",
    "check_name",
    "code_function",
    "resolve",
    "update_function",
]

KIND = "update-function"
#: Terraform's own words for a targeted run: expected here, so only logged.
_TARGETING = ("Resource targeting is in effect", "Applied changes may be incomplete")


@dataclass
class UpdateResult:
    """How an update ended (``status``: succeeded | failed | cancelled)."""

    status: str
    message: str
    hint: str = ""
    run_id: str = ""
    log_path: Path | None = None
    #: The topology names asked for, and ``{package: sha256}`` put live.
    functions: list[str] = field(default_factory=list)
    packages: dict[str, str] = field(default_factory=dict)
    #: What runs the new code now (Lambdas, Function Apps, Cloud Functions).
    live: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    #: Seconds until the code was live (the SDK upload; None when it did not get there).
    live_after_s: float | None = None
    #: Terraform addresses applied to record (or deploy) the code.
    applied: list[str] = field(default_factory=list)
    #: Terraform addresses recorded in the state without an apply (``state push``).
    recorded: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return {"succeeded": 0, "cancelled": 130}.get(self.status, 1)

    def to_json(self) -> dict:
        data = {k: v for k, v in self.__dict__.items() if k != "log_path"}
        return {**data, "log_path": str(self.log_path) if self.log_path else None}


@dataclass
class _Plan:
    project: object
    topology: object
    functions: list
    #: ``(PackageSpec, cloud)`` of each package holding an asked function.
    specs: list
    builds: list = field(default_factory=list)
    #: Every package this run built (the root and the provisioners' intents name them all).
    all_builds: list = field(default_factory=list)
    targets: list = field(default_factory=list)
    #: The parts' state edits and what to do once recorded (see CodeUpdate.state_edit).
    edits: list = field(default_factory=list)
    recorded: list = field(default_factory=list)
    applied: list = field(default_factory=list)
    started: float = 0.0
    live_at: float | None = None
    live: list = field(default_factory=list)


# --- the update ------------------------------------------------------------------------------
class FunctionUpdate:
    """One update of ``name`` on a deployment; :meth:`run` from a worker thread,
    :meth:`cancel` from any thread."""

    def __init__(
        self,
        project_root: Path,
        connections,
        name: str,
        *,
        sink=None,
        settings=None,
        state_edits: bool = True,
    ):
        from dtwin_gui.deploy.orchestrator import Deployment

        self.deployment = Deployment(Path(project_root), connections, sink=sink, settings=settings)
        self.name = name
        #: Record what the SDK made by editing the state where a part can (False: always
        #: Terraform's targeted apply, which starts the provider).
        self.state_edits = state_edits

    def cancel(self) -> None:
        self.deployment.cancel()

    def run(self) -> UpdateResult:
        """Refuse (:class:`UpdateRefused`) or run the phases; the result says how it went."""
        started = time.monotonic()
        root = self.deployment.workspace.root
        try:
            with run_lock.exclusive(root, f"the update of {self.name}"):
                self.deployment.holds_run_lock = True
                checked = check(self.deployment, self.name)
                plan = _Plan(checked.project, checked.topology, checked.functions, checked.specs)
                plan.started = started
                return self._run(plan)
        except run_lock.RunBusy as exc:
            raise UpdateRefused(
                f"{exc}: a function cannot be updated meanwhile",
                "wait until it has finished (the Deploy page or the other dtwin shows it), "
                "then update again",
            ) from None
        finally:
            self.deployment.holds_run_lock = False

    # --- the phases --------------------------------------------------------------------------
    def _run(self, plan: _Plan) -> UpdateResult:
        d = self.deployment
        phases = [
            ("build", lambda: self._build(plan)),
            ("upload", lambda: self._upload(plan)),
            ("record", lambda: self._record(plan)),
            ("apply", lambda: self._apply(plan)),
            ("verify", lambda: self._verify(plan)),
        ]
        run = d._run(KIND, phases, lambda r: self._finish(r, plan))
        live_after = None if plan.live_at is None else round(plan.live_at - plan.started, 2)
        return UpdateResult(
            status=run.status,
            message=run.message,
            hint=run.hint,
            run_id=run.run_id,
            log_path=run.log_path,
            functions=[f.name for f in plan.functions],
            packages={b.name: b.sha256 for b in plan.builds},
            live=list(plan.live),
            elapsed_s=round(time.monotonic() - plan.started, 2),
            live_after_s=live_after,
            applied=list(plan.applied),
            recorded=list(plan.recorded),
        )

    def _build(self, plan: _Plan) -> None:
        from dtwin_gui.deploy.build_phase import build_connected

        outcome = build_connected(self.deployment)
        plan.all_builds = list(outcome)
        by_name = {(b.name, b.cloud): b for b in outcome}
        plan.builds = [by_name[(s.deployed_name, str(c))] for s, c in plan.specs]

    def _upload(self, plan: _Plan) -> None:
        from dtwin_gui.clouds.code_update import CodeUpdateContext, CodeUpdateError
        from dtwin_gui.deploy.fingerprint import clear_deployed
        from dtwin_gui.deploy.provision_phase import load_state, save_state

        d = self.deployment
        clear_deployed(d.workspace)  # the cloud is about to differ from the last deploy
        saved = load_state(d.workspace)
        for (spec, cloud), build in zip(plan.specs, plan.builds, strict=True):
            d._check_cancel()
            part = plugin(cloud).part("update_code")
            label = plugin(cloud).label
            if part is None:
                raise DeployFailed(
                    "upload",
                    f"{label} cannot update a single function yet",
                    "deploy the twin instead (a full deploy)",
                )
            layer = str(spec.function.slot)
            ctx = CodeUpdateContext(
                connection=d.connections[cloud],
                project=plan.project,
                topology=plan.topology,
                functions=tuple(f for f in plan.functions if holds(spec, f)),
                layer=layer,
                build=build,
                builds=tuple(plan.all_builds),
                outputs=d.saved_outputs(),
                state=self._state(plan, cloud),
                saved=dict(saved.get(str(cloud)) or {}),
                provision_context=lambda cloud=cloud: self._provision_context(plan, cloud),
                log=lambda level, message, cloud=cloud: d._emit(
                    LogEvent(str(cloud), level, message)
                ),
            )
            address = f"function:{cloud}:{build.name}"
            d._emit(
                ResourceEvent(address, layer, "function-code", "update", "updating", source="sdk")
            )
            try:
                done = part(ctx)
            except CodeUpdateError as exc:
                d._emit(
                    ResourceEvent(
                        address,
                        layer,
                        "function-code",
                        "update",
                        "failed",
                        error=str(exc),
                        source="sdk",
                    )
                )
                raise DeployFailed("upload", str(exc), exc.hint) from None
            d._emit(
                ResourceEvent(address, layer, "function-code", "update", "updated", source="sdk")
            )
            if done.detail:
                d._emit(LogEvent(str(cloud), "info", done.detail))
            if done.record is not None:
                saved[str(cloud)] = dict(done.record)
                save_state(d.workspace, saved)
            if done.uploaded:
                plan.live += list(done.names)
            plan.targets += [t for t in done.targets if t not in plan.targets]
            if done.state_edit is not None:
                plan.edits.append((done.state_edit, done.after_record))
        if plan.live:
            plan.live_at = time.monotonic()

    def _state(self, plan: _Plan, cloud):
        from dtwin_gui.iac.root import clouds_in_root
        from dtwin_gui.iac.state import StateSnapshot, read_state

        d = self.deployment
        if cloud not in clouds_in_root(plan.topology, d.connections):
            return StateSnapshot()
        try:
            return read_state(d.workspace.terraform_dir)
        except ValueError as exc:
            raise DeployFailed(
                "upload", f"the Terraform state cannot be read: {exc}", "deploy again"
            ) from None

    def _provision_context(self, plan: _Plan, cloud):
        from dtwin_gui.deploy.provision_phase import (
            _context,
            provisioned_clouds,
            provisioned_receiver_outputs,
        )

        d = self.deployment
        provisioned = provisioned_clouds(plan.topology, d.connections)
        outputs = {**d.saved_outputs(), **provisioned_receiver_outputs(d, provisioned)}
        return _context(d, plan.project, plan.topology, cloud, plan.all_builds, outputs)

    def _record(self, plan: _Plan):
        """Push the state as the targeted apply would leave it (every part's edit), or leave
        the recording to the apply."""
        d = self.deployment
        if not plan.targets:
            return Skipped("no Terraform input holds this code here")
        initialised = (d.workspace.terraform_dir / ".terraform").is_dir()
        if not (self.state_edits and plan.edits and len(plan.edits) == len(plan.builds)):
            return Skipped("Terraform applies the code's resources")
        if not initialised:
            return Skipped("the Terraform folder is not initialised: Terraform applies them")
        runner = d._terraform_runner()
        document = d._guard(runner.state_pull, "record")
        for edit, _after in plan.edits:
            document = edit(document) if document else None
            if document is None:
                d._emit(
                    LogEvent(
                        "dtwin",
                        "info",
                        "the state does not hold the function's resources as expected: "
                        "Terraform applies them instead",
                    )
                )
                return Skipped("Terraform applies the code's resources")
        document["serial"] = int(document.get("serial") or 0) + 1
        d._guard(lambda: runner.state_push(document), "record")
        plan.recorded = list(plan.targets)
        d._emit(
            LogEvent(
                "terraform",
                "info",
                "recorded in the Terraform state as the apply would: " + ", ".join(plan.targets),
            )
        )
        for _edit, after in plan.edits:
            if after is not None:
                after()
        return None

    def _apply(self, plan: _Plan):
        d = self.deployment
        if not plan.targets:
            return Skipped("no Terraform input holds this code here")
        if plan.recorded:
            return Skipped("recorded in the state without an apply")
        d._generate_root(plan.all_builds)
        runner = d._terraform_runner()
        log = d._emit
        d._emit = _quiet_targeting(log)
        try:
            if not (d.workspace.terraform_dir / ".terraform").is_dir():
                d._guard(runner.init, "init")
            d._guard(lambda: runner.apply(targets=tuple(plan.targets), refresh=False), "apply")
        finally:
            d._emit = log
        plan.applied = list(plan.targets)
        if not plan.live:  # the apply was the upload (real Azure, real Google)
            plan.live_at = time.monotonic()
            plan.live = [b.name for b in plan.builds]
        return None

    def _verify(self, plan: _Plan) -> None:
        from dtwin_gui.deploy.cloud_parts import check_code

        d = self.deployment
        still = check_code(
            d.connections,
            plan.builds,
            d.saved_outputs(),
            log=lambda message: d._emit(LogEvent("dtwin", "warning", message)),
        )
        if still:
            raise DeployFailed(
                "verify",
                f"{', '.join(s.name for s in still[:5])} do(es) not run the package just built",
                "update again; if it persists, run a full deploy",
            )

    def _finish(self, result, plan: _Plan) -> None:
        names = ", ".join(f.name for f in plan.functions)
        if result.status == "succeeded":
            took = time.monotonic() - plan.started
            shas = ", ".join(sorted({b.sha256[:12] for b in plan.builds}))
            live = ", ".join(plan.live) or names
            result.message = (
                f"{names} updated in {took:.1f} s: {live} run(s) package {shas} "
                "(live code hash verified)"
            )
            if plan.targets:
                result.message += "; recorded in the Terraform state"
                if not plan.recorded:
                    result.message += " (targeted apply)"
        elif plan.live:
            result.hint = (
                f"{', '.join(plan.live)} already run(s) the new code; update again or run a full "
                "deploy to finish recording it"
            )


def _quiet_targeting(sink: Sink) -> Sink:
    """``sink`` with Terraform's warnings about ``-target`` turned into log lines."""

    def forward(event) -> None:
        if isinstance(event, DiagnosticEvent) and event.summary.startswith(_TARGETING):
            sink(LogEvent("terraform", "info", f"{event.summary} (only this function's code)"))
            return
        sink(event)

    return forward


def update_function(project_root: Path, connections, name: str, *, sink=None, settings=None):
    """Run one update (see the module); raises :class:`UpdateRefused` before touching
    anything, else returns the :class:`UpdateResult`."""
    return FunctionUpdate(project_root, connections, name, sink=sink, settings=settings).run()
