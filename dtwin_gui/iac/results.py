"""What Terraform commands return and raise (re-exported by :mod:`dtwin_gui.iac.runner`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from dtwin_gui.core.run_events import DiagnosticEvent
from dtwin_gui.iac.diagnostics import HINTS, LockInfo


class PlannedResource(NamedTuple):
    address: str
    action: str  # create | update | delete | replace | read | noop
    layer: str


@dataclass
class PlanSummary:
    """What a plan would do. ``has_changes`` also covers output-only changes."""

    add: int = 0
    change: int = 0
    destroy: int = 0
    resources: list[PlannedResource] = field(default_factory=list)
    has_changes: bool = False
    plan_file: Path | None = None

    @property
    def total(self) -> int:
        """Resource operations the apply will perform (the progress total)."""
        return self.add + self.change + self.destroy

    def by_layer(self) -> dict[str, dict[str, int]]:
        """``{layer: {"add": n, "change": n, "destroy": n}}`` for layers with changes."""
        counts: dict[str, dict[str, int]] = {}
        for _address, action, layer in self.resources:
            keys = {
                "create": ("add",),
                "update": ("change",),
                "delete": ("destroy",),
                "replace": ("add", "destroy"),
            }.get(action, ())
            for key in keys:
                counts.setdefault(layer, {"add": 0, "change": 0, "destroy": 0})[key] += 1
        return counts


@dataclass
class ApplySummary:
    """What an apply or destroy did (Terraform's own counts)."""

    add: int = 0
    change: int = 0
    destroy: int = 0


class TerraformError(Exception):
    """A Terraform command failed. ``summary`` is one line, ``hint`` says what to do."""

    def __init__(
        self,
        command: str,
        diagnostics: list[DiagnosticEvent],
        exit_code: int,
        summary: str | None = None,
        *,
        hint: str | None = None,
    ) -> None:
        self.command = command
        self.diagnostics = diagnostics
        self.exit_code = exit_code
        errors = [d for d in diagnostics if d.severity == "error"] or diagnostics
        first = errors[0] if errors else None
        self.category = first.category if first and first.category else "other"
        if summary is None:
            if first is not None:
                where = f" ({first.address})" if first.address else ""
                summary = f"terraform {command} failed: {first.summary}{where}"
                if len(errors) > 1:
                    summary += f" (+{len(errors) - 1} more)"
            else:
                summary = f"terraform {command} failed with exit code {exit_code}"
        self.summary = summary
        self.hint = hint or HINTS.get(self.category, HINTS["other"])
        super().__init__(summary)


class StateLocked(TerraformError):
    """The state is locked by another run. Offer :meth:`Terraform.force_unlock` with
    :attr:`lock_id` only when that run is known to be gone."""

    def __init__(
        self, command: str, diagnostics: list[DiagnosticEvent], exit_code: int, lock: LockInfo
    ) -> None:
        self.lock = lock
        self.lock_id = lock.lock_id
        self.who = lock.who
        self.operation = lock.operation
        self.created = lock.created
        self.path = lock.path
        super().__init__(
            command,
            diagnostics,
            exit_code,
            f"the Terraform state is locked by {lock.who or 'another run'} "
            f"({lock.operation or 'unknown operation'} since {lock.created or '?'}, "
            f"lock {lock.lock_id})",
        )
        self.category = "lock"
        self.hint = HINTS["lock"]


class TerraformCancelled(Exception):
    """The command was cancelled. ``forced``: Terraform had to be killed after the grace
    period, so the state may still be locked (``lock`` says by what, when known)."""

    def __init__(self, command: str, *, forced: bool, lock: LockInfo | None = None) -> None:
        self.command, self.forced, self.lock = command, forced, lock
        how = "stopped forcefully" if forced else "cancelled"
        super().__init__(f"terraform {command} {how}")


class LockMismatch(ValueError):
    """force_unlock was asked to remove a lock other than the one holding the state."""


def _loads(text: str, command: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TerraformError(
            command, [], 0, f"terraform {command} printed invalid JSON: {exc.msg}"
        ) from None
    if not isinstance(value, dict):
        raise TerraformError(command, [], 0, f"terraform {command} printed unexpected JSON")
    return value
