"""Terraform's machine-readable UI (``-json``: one JSON message per line) → typed events.

Message types handled (Terraform's "UI v1" JSON): ``planned_change`` / ``resource_drift`` /
``change_summary`` / ``outputs`` from planning, ``apply_start`` / ``apply_progress`` /
``apply_complete`` / ``apply_errored`` / ``provision_*`` / ``refresh_*`` from applying,
``diagnostic`` everywhere, and ``version`` / ``log`` / ``init_output`` which become log lines.
Anything else is logged with its own level and message. A line that is not JSON is passed on
as a log line and never interpreted.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from dtwin_gui.core.run_events import (
    DiagnosticEvent,
    Event,
    LogEvent,
    ProgressEvent,
    ResourceEvent,
)
from dtwin_gui.iac.addresses import component_of, layer_of
from dtwin_gui.iac.diagnostics import diagnostic_event
from dtwin_gui.iac.state import ROOT_LAYER

#: Terraform change actions → our ResourceEvent actions.
ACTIONS = {
    "create": "create",
    "update": "update",
    "delete": "delete",
    "replace": "replace",
    "read": "read",
    "noop": "noop",
    "no-op": "noop",
    "move": "noop",  # only the address changes
    "forget": "delete",  # removed from state, left in the cloud
    "remove": "delete",
    "import": "update",
}
_STARTED = {"create": "creating", "update": "updating", "delete": "deleting"}
_FINISHED = {"create": "created", "update": "updated", "delete": "deleted"}
#: Apply operations per planned action (a replace is a delete and a create).
_WEIGHT = {"create": 1, "update": 1, "delete": 1, "replace": 2}
_LEVELS = {"trace": "debug", "debug": "debug", "info": "info", "warn": "warning", "error": "error"}


def layer_for(address: str) -> str:
    """The layer of an address; :data:`ROOT_LAYER` outside the per-layer modules."""
    return layer_of(address) or ROOT_LAYER


class StreamTranslator:
    """Turns the lines of one command's stdout into events, keeping plan and progress totals."""

    def __init__(self, emit: Callable[[Event], None]) -> None:
        self._emit = emit
        #: address → planned action, in plan order.
        self.planned: dict[str, str] = {}
        #: ``{"add", "change", "remove"}`` of the plan / of the apply, when Terraform gave them.
        self.plan_counts: dict[str, int] | None = None
        self.apply_counts: dict[str, int] | None = None
        self.diagnostics: list[DiagnosticEvent] = []
        self.done = 0
        self._running: set[str] = set()
        self._touched: set[str] = set()

    # --- totals -----------------------------------------------------------------------------
    def counts_from_planned(self) -> dict[str, int]:
        counts = {"add": 0, "change": 0, "remove": 0}
        for action in self.planned.values():
            if action in ("create", "replace"):
                counts["add"] += 1
            if action in ("delete", "replace"):
                counts["remove"] += 1
            if action == "update":
                counts["change"] += 1
        return counts

    @property
    def total(self) -> int:
        """Operations the apply performs: the plan's add + change + remove."""
        if self.plan_counts is not None:
            return sum(self.plan_counts.values())
        return sum(_WEIGHT.get(action, 0) for action in self.planned.values())

    # --- input ------------------------------------------------------------------------------
    def line(self, text: str) -> None:
        text = text.strip()
        if not text:
            return
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        if not isinstance(message, dict):
            self._emit(LogEvent("terraform", "info", text))
            return
        handler = _HANDLERS.get(str(message.get("type", "")), StreamTranslator._log)
        handler(self, message)

    # --- handlers ---------------------------------------------------------------------------
    def _log(self, message: dict, level: str | None = None) -> None:
        text = str(message.get("@message", "")).rstrip()
        if text:
            level = level or _LEVELS.get(str(message.get("@level", "info")), "info")
            self._emit(LogEvent("terraform", level, text))

    def _planned_change(self, message: dict) -> None:
        address, action = _resource_and_action(message.get("change") or {})
        if not address:
            return
        self.planned[address] = action
        state = "unchanged" if action == "noop" else "pending"
        self._emit(self._resource(address, action, state))

    def _resource_drift(self, message: dict) -> None:
        self._log(message, "warning")  # changed outside Terraform; the plan puts it right

    def _change_summary(self, message: dict) -> None:
        changes = message.get("changes") or {}
        counts = {k: int(changes.get(k) or 0) for k in ("add", "change", "remove")}
        self._log(message)
        if changes.get("operation") == "plan":
            self.plan_counts = counts
            self._progress()
        else:
            self.apply_counts = counts

    def _apply_start(self, message: dict) -> None:
        address, action = _resource_and_action(message.get("hook") or {})
        if not address or action not in _STARTED:
            return  # data source reads are not changes
        self._running.add(address)
        self._touched.add(address)
        self._emit(self._resource(address, self._shown(address, action), _STARTED[action]))
        self._progress()

    def _apply_progress(self, message: dict) -> None:
        hook = message.get("hook") or {}
        address, action = _resource_and_action(hook)
        if address and action in _STARTED:
            state = _STARTED[action]
            elapsed = float(hook.get("elapsed_seconds") or 0)
            self._emit(self._resource(address, self._shown(address, action), state, elapsed))

    def _apply_complete(self, message: dict) -> None:
        hook = message.get("hook") or {}
        address, action = _resource_and_action(hook)
        if not address:
            return
        elapsed = float(hook.get("elapsed_seconds") or 0)
        if action not in _FINISHED:
            self._emit(self._resource(address, action, "unchanged", elapsed))
            return
        self._running.discard(address)
        self.done += 1
        shown = self._shown(address, action)
        self._emit(self._resource(address, shown, _FINISHED[action], elapsed))
        self._progress()

    def _apply_errored(self, message: dict) -> None:
        hook = message.get("hook") or {}
        address, action = _resource_and_action(hook)
        if not address:
            return
        self._running.discard(address)
        self._touched.add(address)
        elapsed = float(hook.get("elapsed_seconds") or 0)
        error = str(message.get("@message", ""))
        shown = self._shown(address, action)
        self._emit(self._resource(address, shown, "failed", elapsed, error))
        self._progress()

    def _refresh_complete(self, message: dict) -> None:
        address, _action = _resource_and_action(message.get("hook") or {})
        if address and not address.startswith("data.") and ".data." not in address:
            self._emit(self._resource(address, "noop", "unchanged"))

    def _diagnostic(self, message: dict) -> None:
        event = diagnostic_event(message.get("diagnostic") or {})
        self.diagnostics.append(event)
        self._emit(event)
        if event.severity == "error" and event.address in self._touched:
            # The reason a resource failed: repeat it on the resource for the status tree.
            reason = event.summary
            if event.detail:
                reason += ": " + event.detail.strip().splitlines()[0]
            action = self._shown(event.address, self.planned.get(event.address, "update"))
            self._emit(self._resource(event.address, action, "failed", error=reason))

    def _ignore(self, message: dict) -> None:
        pass

    # --- building events --------------------------------------------------------------------
    def _shown(self, address: str, action: str) -> str:
        """A replace runs as delete + create; keep calling it a replace."""
        return "replace" if self.planned.get(address) == "replace" else action

    def _resource(
        self, address: str, action: str, state: str, elapsed: float = 0.0, error: str = ""
    ) -> ResourceEvent:
        return ResourceEvent(
            address=address,
            layer=layer_for(address),
            component=component_of(address),
            action=action,
            state=state,
            elapsed=elapsed,
            error=error,
        )

    def _progress(self) -> None:
        total = self.total
        if total:
            self._emit(ProgressEvent(min(self.done, total), total, len(self._running)))


def _resource_and_action(hook: dict) -> tuple[str, str]:
    resource = hook.get("resource") or {}
    address = str(resource.get("addr") or "")
    return address, ACTIONS.get(str(hook.get("action") or ""), "update")


_HANDLERS: dict[str, Callable[[StreamTranslator, dict], None]] = {
    "planned_change": StreamTranslator._planned_change,
    "resource_drift": StreamTranslator._resource_drift,
    "change_summary": StreamTranslator._change_summary,
    "apply_start": StreamTranslator._apply_start,
    "apply_progress": StreamTranslator._apply_progress,
    "apply_complete": StreamTranslator._apply_complete,
    "apply_errored": StreamTranslator._apply_errored,
    "refresh_start": StreamTranslator._ignore,
    "refresh_complete": StreamTranslator._refresh_complete,
    "diagnostic": StreamTranslator._diagnostic,
    "outputs": StreamTranslator._ignore,  # values are read with `terraform output -json`
    "provision_errored": lambda self, message: self._log(message, "warning"),
}
