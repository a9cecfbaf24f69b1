"""Run Terraform as a child process and report what it does as typed events.

One method per command. Commands with a ``-json`` UI are streamed line by line into events
(:mod:`dtwin_gui.core.run_events`); commands that print one JSON document (``output``,
``show``, ``state pull``, ``validate``, ``version``) are parsed whole. Failures raise
:class:`TerraformError` (classified from Terraform's JSON diagnostics), :class:`StateLocked`
(with the lock's id, for a guarded unlock) or :class:`TerraformCancelled`.

Cancel is cooperative first: SIGINT to the process group lets Terraform finish the calls in
flight, write the state and release the lock; after the grace period the group is killed.
Starting, watching, interrupting and killing the child is :mod:`dtwin_gui.iac.supervisor`;
this module holds the commands and what their output means.

Credentials reach Terraform only through the child's environment (``env``); the environment
is never logged, and values of secret-looking variables are masked in every event.
"""

from __future__ import annotations

import json
import os
import re
import signal
from dataclasses import dataclass, fields
from pathlib import Path

from dtwin_gui.core.run_events import DiagnosticEvent, Event, LogEvent, Sink
from dtwin_gui.iac import process, remote_state
from dtwin_gui.iac.cli_config import TerraformSettings, write_cli_config
from dtwin_gui.iac.diagnostics import (
    LockInfo,
    diagnostic_event,
    parse_lock_detail,
    rerun_hint,
)
from dtwin_gui.iac.perms import tighten
from dtwin_gui.iac.results import (
    ApplySummary,
    LockMismatch,
    PlannedResource,
    PlanSummary,
    StateLocked,
    TerraformCancelled,
    TerraformError,
    _loads,
)
from dtwin_gui.iac.state import state_path
from dtwin_gui.iac.stream import StreamTranslator, layer_for
from dtwin_gui.iac.supervisor import ProcessSupervisor

#: Variables of the parent environment a Terraform child may see (no cloud credentials).
INHERITED_ENV = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LANGUAGE",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    "TMPDIR",
    "TEMP",
    "TMP",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    # Windows needs these to start processes and find the user's folders.
    "SYSTEMROOT",
    "SYSTEMDRIVE",
    "WINDIR",
    "COMSPEC",
    "PATHEXT",
    "USERPROFILE",
    "APPDATA",
    "LOCALAPPDATA",
    "PROGRAMDATA",
)
#: Environment names whose values are masked wherever they would appear in an event.
_SECRET_NAME = re.compile(
    r"SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|PRIVATE|ACCESS_KEY|API_KEY|CLIENT_KEY|"
    r"CONNECTION_STRING|SAS",
    re.IGNORECASE,
)
_MASK = "***"
CLI_CONFIG_NAME = ".dtwin-cli.tfrc"


@dataclass
class _Result:
    exit_code: int
    stdout: str
    stderr: list[str]
    translator: StreamTranslator | None


