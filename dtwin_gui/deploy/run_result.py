"""What a deploy, destroy or plan run ends with, and how a phase says it failed or skipped."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dtwin_gui.deploy.fingerprint import PlanTicket


class DeployFailed(RuntimeError):
    """A phase failed; ``hint`` says what the user can do."""

    def __init__(self, phase: str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.phase = phase
        self.hint = hint


class Cancelled(RuntimeError):
    pass


@dataclass(frozen=True)
class Skipped:
    """A phase's outcome when it did not need to run, and why (shown with the phase)."""

    reason: str


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
    #: Phases that did not run (their reason is in the run's phase events).
    skipped: list[str] = field(default_factory=list)
    #: When nothing changed since the last successful deploy: that deploy's time (ISO UTC).
    unchanged_since: str = ""
    #: ``plan_only``: the plan as reviewed, for ``deploy(reviewed=...)``.
    ticket: PlanTicket | None = None
    #: ``deploy(reviewed=...)``: why the reviewed plan could not be applied as it was.
    replan_reason: str = ""

    @property
    def exit_code(self) -> int:
        return {"succeeded": 0, "cancelled": 130}.get(self.status, 1)
