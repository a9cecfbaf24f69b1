"""The deployed twin: layer status with live probes, outputs, test telemetry, live values.

Everything that reaches the cloud runs on the task runner. The last known status is shown
at once when the page opens ("as of 14:02, refreshing…") and replaced by the live probe.
The status refresh (every 30 s) and the chart poll (every 5 s) run only while visible.
Another project or target forgets everything shown (a refresh of the previous one that
answers late is dropped).
"""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from dtwin_gui.deploy.workspace import DeploymentWorkspace
from dtwin_gui.ui.deployment_record import RecordWatcher
from dtwin_gui.ui.open_file import desktop_launcher
from dtwin_gui.ui.pages.status_rotate import GlueRotation
from dtwin_gui.ui.session import ProjectSession
from dtwin_gui.ui.target_choice import TargetChoice
from dtwin_gui.ui.widgets.banner import Banner
from dtwin_gui.ui.widgets.function_logs_view import FunctionLogsView
from dtwin_gui.ui.widgets.hop_health_view import HopHealthView
from dtwin_gui.ui.widgets.hot_chart import HotChart
from dtwin_gui.ui.widgets.layer_status_tree import LayerStatusTree
from dtwin_gui.ui.widgets.outputs_table import OutputsTable
from dtwin_gui.ui.widgets.trace_view import TraceView
from dtwin_gui.ui.workers import TaskFailure, TaskRunner

log = logging.getLogger(__name__)

REFRESH_MS = 30_000
CHART_MS = 5_000
CHART_MINUTES = 15
MISSING_NOTE = "Missing in the cloud — "


def _refresh_status(root, choice_make_target):
    """Worker: the live status, saved as the last known one."""
    from dtwin_gui.deploy.last_status import save_last_status
    from dtwin_gui.iac.state import read_state
    from dtwin_gui.ui.deployments import open_deployment

    target = choice_make_target()
    deployment = open_deployment(root, target)
    report = deployment.status(probe=True)
    saved = save_last_status(deployment.workspace, report)
    try:
        sensitive = sorted(read_state(deployment.workspace.terraform_dir).sensitive_outputs)
    except (OSError, ValueError):
        sensitive = []
    return target, saved, sensitive, _hops(deployment, report)


def _hops(deployment, report) -> tuple[list | None, str]:
    """Worker: ``(hops, error)``: each cross-cloud hop's health from the glue logs (None
    when nothing is deployed); never fails the status."""
    from dtwin_gui.deploy.hop_health import deployment_hops

    if report.empty:
        return None, ""
    try:
        return deployment_hops(deployment), ""
    except Exception as exc:  # the status stands without it
        log.warning("hop health not read: %s", exc)
        return None, f"{type(exc).__name__}: {exc}"


def _read_logs(root, target, function: str | None, since: str):
    """Worker: what the deployed functions logged (the "Function logs" tab)."""
    from dtwin_gui.deploy.function_logs import deployment_logs, parse_since
    from dtwin_gui.ui.deployments import open_deployment

    deployment = open_deployment(root, target)
    return deployment_logs(deployment, function=function, since_s=parse_since(since))


def _secret_output(root, target, name: str):
    """Worker: a sensitive Terraform output, read from the deployment's state (never logged)."""
    from dtwin_gui.iac.state import read_state

    snapshot = read_state(DeploymentWorkspace(root, target.name).terraform_dir)
    if name not in snapshot.outputs:
        raise LookupError(f"the output {name} is not in the Terraform state; deploy again")
    return snapshot.outputs[name]


#: The Outputs tab of a deployment with layers but no Terraform outputs: its clouds were
#: provisioned on the sandbox's emulators (all-Azure), which Terraform did not make.
NO_OUTPUTS_PROVISIONED = (
    "No Terraform outputs: this deployment's layers were provisioned on the sandbox's "
    "emulators, not made by Terraform. The tree above lists what was made."
)


def outputs_note(report) -> str:
    """What the empty Outputs tab says for ``report``."""
    if report is None or report.outputs:
        return ""
    if any(layer.resources for layer in report.layers.values()):
        return NO_OUTPUTS_PROVISIONED
    return "No outputs: nothing is deployed."


