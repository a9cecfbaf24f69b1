"""The Code page's one-function updates: offer "Update this function now" on a card whose
file was replaced or edited while the twin is deployed, run the update on a worker, show its
progress and its result.

A card's code folder is fingerprinted when the page first sees it and after every deploy or
update; a different fingerprint later (a replace, a save in the editor: the session re-reads
the project) makes the card offer the update, once a worker has found the twin deployed on
the chosen target (files only, no cloud call). The update itself is
:class:`~dtwin_gui.deploy.update_function.FunctionUpdate`, run through a
:class:`~dtwin_gui.ui.run_bridge.RunBridge` (its phase events reach the card as they come);
one at a time. Refusals and failures are shown as the engine words them; a bug's traceback
goes to the log only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject

from dtwin_gui.code.kinds import CodeTarget
from dtwin_gui.core.run_events import PhaseEvent
from dtwin_gui.ui.run_bridge import RunBridge
from dtwin_gui.ui.widgets.update_function_panel import UpdateFunctionPanel
from dtwin_gui.ui.workers import TaskFailure, TaskRunner

log = logging.getLogger(__name__)

#: ``(project root, target name) -> why not deployed | None``: files only, no cloud call.
DeployedCheck = Callable[[Path, str], str | None]


def _why_not_deployed(root: Path, target: str) -> str | None:
    from dtwin_gui.app.deploy import why_not_deployed

    return why_not_deployed(root, target)


def code_digest(root: Path, target: CodeTarget) -> str:
    """A fingerprint of the folder packaged as ``target``'s user code."""
    from dtwin_gui.deploy.fingerprint import hash_tree

    return hash_tree(target.path(root).parent)


