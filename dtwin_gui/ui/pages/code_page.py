"""Step: the user's code — one card per processor, event action and feedback function.

Cards follow the project (rebuilt when the session re-reads it, so files edited or added
outside the app show up) and the validator's findings. Test runs happen on a worker thread
in a separate process; creating and replacing files are quick local writes.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from dtwin_gui.code.kinds import CodeKind, CodeTarget, code_targets
from dtwin_gui.code.replace import ReplaceError, Replacement, replace_code, undo_replace
from dtwin_gui.code.templates import create_from_template
from dtwin_gui.code.test_run import DEFAULT_TIMEOUT, TestRunResult, run_code_test
from dtwin_gui.core.problems import ValidationReport
from dtwin_gui.core.project import Project
from dtwin_gui.ui.open_file import Launcher, open_or_explain
from dtwin_gui.ui.pages.code_update import CodeUpdates
from dtwin_gui.ui.session import ProjectSession, ReadOnlyProjectError
from dtwin_gui.ui.widgets.banner import Banner
from dtwin_gui.ui.widgets.code_card import CodeCard
from dtwin_gui.ui.workers import TaskFailure, TaskRunner

log = logging.getLogger(__name__)

SECTIONS = (
    (CodeKind.PROCESSOR, "Device processors", "process(event) runs on every record of a device"),
    (CodeKind.ACTION, "Event actions", "action(event, rule) runs when a rule naming it holds"),
    (CodeKind.FEEDBACK, "Feedback", "feedback(event, payload) shapes messages sent to devices"),
)


def describe(project: Project, target: CodeTarget) -> str:
    """One line saying what ``target`` is for, from the project's configuration."""
    if target.kind is CodeKind.PROCESSOR:
        device = next((d for d in project.devices if d.id == target.name), None)
        props = [f"{p.name} ({p.data_type})" for p in device.properties] if device else []
        return "properties: " + (", ".join(props) if props else "none declared")
    rules = [r for r in project.events if r.function_name == target.name]
    if target.kind is CodeKind.FEEDBACK:
        rules = [r for r in project.events if r.feedback_device]
    if not rules:
        return "no event rule uses it"
    return "when: " + "; ".join(r.condition for r in rules)