class StatusPage(QWidget):
    """Status browser of the deployment of the open project to the chosen target."""

    #: A refresh finished (the StatusReport shown).
    refreshed = Signal(object)
    #: A test message was traced (the TraceResult).
    traced = Signal(object)
    #: The chart got new values (the series).
    values_updated = Signal(object)
    #: The user wants to deploy again (resources of the twin are missing in the cloud).
    deploy_requested = Signal()
    #: Opens console links (the desktop's opener when None; replaceable in tests).
    launcher = None
    console_failure = None

    def __init__(
        self,
        session: ProjectSession,
        runner: TaskRunner,
        choice: TargetChoice,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._session, self._runner, self._choice = session, runner, choice
        self._target = None
        self._saved_at: datetime | None = None
        self._refreshing = self._polling = self._tracing = False
        self._secret_pending: set[str] = set()
        self._report = None  # the StatusReport shown
        self._refresh_key: tuple | None = None
        self._build()
        self.record = RecordWatcher(session, choice, runner, read=False, parent=self)
        self.record.reset.connect(self._forget)
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(REFRESH_MS)
        self.refresh_timer.timeout.connect(self.refresh)
        self.chart_timer = QTimer(self)
        self.chart_timer.setInterval(CHART_MS)
        self.chart_timer.timeout.connect(self.poll_values)
        session.changed.connect(self._project_changed)
        choice.changed.connect(self._target_changed)
        self._project_changed()

    # --- layout ----------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 12, 20, 12)
        layout.setSpacing(8)
        title_row = QHBoxLayout()
        title = QLabel("Status")
        title.setProperty("role", "page-title")
        self.subtitle = QLabel()
        self.subtitle.setProperty("role", "muted")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Probe every layer now")
        self.refresh_button.clicked.connect(self.refresh)
        title_row.addWidget(title)
        title_row.addSpacing(12)
        title_row.addWidget(self.subtitle, 1, Qt.AlignmentFlag.AlignBottom)
        self.deploy_button = QPushButton("Deploy…")
        self.deploy_button.setToolTip("Go to the Deploy step to recreate what is missing")
        self.deploy_button.clicked.connect(self.deploy_requested)
        self.deploy_button.hide()
        title_row.addWidget(self.deploy_button)
        self.rotation = GlueRotation(self, self._session, self._runner, self._choice)
        title_row.addWidget(self.rotation.button)
        title_row.addWidget(self.refresh_button)
        layout.addLayout(title_row)
        self.banner = Banner()
        layout.addWidget(self.banner)
        self.tree = LayerStatusTree()
        self.tree.console_requested.connect(self.open_console)
        self.tabs = QTabWidget()
        self.outputs = OutputsTable()
        self.outputs.reveal_requested.connect(self._fetch_secret)
        self.outputs.copied.connect(self._copied)
        self.trace = TraceView()
        self.trace.send_requested.connect(self.send_test_telemetry)
        self.chart = HotChart()
        self.hops = HopHealthView()
        self.logs = FunctionLogsView()
        self.logs.runner = self._runner
        self.logs.reader = lambda function, since: self._target_then(
            lambda target: _read_logs(self._session.root, target, function, since)
        )
        self.logs.trace_clicked.connect(self._trace_clicked)
        self._last_trace = ""
        self.tabs.addTab(self.chart, "Live values")
        self.tabs.addTab(self.trace, "Test telemetry")
        self.tabs.addTab(self.hops, "Cross-cloud hops")
        self.tabs.addTab(self.logs, "Function logs")
        self.tabs.addTab(self.outputs, "Outputs")
        self.splitter = splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.tree)
        splitter.addWidget(self.tabs)
        splitter.setSizes([330, 330])
        splitter.setChildrenCollapsible(False)
        layout.addWidget(splitter, 1)
        self.tabs.currentChanged.connect(self._make_room)

    #: The least the layer tree keeps when a tab needs more room (a few rows, and the
    #: splitter to drag it back).
    TREE_KEEPS = 90

    def _make_room(self, _index: int = -1) -> None:
        """The hops' tab shows the diagram and every hop's row at once: when the tabs are
        shorter than that, the layer tree above gives up the difference (down to
        :attr:`TREE_KEEPS`)."""
        if self.tabs.currentWidget() is not self.hops:
            return
        needed = self.hops.minimumSizeHint().height() + self.tabs.tabBar().sizeHint().height() + 8
        tree, tabs = self.splitter.sizes()
        if tabs < needed and tree > self.TREE_KEEPS:
            give = min(needed - tabs, tree - self.TREE_KEEPS)
            self.splitter.setSizes([tree - give, tabs + give])

    def open_console(self, url: str) -> None:
        """Open a console link; with no browser to start, say so and copy the link."""
        if (self.launcher or desktop_launcher)(QUrl(url)):
            return
        QGuiApplication.clipboard().setText(url)
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "Could not open the link",
            f"No web browser could be started for {url}. The link is on the clipboard: "
            "paste it into your browser.",
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.show()
        self.console_failure = box

    # --- visibility: timers run only while shown ------------------------------------------------
    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh_timer.start()
        self.chart_timer.start()
        if self._session.root is not None:
            self.refresh()
            self.poll_values()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.refresh_timer.stop()
        self.chart_timer.stop()

    # --- last known state ------------------------------------------------------------------------
    def restore_last(self) -> bool:
        """Show the saved status of this project and target at once; False when none."""
        from dtwin_gui.deploy.last_status import load_last_status

        root = self._session.root
        if root is None:
            self.tree.set_report(None)
            return False
        saved = load_last_status(DeploymentWorkspace(root, self._choice.mode))
        if saved is None:
            self.tree.set_report(None)
            self.outputs.set_outputs({})
            self.outputs.set_empty_text("")
            self._saved_at = self._report = None
            self._update_subtitle()
            return False
        self._show_report(saved.report, saved.saved_at, self._target)
        return True

    def _show_report(self, report, saved_at: datetime, target, sensitive=()) -> None:
        self._saved_at = saved_at
        self._report = report
        self.tree.set_report(report, target)
        self.outputs.set_outputs(report.outputs or {}, sensitive)
        self.outputs.set_empty_text(outputs_note(report))
        self._update_subtitle()
        self._show_missing(report)

    def _show_hops(self, hops, error: str = "") -> None:
        project = self._session.project
        providers = project.choices() if project else {}
        self.hops.show_hops(providers, self._session.topology, hops, error)
        self._make_room()

    def _show_missing(self, report) -> None:
        """Resources the cloud no longer has: say which layers, offer Deploy."""
        incomplete = report is not None and getattr(report, "incomplete", False)
        self.deploy_button.setVisible(incomplete)
        if not incomplete:
            if self.banner.text().startswith(MISSING_NOTE):
                self.banner.clear()
            return
        parts = [
            f"{layer}: {status.summary}"
            for layer, status in report.layers.items()
            if status.state == "partial"
        ]
        if report.missing_setup:
            parts.append(f"setup: {len(report.missing_setup)} of {len(report.setup)} missing")
        self.banner.show_message(
            "error",
            MISSING_NOTE + "; ".join(parts) + ". The list per layer is below. "
            "Deploy again to recreate them (Deploy…).",
        )

    def _update_subtitle(self) -> None:
        parts = [self._choice.label]
        if self._saved_at is not None:
            parts.append(f"as of {self._saved_at.astimezone().strftime('%H:%M')}")
            if self._report is not None and self._report.empty:
                parts.append("nothing deployed")
        elif not self._refreshing:
            parts.append("no status yet")
        if self._refreshing:
            parts.append("refreshing…")
        self.subtitle.setText(" · ".join(p for p in parts if p))

    def subtitle_note(self, text: str) -> None:
        self._update_subtitle()
        self.subtitle.setText(f"{self.subtitle.text()} · {text}")

    def _copied(self, name: str) -> None:
        self.subtitle_note(f"{name} copied")

    def _project_changed(self) -> None:
        project = self._session.project
        self.trace.set_devices(project.device_ids if project else [])
        topology = self._session.topology
        self.logs.set_functions([f.name for f in topology.functions] if topology else [])
        self._show_hops(None)
        self.restore_last()

    def _forget(self) -> None:
        """Another project or target: nothing shown belongs to it any more."""
        self.banner.clear()
        self.chart.set_series({}, minutes=CHART_MINUTES)
        self.chart.set_status("")
        self.trace.clear_result()
        self._show_hops(None)
        self._secret_pending.clear()
        self._report = self._saved_at = None
        self.tree.set_report(None)
        self.outputs.set_outputs({})
        self.outputs.set_empty_text("")
        self.deploy_button.hide()
        self._update_subtitle()

    def _target_changed(self) -> None:
        self._target = None
        self.restore_last()
        if self.isVisible():
            self.refresh()

    # --- refresh ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Probe the deployment on a worker and show (and save) the result."""
        root = self._session.root
        if root is None or self._refreshing:
            return
        self._refreshing = True
        self._refresh_key = self.record.current_key()
        self.refresh_button.setEnabled(False)
        self._update_subtitle()
        make = self._choice.make_target
        self._runner.start(
            lambda: _refresh_status(root, make),
            name="status-refresh",
            on_result=self._refreshed,
            on_error=self._refresh_failed,
            on_finished=self._refresh_finished,
        )

    def _refreshed(self, value) -> None:
        if self._refresh_key != self.record.current_key():
            return  # of a project or target no longer open; _refresh_finished asks again
        target, saved, sensitive, (hops, hops_error) = value
        self._target = target
        self.banner.clear()
        self._refreshing = False
        self._show_report(saved.report, saved.saved_at, target, sensitive)
        self._show_hops(hops, hops_error)
        self.refreshed.emit(saved.report)

    def _refresh_failed(self, failure: TaskFailure) -> None:
        if self._refresh_key != self.record.current_key():
            return
        self.banner.show_message(
            "error",
            f"The status could not be read: {failure.message}. Check that "
            f"{self._choice.label or 'the target'} is reachable and your credentials are "
            "valid, then press Refresh.",
        )

    def _refresh_finished(self) -> None:
        self._refreshing = False
        self.refresh_button.setEnabled(True)
        self._update_subtitle()
        if self._refresh_key != self.record.current_key() and self.isVisible():
            self.refresh()  # the answer was for the previous project or target

    def _target_then(self, fn):
        """``fn(target)`` on a worker, making the target first when not known yet."""
        known, make = self._target, self._choice.make_target
        return lambda: fn(known or make())

    # --- test telemetry -------------------------------------------------------------------------
    def send_test_telemetry(self, device_id: str | None = None) -> None:
        """Send one message for ``device_id`` (default: the first device) and trace it."""
        from dtwin_gui.deploy.cloud_parts import trace_telemetry

        project, root = self._session.project, self._session.root
        if project is None or self._tracing:
            return
        self._tracing = True
        self.trace.show_running(device_id or (project.device_ids or ["?"])[0])

        def run(target):
            outputs = DeploymentWorkspace(root, target.name).read_json(
                DeploymentWorkspace(root, target.name).outputs_file, {}
            )
            return trace_telemetry(project, target, outputs, device_id=device_id)

        self._runner.start(
            self._target_then(run),
            name="trace-telemetry",
            on_result=self._traced,
            on_error=self._trace_failed,
            on_finished=self._trace_finished,
        )

    def _trace_failed(self, failure: TaskFailure) -> None:
        self.trace.show_error(
            f"The test message could not be sent: {failure.message}. Check that the twin is "
            "deployed (Deploy page) and try again."
        )

    def _trace_clicked(self, trace_id: str) -> None:
        """A record's trace id in the logs: the traced test message's is shown hop by hop."""
        if trace_id and trace_id == self._last_trace:
            self.tabs.setCurrentWidget(self.trace)

    def _traced(self, result) -> None:
        self._last_trace = result.trace_id
        self.trace.show_result(result)
        self.traced.emit(result)
        self.poll_values()

    def _trace_finished(self) -> None:
        self._tracing = False
        self.trace.send.setEnabled(True)

    # --- live values -----------------------------------------------------------------------------
    def poll_values(self) -> None:
        """Read recent hot-store values on a worker and redraw the chart."""
        from dtwin_gui.deploy.hot_values import recent_values

        project, root = self._session.project, self._session.root
        if project is None or self._polling:
            return
        self._polling = True

        def run(target):
            workspace = DeploymentWorkspace(root, target.name)
            outputs = workspace.read_json(workspace.outputs_file, {})
            return target, recent_values(target, outputs, project, minutes=CHART_MINUTES)

        self._runner.start(
            self._target_then(run),
            name="hot-values",
            on_result=self._values,
            on_error=self._values_failed,
            on_finished=self._poll_finished,
        )

    def _values_failed(self, failure: TaskFailure) -> None:
        self.chart.set_status(f"Live values unavailable: {failure.message}")

    def _values(self, value) -> None:
        target, series = value
        self._target = self._target or target
        self.chart.set_series(series, minutes=CHART_MINUTES)
        self.chart.set_status(f"updated {datetime.now().strftime('%H:%M:%S')}")
        self.values_updated.emit(series)

    def _poll_finished(self) -> None:
        self._polling = False

    # --- secrets ---------------------------------------------------------------------------------
    def _fetch_secret(self, name: str) -> None:
        root = self._session.root
        if root is None:
            return
        self._secret_pending.add(name)
        self._runner.start(
            self._target_then(lambda target: (name, _secret_output(root, target, name))),
            name="secret-output",
            on_result=self._secret_fetched,
            on_error=self._secret_failed,
        )

    def _secret_fetched(self, value) -> None:
        name, secret = value
        self._secret_pending.discard(name)
        self.outputs.set_secret_value(name, secret)

    def _secret_failed(self, failure: TaskFailure) -> None:
        for name in sorted(self._secret_pending):
            self.outputs.secret_failed(name)
        names = ", ".join(sorted(self._secret_pending)) or "a secret output"
        self._secret_pending.clear()
        self.banner.show_message(
            "error", f"The secret output {names} could not be read: {failure.message}."
        )