# --- the runner -------------------------------------------------------------------------------
class Terraform:
    """Terraform commands in ``workdir``. One command at a time; :meth:`cancel` from any thread.

    ``env`` holds the target's additions (region, endpoint, credentials): it is the only way
    credentials reach Terraform. Events go to ``sink`` from the thread running the command.
    """

    def __init__(
        self,
        workdir: Path,
        *,
        settings: TerraformSettings | None = None,
        env: dict[str, str] | None = None,
        sink: Sink | None = None,
    ) -> None:
        self.workdir = Path(workdir)
        self.settings = settings or TerraformSettings()
        self._env = dict(env or {})
        self._sink = sink or (lambda event: None)
        self._secrets = sorted(
            {v for k, v in self._env.items() if _SECRET_NAME.search(k) and len(v) >= 6},
            key=len,
            reverse=True,
        )
        self._child = ProcessSupervisor(lambda: self.settings.grace_period)
        self.last_plan: PlanSummary | None = None

    # --- commands -----------------------------------------------------------------------------
    def version(self) -> dict:
        """``terraform version -json``: ``{"terraform_version": ..., "platform": ...}``."""
        return self._json_document("version", ["version", "-json"])

    def init(self, *, upgrade: bool = False, reconfigure: bool = False, migrate: bool = False):
        """Install modules and providers (from the mirror when set) and set up the backend.

        ``migrate`` copies the state of the backend set up before into the root's backend
        (``-migrate-state -force-copy``, which Terraform refuses with ``-json``: its output
        becomes log lines); ``reconfigure`` sets up the root's backend and leaves the previous
        one's state where it is."""
        args = ["init", "-no-color", "-input=false", self._lock_timeout()]
        args += ["-upgrade"] if upgrade else []
        if migrate:
            result = self._run("init", [*args, "-migrate-state", "-force-copy"])
            for line in result.stdout.splitlines():
                if line.strip():
                    self._emit(LogEvent("terraform", "info", line.strip()))
        else:
            args += ["-reconfigure"] if reconfigure else []
            self._run("init", [args[0], "-json", *args[1:]], stream=True)
        tighten(self.workdir)  # it writes .terraform.lock.hcl 0644 whatever the umask
        self._refresh_remote_cache()

    def validate(self) -> list[DiagnosticEvent]:
        """Check the configuration; returns the warnings, raises :class:`TerraformError`."""
        result = self._run("validate", ["validate", "-json", "-no-color"], ok=(0, 1))
        if result.exit_code != 0 and not result.stdout.strip():
            fallback = self._fallback_diagnostic("validate", result.exit_code, result.stderr)
            raise TerraformError("validate", [fallback], result.exit_code)
        document = _loads(result.stdout, "validate")
        events = [diagnostic_event(d) for d in document.get("diagnostics") or []]
        for event in events:
            self._emit(event)
        if not document.get("valid", False) or result.exit_code != 0:
            raise TerraformError("validate", events, result.exit_code)
        return events

    def plan(self, out_file: Path, *, destroy: bool = False) -> PlanSummary:
        """Plan into ``out_file`` and summarise it (counts, resources, layers)."""
        out_file = Path(out_file).resolve()
        args = ["plan", "-json", "-no-color", "-input=false", "-detailed-exitcode"]
        args += [self._lock_timeout(), f"-out={out_file}", *(["-destroy"] if destroy else [])]
        result = self._run("plan", args, stream=True, ok=(0, 2))
        translator = result.translator
        assert translator is not None
        counts = translator.plan_counts or translator.counts_from_planned()
        summary = PlanSummary(
            add=counts["add"],
            change=counts["change"],
            destroy=counts["remove"],
            resources=[
                PlannedResource(address, action, layer_for(address))
                for address, action in translator.planned.items()
            ],
            has_changes=result.exit_code == 2,
            plan_file=out_file,
        )
        self.last_plan = summary
        return summary

    def apply(
        self,
        plan_file: Path | None = None,
        *,
        auto_approve: bool = True,
        targets: tuple[str, ...] = (),
        refresh: bool = True,
    ) -> ApplySummary:
        """Apply a saved plan (preferred), or plan-and-apply when ``plan_file`` is None;
        ``targets`` (``-target``) and ``refresh=False`` only without a plan file."""
        args = ["apply", "-json", "-no-color", "-input=false", self._lock_timeout()]
        if plan_file is not None:
            args.append(str(Path(plan_file).resolve()))
        elif auto_approve:
            args += [f"-target={t}" for t in targets] + ([] if refresh else ["-refresh=false"])
            args.append("-auto-approve")
        else:
            raise ValueError("apply without a plan file needs auto_approve: there is no prompt")
        return self._apply_like("apply", args)

    def import_resource(self, address: str, import_id: str) -> None:
        """``terraform import``: put the existing object ``import_id`` at ``address``."""
        args = ["import", "-no-color", "-input=false", self._lock_timeout(), address, import_id]
        try:
            self._run("import", args)
        finally:
            self._refresh_remote_cache()

    def destroy(self) -> ApplySummary:
        """Destroy everything in the state."""
        args = ["destroy", "-json", "-no-color", "-input=false", "-auto-approve"]
        return self._apply_like("destroy", [*args, self._lock_timeout()])

    def output(self) -> dict[str, dict]:
        """``terraform output -json``: ``{name: {"value", "type", "sensitive"}}``."""
        return self._json_document("output", ["output", "-json", "-no-color"])

    def show_plan(self, plan_file: Path) -> dict:
        """The machine-readable plan (``terraform show -json PLAN``)."""
        args = ["show", "-json", "-no-color", str(Path(plan_file).resolve())]
        return self._json_document("show", args)

    def state_pull(self) -> dict:
        """The current state document from the backend (``{}`` when there is none)."""
        return self._json_document("state pull", ["state", "pull"])

    def state_push(self, document: dict) -> None:
        """``terraform state push``: ``document`` (the same lineage, a higher serial) becomes
        the state, under the state lock. The file handed over is 0600 beside the state."""
        path = self.workdir / f".dtwin-state-push-{os.getpid()}.json"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle)
        try:
            args = ["state", "push", self._lock_timeout(), str(path)]
            self._run("state push", args, cancellable=False)
        finally:
            path.unlink(missing_ok=True)
            refresh = getattr(self, "_refresh_remote_cache", None)  # a remote state's cache
            if refresh is not None:
                refresh()

    def lock_info(self) -> LockInfo | None:
        """The lock recorded for the local state, with whether a live process holds it.

        None for remote backends (their locks are reported by :class:`StateLocked`).
        """
        if self.backend_type() != "local":
            return None
        state = state_path(self.workdir)
        info_file = state.with_name(f".{state.name}.lock.info")
        try:
            data = json.loads(info_file.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None
        return LockInfo(
            lock_id=str(data.get("ID", "")),
            who=str(data.get("Who", "")),
            operation=str(data.get("Operation", "")),
            created=str(data.get("Created", "")),
            path=str(data.get("Path", "")),
            version=str(data.get("Version", "")),
            held=process.file_lock_held(state),
        )

    def force_unlock(self, lock_id: str) -> None:
        """Remove the state lock ``lock_id`` (and only that one).

        Only for a lock left by a run that is gone (crash, forced stop). Remote backends:
        ``terraform force-unlock``, which itself refuses a different id. Local backend: the
        real lock is an OS file lock that dies with its process, so what remains is the lock
        record; it is removed when the id matches and no live process holds the file.
        Raises :class:`LockMismatch` for another id, :class:`StateLocked` if still held.
        """
        if not lock_id or lock_id.startswith("-") or any(c.isspace() for c in lock_id):
            raise ValueError(f"not a lock id: {lock_id!r}")
        if self.backend_type() != "local":
            args = ["force-unlock", "-force", "-no-color", lock_id]
            self._run("force-unlock", args, cancellable=False)
            self._emit(LogEvent("terraform", "info", f"state lock {lock_id} removed"))
            return
        current = self.lock_info()
        if current is None:
            self._emit(LogEvent("terraform", "info", "the state is not locked"))
            return
        if current.lock_id != lock_id:
            raise LockMismatch(
                f"the state is locked by {current.lock_id} ({current.operation} by "
                f"{current.who}), not by {lock_id}: refusing to unlock"
            )
        if current.held:
            raise StateLocked("force-unlock", [], 1, current)
        state = state_path(self.workdir)
        state.with_name(f".{state.name}.lock.info").unlink(missing_ok=True)
        self._emit(LogEvent("terraform", "info", f"stale state lock {lock_id} removed"))

    def backend_type(self) -> str:
        """The backend this directory was initialised with (``local`` when none)."""
        return remote_state.initialised_backend(self.workdir)[0]

    # --- cancel -------------------------------------------------------------------------------
    def cancel(self) -> None:
        """Stop the running command safely; later commands raise :class:`TerraformCancelled`.

        Returns at once. The running command's thread sends SIGKILL when Terraform has not
        exited within the grace period.
        """
        self._child.cancel()

    def kill(self) -> None:
        """Stop the running command now (a forced stop): kill its process group at once.

        The state lock may be left behind and resources being changed may be half-made; the
        command raises :class:`TerraformCancelled` with ``forced=True``. Later commands do
        not start. Returns at once; from any thread.
        """
        self._child.kill()

    @property
    def cancelled(self) -> bool:
        return self._child.cancel_requested

    @property
    def pid(self) -> int | None:
        """Process id (= process group id) of the running command, if any."""
        return self._child.pid

    # --- internals ----------------------------------------------------------------------------
    def _lock_timeout(self) -> str:
        return f"-lock-timeout={self.settings.lock_timeout}"

    def _wait_for_previous(self, command: str) -> None:
        """Wait for a Terraform that an earlier, killed dtwin left running here."""
        waited = process.wait_for_previous(
            self.workdir,
            lambda level, message: self._emit(LogEvent("terraform", level, message)),
            cancelled=lambda: self._child.cancel_requested,
            killed=lambda: self._child.kill_requested,
            grace_period=self.settings.grace_period,
        )
        if waited is not None and self._child.cancel_requested:
            raise TerraformCancelled(command, forced=self._child.kill_requested)

    def _refresh_remote_cache(self) -> None:
        """With a remote backend, copy its state into the workspace's cache (what status,
        adoption and the fingerprint read; :mod:`dtwin_gui.iac.remote_state`)."""
        if self.backend_type() == "local":
            remote_state.drop_cache(self.workdir)
            return
        try:
            remote_state.write_cache(self.workdir, self.state_pull())
        except (TerraformError, ValueError, OSError) as exc:
            message = f"the remote state could not be copied into the workspace's cache: {exc}"
            self._emit(LogEvent("terraform", "warning", message))

    def _apply_like(self, command: str, args: list[str]) -> ApplySummary:
        try:
            result = self._run(command, args, stream=True)
        finally:  # also after a failed apply: the state may have changed
            self._refresh_remote_cache()
        assert result.translator is not None
        counts = result.translator.apply_counts or {"add": 0, "change": 0, "remove": 0}
        return ApplySummary(counts["add"], counts["change"], counts["remove"])

    def _json_document(self, command: str, args: list[str]) -> dict:
        result = self._run(command, args, cancellable=False)
        return _loads(result.stdout, command) if result.stdout.strip() else {}

    def _child_env(self) -> dict[str, str]:
        env = {k: v for k in INHERITED_ENV if (v := os.environ.get(k)) is not None}
        env.update(write_cli_config(self.settings, self.workdir / CLI_CONFIG_NAME))
        env.update(self._env)
        return env

    def _emit(self, event: Event) -> None:
        if self._secrets:
            for f in fields(event):
                value = getattr(event, f.name)
                if isinstance(value, str) and value:
                    for secret in self._secrets:
                        value = value.replace(secret, _MASK)
                    setattr(event, f.name, value)
        self._sink(event)

    def _run(
        self,
        command: str,
        args: list[str],
        *,
        stream: bool = False,
        ok: tuple[int, ...] = (0,),
        cancellable: bool = True,
    ) -> _Result:
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = self._child_env()
        if command in process.STATE_CHANGING:
            self._wait_for_previous(command)
        out_log, err_log, out_fd, err_fd = process.open_logs(self.workdir, command)
        try:
            # Output to files, not pipes: Terraform outlives a killed dtwin (no SIGPIPE).
            proc = self._child.start(
                [self.settings.binary, *args],
                cwd=self.workdir,
                env=env,
                stdout_fd=out_fd,
                stderr_fd=err_fd,
                cancellable=cancellable,
            )
        except OSError as exc:  # not installed, not executable
            process.remove_logs(out_log, err_log)
            raise TerraformError(
                command,
                [],
                -1,
                f"cannot run Terraform ({self.settings.binary}): {exc.strerror or exc}",
                hint="Install Terraform 1.11 or set the Terraform program in Settings.",
            ) from None
        if proc is None:  # cancelled before it started
            process.remove_logs(out_log, err_log)
            raise TerraformCancelled(command, forced=False)
        record = process.RunRecord(
            proc.pid, command, [self.settings.binary, *args], str(out_log), str(err_log),
            process.now_iso(), os.getpid(),
        )  # fmt: skip
        if command in process.STATE_CHANGING:
            process.write_record(self.workdir, record)
        self._emit(LogEvent("terraform", "debug", "terraform " + " ".join(args)))
        translator = StreamTranslator(self._emit) if stream else None
        stdout: list[str] = []
        stderr: list[str] = []

        def on_line(name: str, line: str) -> None:
            if name == "stderr":
                stderr.append(line)
                if line.strip():
                    self._emit(LogEvent("terraform", "warning", line.rstrip()))
            elif translator is not None:
                translator.line(line)
            else:
                stdout.append(line)

        def on_interrupt() -> None:
            self._emit(LogEvent("terraform", "warning", "cancel requested: Terraform is stopping"))

        try:
            self._child.pump(proc, (out_log, err_log), on_line, on_interrupt)
            exit_code = self._child.wait(proc)
        finally:
            self._child.release()
            if proc.returncode is not None:  # ended here: nothing is left to attach to
                process.remove_record(self.workdir, proc.pid)
                process.remove_logs(out_log, err_log)
        return self._finish(command, exit_code, ok, translator, "".join(stdout), stderr)

    def _finish(
        self,
        command: str,
        exit_code: int,
        ok: tuple[int, ...],
        translator: StreamTranslator | None,
        stdout: str,
        stderr: list[str],
    ) -> _Result:
        if self._child.forced:
            lock = self.lock_info()
            why = (
                "Terraform was stopped forcefully"
                if self._child.kill_requested
                else f"Terraform did not stop within {self.settings.grace_period:g} s and was "
                "killed"
            )
            self._emit(
                LogEvent(
                    "terraform",
                    "error",
                    f"{why}; the state may be locked"
                    + (f" (lock {lock.lock_id})" if lock else "")
                    + " and resources being changed may need a new run to settle",
                )
            )
            raise TerraformCancelled(command, forced=True, lock=lock)
        if exit_code in ok:
            return _Result(exit_code, stdout, stderr, translator)
        if self._child.cancel_requested:
            raise TerraformCancelled(command, forced=False)
        diagnostics = list(translator.diagnostics) if translator else []
        for event in diagnostics:
            if event.category == "lock" and (lock := parse_lock_detail(event.detail)):
                raise StateLocked(command, diagnostics, exit_code, lock)
        if not [d for d in diagnostics if d.severity == "error"]:
            diagnostics.append(self._fallback_diagnostic(command, exit_code, stderr))
        error = TerraformError(command, diagnostics, exit_code)
        if error.category == "other":  # say "running again is safe" only when it is
            error.hint = rerun_hint(self.workdir, self.lock_info(), self.backend_type())
        raise error

    def _fallback_diagnostic(self, command: str, exit_code: int, stderr: list[str]):
        """A diagnostic for a failure without JSON diagnostics (crash, signal, plain output).

        Terraform's text is shown as it is, never interpreted: the category stays "other".
        """
        text = "".join(stderr).strip()
        if exit_code < 0:
            summary = f"terraform {command} was stopped by signal {signal.Signals(-exit_code).name}"
        else:
            first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
            summary = first or f"terraform {command} exited with code {exit_code}"
        event = DiagnosticEvent("error", summary, text, category="other")
        self._emit(event)
        return event