class CodePage(QWidget):
    """Cards for every code file of the open project, with create/open/replace/test run."""

    def __init__(
        self,
        session: ProjectSession,
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        launcher: Launcher | None = None,
        choice=None,
        deployed_check=None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._runner = runner
        #: "Update this function now" on a changed card (with the target ``choice``).
        self.updates = CodeUpdates(
            session, runner, choice, deployed_check=deployed_check, parent=self
        )
        #: Opens a file in the user's editor (the desktop's by default; tests make it fail).
        self.launcher = launcher
        self.timeout = DEFAULT_TIMEOUT
        self.cards: dict[str, CodeCard] = {}
        self._running: dict[str, threading.Event] = {}  # key -> its Stop
        self._undo: dict[str, Replacement] = {}

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 12, 20, 12)
        layout.setSpacing(8)
        title_row = QHBoxLayout()
        title = QLabel("Your code")
        title.setProperty("role", "page-title")
        self.subtitle = QLabel(
            "Plain Python, the same on every cloud. Test each file on a sample event."
        )
        self.subtitle.setProperty("role", "muted")
        title_row.addWidget(title)
        title_row.addSpacing(12)
        title_row.addWidget(self.subtitle, 1, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(title_row)
        self.banner = Banner()
        layout.addWidget(self.banner)
        # Placeholders the importer wrote: named at the top, as their cards may be far below.
        self.generated_note = QWidget()
        note_row = QHBoxLayout(self.generated_note)
        note_row.setContentsMargins(0, 0, 0, 0)
        self.generated_text = QLabel()
        self.generated_text.setWordWrap(True)
        self.generated_text.setProperty("role", "warning-count")
        self.generated_show = QPushButton("Show")
        self.generated_show.setToolTip("Scroll to the next generated placeholder")
        self.generated_show.clicked.connect(self.show_next_generated)
        self._next_generated = 0
        note_row.addWidget(self.generated_text, 1)
        note_row.addWidget(self.generated_show, 0, Qt.AlignmentFlag.AlignTop)
        self.generated_note.hide()
        layout.addWidget(self.generated_note)

        self.empty = QLabel("Open a project to see its code.")
        self.empty.setProperty("role", "muted")
        layout.addWidget(self.empty)

        content = QWidget()
        self._content_layout = QVBoxLayout(content)
        self._content_layout.setContentsMargins(0, 0, 8, 0)
        self._content_layout.setSpacing(8)
        self._sections: dict[CodeKind, tuple[QWidget, QVBoxLayout]] = {}
        for kind, heading, explanation in SECTIONS:
            box = QWidget()
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(0, 6, 0, 0)
            box_layout.setSpacing(8)
            head = QHBoxLayout()
            label = QLabel(heading)
            label.setProperty("role", "section")
            hint = QLabel(explanation)
            hint.setProperty("role", "muted")
            head.addWidget(label)
            head.addSpacing(8)
            head.addWidget(hint, 1, Qt.AlignmentFlag.AlignBottom)
            box_layout.addLayout(head)
            self._content_layout.addWidget(box)
            self._sections[kind] = (box, box_layout)
        self._content_layout.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll.setWidget(content)
        layout.addWidget(self.scroll, 1)

        session.changed.connect(self.refresh)
        session.validation_started.connect(self._show_checking)
        session.validated.connect(self._show_report)
        self.refresh()

    # --- following the project -------------------------------------------------------------
    def refresh(self) -> None:
        """Make the cards match the project's code files (kept cards keep their results)."""
        project = self._session.project
        targets = code_targets(project) if project else []
        wanted = {t.key for t in targets}
        for key in [k for k in self.cards if k not in wanted]:
            card = self.cards.pop(key)
            self.updates.forget(key)
            card.setParent(None)
            card.deleteLater()
        for target in targets:
            card = self.cards.get(target.key)
            if card is None:
                card = self._new_card(target)
            card.set_state(
                target, describe(project, target), exists=target.path(project.root).is_file()
            )
            card.set_undo_available(target.key in self._undo)
            section = self._sections[target.kind][1]
            section.removeWidget(card)  # and add it again at the end: cards keep file order
            section.addWidget(card)
        for kind, (box, _) in self._sections.items():
            box.setVisible(any(t.kind is kind for t in targets))
        self.empty.setVisible(project is None)
        self.scroll.setVisible(project is not None)
        self._show_report(self._session.report)
        self.updates.follow(targets)

    def _new_card(self, target: CodeTarget) -> CodeCard:
        card = CodeCard(target)
        card.create_requested.connect(self.create_file)
        card.open_requested.connect(self.open_file)
        card.replace_requested.connect(self.replace_file)
        card.undo_requested.connect(self.undo_replacement)
        card.test_requested.connect(self.test_run)
        card.stop_requested.connect(self.stop_test_run)
        card.set_running(target.key in self._running)
        if self.updates.enabled:
            self.updates.attach(card)
        self.cards[target.key] = card
        return card

    def _show_checking(self) -> None:
        for card in self.cards.values():
            card.set_problems(None)

    def _show_report(self, report: ValidationReport | None) -> None:
        for card in self.cards.values():
            if report is None:
                card.set_problems(None)
            else:
                rel = card.target.rel_path
                card.set_problems([p for p in report.errors + report.warnings if p.file == rel])
        generated = self.generated_cards()
        if generated:
            files = ", ".join(card.target.rel_path for card in generated)
            count = len(generated)
            self.generated_text.setText(
                f"⚠ {count} file{'s were' if count != 1 else ' was'} generated by import and "
                f"do{'' if count != 1 else 'es'} nothing yet: {files}. Write what "
                f"{'they' if count != 1 else 'it'} should do (marked below)."
            )
        self.generated_note.setVisible(bool(generated))

    def generated_cards(self) -> list[CodeCard]:
        """Cards whose file is a placeholder the importer generated, in page order."""
        order = {kind: i for i, (kind, _, _) in enumerate(SECTIONS)}
        cards = [card for card in self.cards.values() if card.generated]
        return sorted(cards, key=lambda card: order.get(card.target.kind, len(order)))

    def show_next_generated(self) -> CodeCard | None:
        """Scroll the next generated placeholder's card into view (the first after the last)."""
        generated = self.generated_cards()
        if not generated:
            return None
        self._next_generated %= len(generated)
        card = generated[self._next_generated]
        self._next_generated += 1
        self.scroll.ensureWidgetVisible(card, 0, 20)
        return card

    def card(self, key: str) -> CodeCard:
        """The card of ``key`` such as ``processor:temperature-sensor-1``."""
        return self.cards[key]

    # --- actions ---------------------------------------------------------------------------
    def create_file(self, target: CodeTarget) -> None:
        project = self._session.project
        if project is None:
            return
        device = next((d for d in project.devices if d.id == target.name), None)
        try:
            self._session.check_writable()
            path = create_from_template(project.root, target, device)
        except ReadOnlyProjectError as exc:
            self.banner.show_message("info", str(exc))
            return
        except (OSError, ValueError) as exc:
            self.banner.show_message("error", f"{target.rel_path} was not created: {exc}")
            return
        self.banner.show_message(
            "ok",
            f"Created {target.rel_path} from the template. Open it in your editor to change it.",
        )
        log.info("created %s", path)
        self._session.reload()

    def open_file(self, target: CodeTarget) -> None:
        root = self._session.root
        if root is None:
            return
        path = target.path(root)
        card = self.cards.get(target.key)
        if card is not None:
            open_or_explain(path, card.open_failed, self.launcher)

    def replace_file(self, target: CodeTarget, source: Path) -> None:
        root = self._session.root
        if root is None:
            return
        try:
            self._session.check_writable()
            done = replace_code(root, target, source)
        except ReadOnlyProjectError as exc:
            self.banner.show_message("info", str(exc))
            return
        except ReplaceError as exc:
            self.banner.show_message(
                "error", f"{target.rel_path} was not replaced (it is unchanged): {exc}"
            )
            return
        except OSError as exc:
            self.banner.show_message(
                "error", f"{target.rel_path} could not be replaced: {exc.strerror or exc}"
            )
            return
        self._undo[target.key] = done
        kept = " The old file is kept; “Undo replace” puts it back." if done.backup else ""
        self.banner.show_message("ok", f"{target.rel_path} now holds {Path(source).name}.{kept}")
        self._session.reload()
        self.updates.replaced(target)

    def undo_replacement(self, target: CodeTarget) -> None:
        done = self._undo.pop(target.key, None)
        if done is None:
            return
        try:
            undo_replace(done)
        except (ReplaceError, OSError) as exc:
            self.banner.show_message("error", f"Could not undo: {exc}")
        else:
            self.banner.show_message("ok", f"{target.rel_path} is back as it was.")
        self._session.reload()

    def test_run(self, target: CodeTarget) -> None:
        """Run ``target``'s code on a sample event on a worker; the card shows the result."""
        project = self._session.project
        if project is None or target.key in self._running:
            return
        key, timeout = target.key, self.timeout
        cancel = self._running[key] = threading.Event()
        self.cards[key].set_running(True)
        self._runner.start(
            lambda: run_code_test(project, target, timeout=timeout, cancel=cancel),
            name=f"test-run {key}",
            on_result=lambda result: self._test_done(key, result),
            on_error=lambda failure: self._test_failed(key, failure),
            on_finished=lambda: self._test_finished(key),
        )

    def _test_done(self, key: str, result: TestRunResult) -> None:
        if key in self.cards:
            self.cards[key].show_result(result)

    def _test_failed(self, key: str, failure: TaskFailure) -> None:
        if key in self.cards:
            self.cards[key].show_failure(
                f"The test run could not be started: {failure.message}. Details are in the log."
            )

    def stop_test_run(self, target: CodeTarget) -> None:
        """Stop ``target``'s running test: its process tree is killed within a moment."""
        cancel = self._running.get(target.key)
        if cancel is not None:
            cancel.set()

    def stop_all_test_runs(self) -> None:
        for cancel in self._running.values():
            cancel.set()

    def _test_finished(self, key: str) -> None:
        self._running.pop(key, None)
        if key in self.cards:
            self.cards[key].set_running(False)

    @property
    def running(self) -> bool:
        """Whether a test run is in progress."""
        return bool(self._running)