class CodeUpdates(QObject):
    """Offers and runs one-function updates for the Code page's cards."""

    def __init__(
        self,
        session,
        runner: TaskRunner,
        choice,
        *,
        deployed_check: DeployedCheck | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._runner = runner
        self._choice = choice
        self._deployed_check = deployed_check or _why_not_deployed
        self.panels: dict[str, UpdateFunctionPanel] = {}
        self._targets: dict[str, CodeTarget] = {}
        self._digests: dict[str, str] = {}
        self._root: Path | None = None
        self.running: str | None = None
        #: The last update's outcome (an UpdateResult, UpdateRefused or TaskFailure).
        self.last_outcome: object = None
        self._bridge = RunBridge(runner, parent=self)
        self._bridge.events.connect(self._events)
        self._bridge.finished.connect(self._finished)
        self._bridge.failed.connect(self._failed)

    @property
    def enabled(self) -> bool:
        return self._choice is not None

    # --- cards -----------------------------------------------------------------------------
    def attach(self, card) -> UpdateFunctionPanel:
        """A panel under ``card``'s file line (the card's layout holds it)."""
        panel = UpdateFunctionPanel(card)
        layout = card.layout()
        layout.insertWidget(layout.indexOf(card.file_label) + 1, panel)
        key = card.target.key
        panel.update_requested.connect(lambda key=key: self.start(key))
        self.panels[key] = panel
        self._targets[key] = card.target
        return panel

    def forget(self, key: str) -> None:
        self.panels.pop(key, None)
        self._targets.pop(key, None)
        self._digests.pop(key, None)

    def follow(self, targets: list[CodeTarget]) -> None:
        """After the page followed the project: a card whose code changed offers the update."""
        root = self._session.root
        if not self.enabled or root is None:
            return
        if root != self._root:  # another project: what it runs is new to us
            self._root, self._digests = root, {}
        changed = []
        for target in targets:
            self._targets[target.key] = target
            digest = code_digest(root, target)
            known = self._digests.setdefault(target.key, digest)
            panel = self.panels.get(target.key)
            if known != digest:
                changed.append(target.key)
            elif panel is not None and panel.state == "offered":
                panel.withdraw()  # back as deployed (an undo)
        if changed:
            self._offer_if_deployed(changed)

    def replaced(self, target: CodeTarget) -> None:
        """The page replaced ``target``'s file: offer the update (when deployed)."""
        if self.enabled and self._session.root is not None:
            self._offer_if_deployed([target.key])

    def rebase(self) -> None:
        """A deploy ran: every card's current code is what is deployed now."""
        root = self._session.root
        if root is None:
            return
        for key, target in self._targets.items():
            self._digests[key] = code_digest(root, target)
            panel = self.panels.get(key)
            if panel is not None and panel.state in ("offered", "failed"):
                panel.withdraw()

    def run_finished(self, result) -> None:
        """The Deploy page's run ended: after a deploy the cards' code is what runs (after a
        destroy nothing does, and a later change finds the twin not deployed)."""
        if getattr(result, "status", "") == "succeeded":
            self.rebase()

    def _target_label(self) -> str:
        if getattr(self._choice, "mode", "sandbox") == "sandbox":
            return "the sandbox"
        return getattr(self._choice, "aws_label", "") or "the cloud"

    def _offer_if_deployed(self, keys: list[str]) -> None:
        root, target = self._session.root, self._choice.mode
        check = self._deployed_check

        def shown(why) -> None:
            if why is not None:
                return
            for key in keys:
                panel = self.panels.get(key)
                if panel is not None and self.running != key:
                    panel.offer(self._target_label())
                    panel.busy_elsewhere(self.running is not None)

        self._runner.start(
            lambda: check(root, target),
            name="deployed?",
            on_result=shown,
            on_error=lambda failure: log.warning("deployed check: %s", failure.message),
        )

    # --- the update ------------------------------------------------------------------------
    def start(self, key: str) -> None:
        """Run the update of ``key``'s function on a worker (one at a time)."""
        target, panel = self._targets.get(key), self.panels.get(key)
        root = self._session.root
        if target is None or panel is None or root is None or self._bridge.running:
            return
        self.running = key
        panel.start()
        for other, each in self.panels.items():
            if other != key:
                each.busy_elsewhere(True)
        choice = self._choice
        self._bridge.start(lambda sink: _work(root, target, choice, sink), name=f"update {key}")

    def _events(self, batch: list) -> None:
        panel = self.panels.get(self.running or "")
        for event in batch:
            if panel is not None and isinstance(event, PhaseEvent):
                panel.phase(event.phase, event.state, event.elapsed)

    def _finished(self, outcome) -> None:
        from dtwin_gui.deploy.update_function import UpdateRefused

        key, self.running = self.running, None
        self.last_outcome = outcome
        panel = self.panels.get(key or "")
        if panel is not None:
            if isinstance(outcome, UpdateRefused):
                panel.failed(outcome.message, outcome.hint)
            elif outcome.status == "succeeded":
                sha = next(iter(outcome.packages.values()), "")
                live = ", ".join(outcome.live) or ", ".join(outcome.functions)
                panel.succeeded(outcome.elapsed_s, outcome.live_after_s, sha, live)
                root, target = self._session.root, self._targets.get(key)
                if root is not None and target is not None:
                    self._digests[key] = code_digest(root, target)
            else:
                panel.failed(outcome.message, outcome.hint)
        self._idle()

    def _failed(self, failure: TaskFailure) -> None:
        key, self.running = self.running, None
        self.last_outcome = failure
        panel = self.panels.get(key or "")
        if panel is not None:
            panel.failed(
                f"The update could not run: {failure.message}", "the details are in the log"
            )
        self._idle()

    def _idle(self) -> None:
        for panel in self.panels.values():
            panel.busy_elsewhere(False)


def _work(root: Path, target: CodeTarget, choice, sink):
    """On the worker: the connections (may start the sandbox), then the update. A refusal
    is an answer, not an error."""
    from dtwin_gui.core.project import load_project
    from dtwin_gui.core.topology import topology_for_project
    from dtwin_gui.deploy.update_function import FunctionUpdate, UpdateRefused, code_function

    try:
        name = code_function(topology_for_project(load_project(root)), target.kind, target.name)
        if name is None:
            raise UpdateRefused(
                f"no function of the twin runs {target.rel_path}",
                "check the Twin page: the device or the rule naming it may be gone",
            )
        connections = choice.make_connections()
        return FunctionUpdate(root, connections, name, sink=sink).run()
    except UpdateRefused as exc:
        return exc
