"""The wizard shell: step list, project header, pages, Back/Next and the status bar."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from dtwin_gui import __version__
from dtwin_gui.core.problems import ValidationReport
from dtwin_gui.core.providers import CLOUD_TITLES, undeployable_reason
from dtwin_gui.core.validation.generated_rules import GENERATED_CODE
from dtwin_gui.ui import sandbox_quit
from dtwin_gui.ui.deployment_record import LastRun, run_summary
from dtwin_gui.ui.export_action import ProjectExporter
from dtwin_gui.ui.open_file import open_or_tell
from dtwin_gui.ui.pages.code_page import CodePage
from dtwin_gui.ui.pages.credentials_page import CredentialsPage
from dtwin_gui.ui.pages.deploy_page import DeployPage
from dtwin_gui.ui.pages.layers_page import LayersPage
from dtwin_gui.ui.pages.project_page import ProjectPage
from dtwin_gui.ui.pages.review_page import ReviewPage
from dtwin_gui.ui.pages.status_page import StatusPage
from dtwin_gui.ui.pages.twin_page import TwinPage
from dtwin_gui.ui.recent import RecentProjects
from dtwin_gui.ui.session import ProjectSession
from dtwin_gui.ui.target_choice import TargetChoice
from dtwin_gui.ui.widgets.step_list import StepList, StepState
from dtwin_gui.ui.widgets.validation_panel import plural
from dtwin_gui.ui.workers import TaskRunner

(
    PROJECT_STEP,
    LAYERS_STEP,
    TWIN_STEP,
    CREDENTIALS_STEP,
    CODE_STEP,
    REVIEW_STEP,
    DEPLOY_STEP,
    STATUS_STEP,
) = range(8)
STEP_TITLES = ["Project", "Layers", "Twin", "Credentials", "Code", "Review", "Deploy", "Status"]


class MainWindow(QMainWindow):
    """Hosts the wizard. Steps after the first unlock once a project is open."""

    #: On quit with the sandbox running: ``ask(info, memory_mb) -> "stop"|"keep"|"cancel"``
    #: (tests set it); None shows a window-modal question and closes again on the answer.
    ask_about_sandbox = None
    #: Opens files and folders (the desktop's opener when None; replaceable in tests).
    launcher = None
    #: The thread stopping the sandbox after "Stop the sandbox" (None before).
    sandbox_stopper = None
    sandbox_question = None
    _sandbox_answered = False

    def __init__(
        self,
        session: ProjectSession,
        runner: TaskRunner,
        settings: QSettings,
        *,
        log_dir: Path | None = None,
        choice: TargetChoice | None = None,
    ) -> None:
        super().__init__()
        self.session = session
        self.runner = runner
        self.settings = settings
        self.choice = choice or TargetChoice(parent=self)
        self._close_after_run = False
        #: The DeploymentRecord of the open project + target (None until read).
        self._record = None
        self._log_dir = log_dir
        self.setWindowTitle("dtwin")
        self.setMinimumSize(1000, 680)

        self.steps = StepList(STEP_TITLES)
        self.project_page = ProjectPage(session, RecentProjects(settings), runner)
        self.layers_page = LayersPage(session, runner)
        self.twin_page = TwinPage(session)
        self.credentials_page = CredentialsPage(session, runner, self.choice)
        self.code_page = CodePage(session, runner, choice=self.choice)
        self.review_page = ReviewPage(session, runner, self.choice)
        self.deploy_page = DeployPage(session, runner, self.choice)
        self.status_page = StatusPage(session, runner, self.choice)
        self.stack = QStackedWidget()
        for page in (
            self.project_page,
            self.layers_page,
            self.twin_page,
            self.credentials_page,
            self.code_page,
            self.review_page,
            self.deploy_page,
            self.status_page,
        ):
            self.stack.addWidget(page)

        self.project_name = QLabel()
        self.project_name.setProperty("role", "project-name")
        self.project_path = QLabel()
        self.project_path.setProperty("role", "muted")
        self.project_path.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        header = QFrame()
        header.setProperty("role", "header")
        header_layout = QVBoxLayout(header)
        header_layout.setContentsMargins(20, 8, 20, 8)
        header_layout.setSpacing(0)
        header_layout.addWidget(self.project_name)
        header_layout.addWidget(self.project_path)

        self.back_button = QPushButton("‹  Back")
        self.next_button = QPushButton("Next  ›")
        self.next_button.setProperty("primary", True)
        self.back_button.clicked.connect(self.go_back)
        self.next_button.clicked.connect(self.go_next)
        self.back_button.setToolTip("Previous step (Alt+Left, Ctrl+PgUp)")
        self.next_button.setToolTip("Next step (Alt+Right, Ctrl+PgDown)")
        footer = QFrame()
        footer.setProperty("role", "footer")
        footer_layout = QHBoxLayout(footer)
        footer_layout.setContentsMargins(20, 8, 20, 8)
        self.step_caption = QLabel()
        self.step_caption.setProperty("role", "muted")
        footer_layout.addWidget(self.step_caption)
        footer_layout.addStretch(1)
        footer_layout.addWidget(self.back_button)
        footer_layout.addWidget(self.next_button)

        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.setSpacing(0)
        content_layout.addWidget(header)
        content_layout.addWidget(self.stack, 1)
        content_layout.addWidget(footer)
        central = QWidget()
        central_layout = QHBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        central_layout.addWidget(self.steps)
        central_layout.addWidget(content, 1)
        self.setCentralWidget(central)

        self.error_count = QLabel()
        self.error_count.setProperty("role", "error-count")
        self.warning_count = QLabel()
        self.warning_count.setProperty("role", "warning-count")
        self.check_state = QLabel()
        self.check_state.setProperty("role", "muted")
        for label in (self.check_state, self.error_count, self.warning_count):
            self.statusBar().addPermanentWidget(label)

        self._make_actions()
        self.setTabOrder(self.steps, self.stack)
        self.setTabOrder(self.stack, self.back_button)
        self.setTabOrder(self.back_button, self.next_button)

        self.steps.currentRowChanged.connect(self._step_chosen)
        session.changed.connect(self._refresh_shell)
        session.validation_started.connect(self._validation_started)
        session.validated.connect(self._validated)
        session.validation_failed.connect(self._validation_failed)
        self.choice.changed.connect(self._update_steps)
        self.review_page.deploy_requested.connect(self.start_deploy)
        self.review_page.destroy_requested.connect(self.start_destroy)
        self.deploy_page.destroy_requested.connect(lambda: self.go_to(REVIEW_STEP))
        self.deploy_page.status_requested.connect(lambda: self.go_to(STATUS_STEP))
        self.status_page.deploy_requested.connect(lambda: self.go_to(DEPLOY_STEP))
        self.deploy_page.run_started.connect(lambda _kind: self._update_steps())
        self.deploy_page.run_finished.connect(self._run_finished)
        # after a deploy the cards' code is what runs: no "Update this function now" left
        self.deploy_page.run_finished.connect(self.code_page.updates.run_finished)
        self.review_page.fix_requested.connect(self._go_fix)
        self.deploy_page.fix_requested.connect(self._go_fix)
        # The deploy page follows the open project + target; the step list reads the same.
        self.deploy_page.record.reset.connect(self._forget_record)
        self.deploy_page.record.loaded.connect(self._record_loaded)

        self._restore_geometry()
        self._refresh_shell()
        self.go_to(PROJECT_STEP)

    # --- actions ---------------------------------------------------------------------------
    def _action(self, text: str, slot, shortcuts: list, tip: str = "") -> QAction:
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        if tip:
            action.setStatusTip(tip)
        self.addAction(action)
        return action

    def _make_actions(self) -> None:
        page = self.project_page
        self.new_action = self._action(
            "&New from example…",
            lambda: (self.go_to(PROJECT_STEP), page.ask_new_project()),
            [QKeySequence.StandardKey.New],
            "Create a project from the bundled example",
        )
        self.open_action = self._action(
            "&Open folder…",
            lambda: (self.go_to(PROJECT_STEP), page.ask_open_folder()),
            [QKeySequence.StandardKey.Open],
            "Open a dtwin project folder",
        )
        self.import_action = self._action(
            "&Import project…",
            lambda: (self.go_to(PROJECT_STEP), page.ask_import()),
            ["Ctrl+I"],
            "Import a folder or .zip: a project of the older deployer or a dtwin export",
        )
        self.exporter = ProjectExporter(self, self.session, self.runner)
        self.export_action = self.exporter.action
        self.settings_action = self._action(
            "&Settings…",
            self.open_settings,
            [QKeySequence.StandardKey.Preferences, "Ctrl+,"],
            "Workspace location, Terraform, plugin mirror, theme",
        )
        quit_action = self._action("&Quit", self.close, [QKeySequence.StandardKey.Quit])
        self.back_action = self._action("&Back", self.go_back, ["Alt+Left", "Ctrl+PgUp"])
        self.next_action = self._action("&Next", self.go_next, ["Alt+Right", "Ctrl+PgDown"])
        step_actions = [
            self._action(f"&{i + 1} {title}", lambda _=False, i=i: self.go_to(i), [f"Ctrl+{i + 1}"])
            for i, title in enumerate(STEP_TITLES)
        ]
        log_action = QAction("Open &log folder", self)
        log_action.triggered.connect(self._open_log_folder)
        about_action = QAction("&About dtwin", self)
        about_action.triggered.connect(self._about)

        menu = self.menuBar().addMenu("&File")
        for action in (self.new_action, self.open_action, self.import_action, self.export_action):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.settings_action)
        menu.addSeparator()
        menu.addAction(quit_action)
        menu = self.menuBar().addMenu("&Go")
        menu.addAction(self.back_action)
        menu.addAction(self.next_action)
        menu.addSeparator()
        for action in step_actions:
            menu.addAction(action)
        menu = self.menuBar().addMenu("&Help")
        menu.addAction(log_action)
        menu.addAction(about_action)

    def open_settings(self):
        """Show the Settings dialog (non-modal result: saved settings apply at once)."""
        from dtwin_gui.ui.dialogs.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self)
        dialog.saved.connect(lambda _settings: self.statusBar().showMessage("Settings saved", 5000))
        dialog.open()
        return dialog

    def _open_log_folder(self) -> None:
        if self._log_dir:
            open_or_tell(Path(self._log_dir), self, self.launcher)

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About dtwin",
            f"dtwin {__version__}\n\nDeploy an IoT digital twin across AWS, Azure and Google "
            "Cloud, one layer at a time.",
        )

    # --- navigation ------------------------------------------------------------------------
    @property
    def current_step(self) -> int:
        return self.stack.currentIndex()

    def can_enter(self, step: int) -> bool:
        return 0 <= step < self.stack.count() and (step == PROJECT_STEP or self.session.is_open)

    def go_to(self, step: int) -> None:
        """Show ``step`` if it is reachable (later steps need an open project)."""
        if not self.can_enter(step):
            self.steps.setCurrentRow(self.stack.currentIndex())
            return
        self.stack.setCurrentIndex(step)
        if self.steps.currentRow() != step:
            self.steps.setCurrentRow(step)
        self._update_buttons()

    def go_back(self) -> None:
        self.go_to(self.current_step - 1)

    def go_next(self) -> None:
        self.go_to(self.current_step + 1)

    def _step_chosen(self, row: int) -> None:
        if row >= 0 and row != self.stack.currentIndex():
            self.go_to(row)

    def _update_buttons(self) -> None:
        step = self.current_step
        self.back_button.setEnabled(step > 0)
        self.next_button.setEnabled(self.can_enter(step + 1))
        self.back_action.setEnabled(step > 0)
        self.next_action.setEnabled(self.can_enter(step + 1))
        if not self.session.is_open:
            caption = "Open or create a project to continue."
        elif step + 1 < len(STEP_TITLES):
            caption = f"Step {step + 1} of {len(STEP_TITLES)} · next: {STEP_TITLES[step + 1]}"
        else:
            caption = f"Step {step + 1} of {len(STEP_TITLES)}"
        self.step_caption.setText(caption)

    # --- deploy and destroy ----------------------------------------------------------------
    def start_deploy(self, reviewed_plan=None) -> None:
        """Deploy what the Review page showed; the Deploy page takes over."""
        self.go_to(DEPLOY_STEP)
        self.deploy_page.start_deploy(reviewed_plan)
        self._update_steps()

    def start_destroy(self) -> None:
        self.go_to(DEPLOY_STEP)
        self.deploy_page.start_destroy()
        self._update_steps()

    def _run_finished(self, result) -> None:
        page = self.deploy_page
        if page.run_is_current:
            kind = page.kind or "deploy"
            if self._record is not None:  # at once; the record is read again below
                moment = datetime.now().astimezone()
                run = LastRun(kind, getattr(result, "status", "failed"), moment)
                self._record = replace(self._record, last_run=run)
            self.review_page.note_run_finished(kind)
            self.status_page.restore_last()
            page.record.refresh()
        self._update_steps()
        if self._close_after_run:
            self.close()

    def _go_fix(self, place: str) -> None:
        self.go_to({"layers": LAYERS_STEP, "twin": TWIN_STEP}.get(place, self.current_step))

    def _forget_record(self) -> None:
        self._record = None
        self._update_steps()

    def _record_loaded(self, record) -> None:
        self._record = record
        self._update_steps()

    # --- session ---------------------------------------------------------------------------
    def open_project(self, path: Path) -> bool:
        """Open ``path`` (as the Project page would, with its inline messages)."""
        return self.project_page.open_folder(path)

    def _refresh_shell(self) -> None:
        project = self.session.project
        if project is None:
            self.project_name.setText("No project open")
            self.project_path.setText("Create, open or import a project to begin.")
            self.setWindowTitle("dtwin")
        else:
            name = project.twin_name or project.root.name
            self.project_name.setText(name)
            self.project_path.setText(str(project.root))
            self.setWindowTitle(f"{name} — dtwin")
        self._update_steps()
        self._update_buttons()

    def _update_steps(self) -> None:
        session = self.session
        project = session.project
        if project is None:
            self.steps.set_step(PROJECT_STEP, StepState.PENDING, "open or create")
            self.steps.set_step(LAYERS_STEP, StepState.LOCKED, "needs a project", enabled=False)
            for step in range(TWIN_STEP, len(STEP_TITLES)):
                self.steps.set_step(step, StepState.LOCKED, "needs a project", enabled=False)
            return
        self.steps.set_step(PROJECT_STEP, StepState.DONE, project.twin_name or project.root.name)
        if session.topology is None:
            self.steps.set_step(LAYERS_STEP, StepState.ERROR, session.topology_error or "")
        else:
            clouds = session.topology.clouds
            hops = len(session.topology.boundaries)
            if len(clouds) == 1:
                detail = f"all on {CLOUD_TITLES[clouds[0]]}"
            else:
                detail = f"{plural(len(clouds), 'cloud')} · {plural(hops, 'hop')}"
            cannot = [s for s, c in project.providers.items() if c and undeployable_reason(s, c)]
            if cannot:  # not green: this version cannot deploy the choice (the page says why)
                detail = f"{plural(len(cannot), 'layer')} not deployable"
            self.steps.set_step(LAYERS_STEP, StepState.ERROR if cannot else StepState.DONE, detail)
        report = session.report
        if report is None:
            self.steps.set_step(TWIN_STEP, StepState.PENDING, "checking…")
        elif report.errors:
            self.steps.set_step(TWIN_STEP, StepState.ERROR, plural(len(report.errors), "error"))
        elif report.warnings:
            self.steps.set_step(
                TWIN_STEP, StepState.WARNING, plural(len(report.warnings), "warning")
            )
        else:
            self.steps.set_step(TWIN_STEP, StepState.DONE, "valid")
        self._update_deploy_steps()

    def _update_deploy_steps(self) -> None:
        choice = self.choice
        if choice.ready:
            detail = "no account needed" if choice.mode == "sandbox" else "your cloud accounts"
            self.steps.set_step(CREDENTIALS_STEP, StepState.DONE, detail)
        else:
            self.steps.set_step(CREDENTIALS_STEP, StepState.PENDING, "sign in")
        report = self.session.report
        generated = [p for p in report.warnings if p.code == GENERATED_CODE] if report else []
        if generated:  # placeholders the importer wrote: the Code page names them
            detail = plural(len(generated), "placeholder") + " to write"
            self.steps.set_step(CODE_STEP, StepState.WARNING, detail)
        else:
            self.steps.set_step(CODE_STEP, StepState.PENDING, "test your functions")
        self.steps.set_step(REVIEW_STEP, StepState.PENDING, "plan before deploying")
        record, page = self._record, self.deploy_page
        run = record.last_run if record is not None else None
        if page.busy and page.run_is_current:
            words = "destroying…" if page.kind == "destroy" else "deploying…"
            self.steps.set_step(DEPLOY_STEP, StepState.PENDING, words)
        elif record is None:
            self.steps.set_step(DEPLOY_STEP, StepState.PENDING, "checking…")
        elif run is None:
            self.steps.set_step(DEPLOY_STEP, StepState.PENDING, "not run yet")
        elif run.status == "succeeded":
            state = StepState.DONE if run.kind == "deploy" else StepState.PENDING
            self.steps.set_step(DEPLOY_STEP, state, run_summary(run))
        elif run.status == "failed":
            self.steps.set_step(DEPLOY_STEP, StepState.ERROR, run_summary(run))
        else:
            self.steps.set_step(DEPLOY_STEP, StepState.WARNING, run_summary(run))
        self.steps.set_step(STATUS_STEP, StepState.PENDING, self._status_detail(record))

    def _status_detail(self, record) -> str:
        """What is deployed, as far as the state says: "nothing deployed", "7 layers …"."""
        if record is None:
            return "checking…"
        if record.deployed is None:
            return "state unreadable"
        if not record.deployed:
            return "nothing deployed"
        # The layers L1…L5 (the shared setup is no layer); the Deploy step says when.
        layers = sum(1 for name in record.preview.layers if name.startswith("L"))
        if not layers:
            return "setup only deployed"
        return f"{plural(layers, 'layer')} deployed"

    def _validation_started(self) -> None:
        self.check_state.setText("Checking project…")

    def _validated(self, report: ValidationReport) -> None:
        self.check_state.setText("Checked")
        errors, warnings = len(report.errors), len(report.warnings)
        self.error_count.setText(f"✖ {plural(errors, 'error')}")
        self.warning_count.setText(f"▲ {plural(warnings, 'warning')}")
        self.error_count.setEnabled(errors > 0)
        self.warning_count.setEnabled(warnings > 0)
        self._update_steps()

    def _validation_failed(self, message: str) -> None:
        self.check_state.setText("Check failed")
        self.statusBar().showMessage(message, 10_000)

    # --- window state ----------------------------------------------------------------------
    def _restore_geometry(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        splitter = self.settings.value("window/twin-splitter")
        if isinstance(splitter, QByteArray) and not splitter.isEmpty():
            self.twin_page.splitter.restoreState(splitter)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.deploy_page.busy:
            answer = QMessageBox.question(
                self,
                "A run is in progress",
                "A deploy or destroy is still running. Stop it safely (Terraform saves its "
                "state first) and quit when it has stopped?",
            )
            if answer == QMessageBox.StandardButton.Yes:
                self._close_after_run = True
                self.deploy_page.cancel()
            event.ignore()
            return
        if not self._may_close_with_the_sandbox():
            event.ignore()
            return
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/twin-splitter", self.twin_page.splitter.saveState())
        self.settings.sync()
        self.code_page.stop_all_test_runs()  # else closing waits for their timeout
        self.session.close()
        super().closeEvent(event)

    def _may_close_with_the_sandbox(self) -> bool:
        """False while the user is still to answer (or cancelled) what to do with a running
        sandbox; True when it is not running or the answer was Stop (begun) or Keep."""
        if self._sandbox_answered:
            return True
        info = sandbox_quit.running_sandbox()
        if info is None:
            return True
        memory = sandbox_quit.sandbox_memory_mb(info.pid)
        if self.ask_about_sandbox is None:
            if self.sandbox_question is None or not self.sandbox_question.isVisible():
                self.sandbox_question = sandbox_quit.open_question(
                    self, memory, self._sandbox_question_answered
                )
            return False
        return self._sandbox_answer(self.ask_about_sandbox(info, memory))

    def _sandbox_question_answered(self, answer: str) -> None:
        self.sandbox_question = None
        if self._sandbox_answer(answer):
            self.close()

    def _sandbox_answer(self, answer: str) -> bool:
        if answer == sandbox_quit.STOP:
            self.sandbox_stopper = sandbox_quit.stop_in_background()
        elif answer != sandbox_quit.KEEP:
            return False
        self._sandbox_answered = True
        return True
