"""Step 5: what a deploy (or a destroy) will do, before it happens.

"Make plan" runs validate → build → init → plan on a worker; the plan is shown per layer with
destructive changes highlighted, next to the glue hops and the SDK steps of the deploy.
Deploy needs an explicit "I have reviewed this plan"; destroy an "I understand" tick. A plan
goes stale as soon as the project changes and is outdated once a deploy or destroy ran; another
project or target forgets it. The destroy box reads the target's state (no plan needed).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from dtwin_gui.core.run_events import PhaseEvent
from dtwin_gui.deploy.review import DestroyPreview, PlanReview, destroy_preview
from dtwin_gui.iac.results import PlanSummary
from dtwin_gui.ui import theme
from dtwin_gui.ui.deployment_record import RecordWatcher
from dtwin_gui.ui.deployments import open_deployment
from dtwin_gui.ui.fix_place import GO_TO, LAYERS, TWIN, FailureClues
from dtwin_gui.ui.run_bridge import RunBridge
from dtwin_gui.ui.session import ProjectSession
from dtwin_gui.ui.target_choice import TargetChoice
from dtwin_gui.ui.widgets.banner import Banner
from dtwin_gui.ui.widgets.plan_view import (
    PlanTree,
    SdkStepTree,
    provisioned_layers,
    provisioned_sentence,
)
from dtwin_gui.ui.workers import TaskFailure, TaskRunner

PLAN_TITLE, SDK_TITLE = "Terraform plan, by layer", "After Terraform: SDK steps"
SDK_NOTE = "Objects Terraform cannot make, created next."
#: The titles when no layer has a Terraform plan (every cloud provisioned on the sandbox).
PROVISIONED_TITLES = (
    "What the deploy provisions, by layer",
    "After provisioning: SDK steps",
    "Objects the provisioning does not make, created next.",
)
#: The phases of ``Deployment.plan_only`` and how they read while running.
PLAN_PHASES = {
    "validate": "checking the project",
    "build": "building the function packages",
    "init": "preparing Terraform",
    "plan": "asking Terraform what will change",
}
_DANGER_STYLE = (
    f"QPushButton {{ background: {theme.ERROR}; color: white; border: 1px solid {theme.ERROR};"
    " font-weight: bold; }"
    "QPushButton:disabled { background: #E8B4B4; border-color: #E8B4B4; color: white; }"
)


def _panel(*widgets: QWidget, stretch_last: bool = False) -> QFrame:
    frame = QFrame()
    frame.setProperty("role", "panel")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(12, 10, 12, 12)
    for index, widget in enumerate(widgets):
        last = index == len(widgets) - 1
        layout.addWidget(widget, 1 if stretch_last and last else 0)
    return frame


def _label(text: str = "", role: str | None = None, *, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(wrap)
    if role:
        label.setProperty("role", role)
    return label


def _restyle(widget: QWidget, role: str) -> None:
    widget.setProperty("role", role)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class ReviewPage(QWidget):
    """The plan per layer, glue hops, SDK steps, and the deploy / destroy confirmations."""

    #: The reviewed plan: its PlanTicket (applied as it is while current), else the PlanSummary.
    deploy_requested = Signal(object)
    destroy_requested = Signal()
    #: The fix of a failed plan is on another page: "layers" or "twin".
    fix_requested = Signal(str)

    def __init__(
        self,
        session: ProjectSession,
        runner: TaskRunner,
        choice: TargetChoice,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._choice = choice
        self.bridge = RunBridge(runner, parent=self)
        self.review: PlanReview | None = None
        self.provisioned: dict[str, object] = {}  # layer -> cloud the deploy provisions it on
        self.ticket = None  # the PlanTicket of the plan shown, when a plan run made it
        self.destroy_info: DestroyPreview | None = None
        self.stale = False
        self.stale_reason = ""
        self._generation = 0  # bumped on every project/target change
        self._plan_generation = 0
        self._plan_key: tuple | None = None  # the project + target the running plan is for
        self._clues = FailureClues()
        self._fix_place: str | None = None
        self._build()
        self.bridge.events.connect(self._on_events)
        self.bridge.finished.connect(self._on_finished)
        self.bridge.failed.connect(self._on_failed)
        # First: another project or target forgets the plan before staleness is looked at.
        self.record = RecordWatcher(session, choice, runner, parent=self)
        self.record.reset.connect(self._forget)
        self.record.loaded.connect(self._on_record)
        session.changed.connect(self._on_inputs_changed)
        choice.changed.connect(self._on_target_changed)
        self._refresh()

    # --- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 12, 20, 12)
        layout.setSpacing(8)
        title_row = QHBoxLayout()
        title = _label("Review", "page-title", wrap=False)
        self.target_label = _label("", "muted")
        self.make_plan_button = QPushButton("Make plan")
        self.make_plan_button.setProperty("primary", True)
        self.make_plan_button.setToolTip("Ask Terraform what a deploy would change (no change)")
        self.make_plan_button.clicked.connect(self.make_plan)
        # Room for the longer "Make a new plan" so the button does not clip when it changes.
        wide = self.make_plan_button.fontMetrics().horizontalAdvance("Make a new plan")
        self.make_plan_button.setMinimumWidth(wide + 48)
        title_row.addWidget(title)
        title_row.addSpacing(12)
        title_row.addWidget(self.target_label, 1, Qt.AlignmentFlag.AlignBottom)
        title_row.addWidget(self.make_plan_button)
        layout.addLayout(title_row)

        self.banner = Banner()
        self.retry_button = QPushButton("Try again")
        self.retry_button.clicked.connect(self.make_plan)
        self.retry_button.hide()
        self.fix_button = QPushButton("Go to Layers")
        self.fix_button.setProperty("primary", True)
        self.fix_button.clicked.connect(self._go_fix)
        self.fix_button.hide()
        banner_row = QHBoxLayout()
        banner_row.addWidget(self.banner, 1)
        banner_row.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignTop)
        banner_row.addWidget(self.fix_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(banner_row)

        self.status_label = _label("", "muted")
        self.note_label = _label("", "field-error")
        self.note_label.hide()
        layout.addWidget(self.status_label)
        layout.addWidget(self.note_label)

        self.plan_tree = PlanTree()
        self.plan_title = _label(PLAN_TITLE, "section")
        self.sdk_title = _label(SDK_TITLE, "section")
        self.sdk_note = _label(SDK_NOTE, "muted")
        self.glue_list = QListWidget()
        # Every hop whole: a three-cloud twin has six, each a sentence (wrapped, not cut).
        self.glue_list.setWordWrap(True)
        self.glue_list.setMaximumHeight(150)
        self.glue_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.sdk_tree = SdkStepTree()
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(_panel(_label("Glue between clouds", "section"), self.glue_list))
        right_layout.addWidget(
            _panel(
                self.sdk_title,
                self.sdk_note,
                self.sdk_tree,
                stretch_last=True,
            ),
            1,
        )
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(_panel(self.plan_title, self.plan_tree, stretch_last=True))
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)

        self.review_tick = QCheckBox("I have reviewed this plan")
        self.review_tick.toggled.connect(self._refresh)
        self.deploy_button = QPushButton("Deploy")
        self.deploy_button.setProperty("primary", True)
        self.deploy_button.clicked.connect(self._on_deploy)
        deploy_row = QHBoxLayout()
        deploy_row.addWidget(self.review_tick, 1)
        deploy_row.addWidget(self.deploy_button)
        deploy_box = QFrame()
        deploy_box.setProperty("role", "panel")
        deploy_layout = QVBoxLayout(deploy_box)
        deploy_layout.setContentsMargins(12, 8, 12, 8)
        deploy_layout.setSpacing(4)
        deploy_layout.addWidget(_label("Deploy", "section"))
        deploy_layout.addLayout(deploy_row)

        self.destroy_summary = _label("", "muted")
        self.destroy_tick = QCheckBox()
        self.destroy_tick.toggled.connect(self._refresh)
        self.destroy_button = QPushButton("Destroy")
        self.destroy_button.setStyleSheet(_DANGER_STYLE)
        self.destroy_button.clicked.connect(self._on_destroy)
        destroy_row = QHBoxLayout()
        destroy_row.addWidget(self.destroy_tick, 1)
        destroy_row.addWidget(self.destroy_button)
        destroy_box = QFrame()
        destroy_box.setProperty("role", "panel")
        destroy_layout = QVBoxLayout(destroy_box)
        destroy_layout.setContentsMargins(12, 8, 12, 8)
        destroy_layout.setSpacing(4)
        destroy_layout.addWidget(_label("Destroy", "section"))
        destroy_layout.addWidget(self.destroy_summary)
        destroy_layout.addLayout(destroy_row)

        layout.addWidget(deploy_box)
        layout.addWidget(destroy_box)

    # --- planning ------------------------------------------------------------------------------
    def make_plan(self) -> None:
        """Plan on a worker (validate, build, init, plan); the result replaces the shown plan."""
        if self.bridge.running:
            return
        root = self._session.root
        if root is None:
            self.banner.show_message("error", "Open a project first, then make a plan.")
            return
        if not self._choice.ready:
            self.banner.show_message(
                "error",
                "No AWS credentials are set, so no plan can be made. Check them on the "
                "Credentials page, or deploy to the sandbox.",
            )
            return
        choice = self._choice
        self._clear_failure()
        self._plan_generation = self._generation
        self._plan_key = self.record.current_key()
        self._clues = FailureClues()

        def plan(sink):
            from dtwin_gui.deploy.provision_phase import provisioned_for

            connections = choice.make_connections()
            deployment = open_deployment(root, connections, sink)
            result = deployment.plan_only()
            try:
                preview = destroy_preview(deployment.workspace)
            except (OSError, ValueError):
                preview = None  # the destroy box then says it cannot tell
            return result, preview, provisioned_for(root, connections)

        self.status_label.setText("Making the plan…")
        self.bridge.start(plan, name="review-plan")
        self._refresh()

    def show_plan(
        self, plan_summary, destroy_info: DestroyPreview | None = None, ticket=None, provisioned=()
    ) -> None:
        """Show ``plan_summary`` (a PlanSummary) as the reviewed plan; the tick is reset.
        ``ticket`` (the plan run's PlanTicket) goes to the deploy, so it applies this plan.
        ``provisioned``: the clouds the deploy provisions on the sandbox's emulators instead of
        Terraform (their layers are listed as such, not as "no changes")."""
        self.ticket = ticket
        self.review = PlanReview.build(plan_summary, self._session.project, self._session.topology)
        self.provisioned = provisioned_layers(self._session.topology, provisioned)
        if destroy_info is not None:
            self.destroy_info = destroy_info
        self.stale, self.stale_reason = False, ""
        self.review_tick.setChecked(False)
        self.plan_tree.show_review(self.review, self.provisioned)
        self._set_titles(self.provisioned and not self.review.has_resource_changes)
        self.sdk_tree.show_steps(self.review.sdk_steps)
        self.glue_list.clear()
        for hop in self.review.glue:
            self.glue_list.addItem(hop.text)
            self.glue_list.item(self.glue_list.count() - 1).setToolTip(hop.text)
        if not self.review.glue:
            self.glue_list.addItem("None: every layer is on the same cloud.")
        self._refresh()

    def _set_titles(self, provisioned_only: bool) -> None:
        titles = PROVISIONED_TITLES if provisioned_only else (PLAN_TITLE, SDK_TITLE, SDK_NOTE)
        labels = (self.plan_title, self.sdk_title, self.sdk_note)
        for label, text in zip(labels, titles, strict=True):
            label.setText(text)

    def _on_events(self, batch: list) -> None:
        for event in batch:
            self._clues.feed(event)
            if isinstance(event, PhaseEvent) and event.state == "started":
                names = list(PLAN_PHASES)
                if event.phase in PLAN_PHASES:
                    step = names.index(event.phase) + 1
                    self.status_label.setText(
                        f"Making the plan — step {step} of {len(names)}: "
                        f"{PLAN_PHASES[event.phase]} ({event.phase})…"
                    )

    def _on_finished(self, value) -> None:
        result, preview, provisioned = value
        if self._plan_key != self.record.current_key():
            self._refresh()  # a plan of the previous project or target: not this one's
            return
        if result.status == "succeeded" and (result.plan is not None or provisioned):
            # No Terraform root (every cloud provisioned): an empty plan, nothing to apply.
            plan = result.plan if result.plan is not None else PlanSummary()
            self.show_plan(plan, preview, getattr(result, "ticket", None), provisioned)
            if self._plan_generation != self._generation:
                self._mark_stale()
            return
        if preview is not None:
            self.destroy_info = preview
        clues = self._clues
        self._show_failure(
            clues.message(result.message or "the plan did not finish"),
            clues.hint(result.hint),
            clues.place,
        )

    def _on_failed(self, failure: TaskFailure) -> None:
        if self._plan_key != self.record.current_key():
            self._refresh()
            return
        self._show_failure(
            f"could not prepare the target ({failure.message})",
            "check the target on the Credentials page, then try again",
        )

    def _show_failure(self, message: str, hint: str, place: str | None = None) -> None:
        """The failure; "Try again" only when trying again can help, else the page to go to."""
        text = f"The plan could not be made: {message}."
        if hint:
            text += f" What to do: {hint}."
        self.banner.show_message("error", text.replace("..", "."))
        self._fix_place = place
        self.retry_button.setVisible(place is None)
        self.fix_button.setVisible(place is not None)
        if place is not None:
            self.fix_button.setText(GO_TO[place])
            self.fix_button.setToolTip(
                "Show the problem list" if place == TWIN else "Choose the clouds again"
            )
        self._refresh()

    def _clear_failure(self) -> None:
        self.banner.clear()
        self.retry_button.hide()
        self.fix_button.hide()
        self._fix_place = None

    def _go_fix(self) -> None:
        if self._fix_place in (LAYERS, TWIN):
            self.fix_requested.emit(self._fix_place)

    # --- staleness -----------------------------------------------------------------------------
    def _on_inputs_changed(self) -> None:
        self._generation += 1
        if self.review is not None:
            self._mark_stale()
        self._refresh()

    def _on_target_changed(self) -> None:
        self.destroy_tick.setChecked(False)
        self._on_inputs_changed()

    def _mark_stale(self, reason: str = "") -> None:
        self.stale = True
        self.stale_reason = reason or (
            "The project or the target changed since this plan: make a new plan to deploy."
        )
        self.review_tick.setChecked(False)
        self._refresh()

    def _forget(self) -> None:
        """Another project or target: nothing shown belongs to it any more."""
        self.review, self.destroy_info, self.provisioned = None, None, {}
        self.stale, self.stale_reason = False, ""
        self.review_tick.setChecked(False)
        self.destroy_tick.setChecked(False)
        self.plan_tree.show_review(None)
        self._set_titles(False)
        self.sdk_tree.show_steps([])
        self.glue_list.clear()
        self._clear_failure()
        self._refresh()

    def _on_record(self, record) -> None:
        self.destroy_info = record.preview
        self._refresh()

    def note_run_finished(self, kind: str) -> None:
        """A deploy or destroy ran: the plan is outdated, the destroy box reads the state."""
        if self.review is not None:
            self._mark_stale(f"Outdated: a {kind or 'run'} ran since this plan — plan again.")
        self.destroy_tick.setChecked(False)
        self.record.refresh()

    # --- actions -------------------------------------------------------------------------------
    def _on_deploy(self) -> None:
        if self.deploy_button.isEnabled() and self.review is not None:
            self.review_tick.setChecked(False)
            self.deploy_requested.emit(self.ticket or self.review.plan)

    def _on_destroy(self) -> None:
        if self.destroy_button.isEnabled():
            self.destroy_tick.setChecked(False)
            self.destroy_requested.emit()

    # --- state ---------------------------------------------------------------------------------
    def _refresh(self) -> None:
        running = self.bridge.running
        has_project = self._session.root is not None
        review = self.review
        target = self._choice.label or "the chosen target"
        self.target_label.setText(f"Target: {target}")
        self.make_plan_button.setEnabled(has_project and not running)
        self.make_plan_button.setText("Make a new plan" if review else "Make plan")
        if not running:
            self.status_label.setText(self._status_text())
        note = review.destructive_note if review and not self.stale else ""
        self.note_label.setText(f"⚠ {note}" if note else "")
        self.note_label.setVisible(bool(note))
        _restyle(self.status_label, "field-error" if self.stale else "muted")
        tick = "I have reviewed this plan"
        if review and review.destructive:
            tick += f", including the {review.destructive_note.split(' will')[0]} it destroys"
            tick += " or replaces"
        self.review_tick.setText(tick)
        plan_ok = review is not None and not self.stale and not running
        self.review_tick.setEnabled(plan_ok)
        self.deploy_button.setEnabled(plan_ok and self.review_tick.isChecked())
        self.destroy_tick.setText(
            f"I understand this deletes everything deployed from this project on {target}"
        )
        # Nothing to destroy (the state says so): no tick, no button, nothing to confirm.
        nothing = self.destroy_info is not None and self.destroy_info.empty
        if nothing and self.destroy_tick.isChecked():
            self.destroy_tick.setChecked(False)
        self.destroy_tick.setEnabled(has_project and not running and not nothing)
        self.destroy_button.setEnabled(
            has_project and not running and not nothing and self.destroy_tick.isChecked()
        )
        if self.destroy_info is None:
            self.destroy_summary.setText(
                "Make a plan to see what a destroy would delete on this target."
            )
        else:
            self.destroy_summary.setText(self.destroy_info.sentence())

    def _status_text(self) -> str:
        review = self.review
        if self._session.root is None:
            return "Open a project to review what a deploy would do."
        if review is None:
            return "No plan yet: “Make plan” shows what a deploy would change, changing nothing."
        if self.stale:
            return self.stale_reason
        if self.provisioned:
            return provisioned_sentence(review, self.provisioned)
        if not review.has_resource_changes:
            if getattr(review.plan, "has_changes", False):
                return "No resource changes: only Terraform outputs change."
            return "No changes: everything is up to date."
        plan = review.plan
        layers = len(review.layers)
        return (
            f"Plan: {plan.add} to add, {plan.change} to change, {plan.destroy} to destroy, "
            f"in {layers} layer{'s' if layers != 1 else ''}."
        )
