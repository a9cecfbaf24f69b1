"""The top of the Deploy page: the headline with its stage strip, and how the run ended.

:class:`OutcomePanel` says what failed (phase, resource), why (message, diagnostics) and
what to do (the hint, and buttons to retry, destroy or open the run's logs).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dtwin_gui.deploy.run_model import RunModel
from dtwin_gui.ui.fix_place import GO_TO
from dtwin_gui.ui.widgets.stage_strip import StageStrip
from dtwin_gui.ui.widgets.status_tree import short_name


def describe_failure(run: RunModel, kind: str, status: str, message: str) -> tuple[str, str]:
    """``(what, why)`` of a run that did not succeed: the stage and resources that failed,
    then the run's message, the resources' errors and the error diagnostics."""
    stage = run.failed_stage or next((s for s in run.stages if s.state == "cancelled"), None)
    during = f" during {stage.label}" if stage else ""
    failed = run.failed_resources()
    if status == "cancelled":
        what = f"The {kind} was stopped{during}"
    else:
        what = f"The {kind} failed{during}"
        if failed:
            what += ": " + ", ".join(short_name(r.address) for r in failed[:3])
    reasons = [message] if message else []
    for row in failed[:3]:
        if row.error and row.error not in reasons:
            reasons.append(f"{short_name(row.address)}: {row.error}")
    for diagnostic in run.errors()[:3]:
        if any(diagnostic.summary in reason for reason in reasons):
            continue
        detail = diagnostic.detail.strip()
        reasons.append(diagnostic.summary + (f" — {detail.splitlines()[0]}" if detail else ""))
    return what, "\n".join(reasons)


class RunHeadline(QWidget):
    """ "L2 · 12 of 37 done · 3 in progress · 04:12" over the stage strip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.label = QLabel("No run yet")
        self.label.setProperty("role", "section")
        self.stages = StageStrip()
        layout.addWidget(self.label)
        layout.addWidget(self.stages)

    def show_run(self, run: RunModel, now: float | None) -> None:
        self.label.setText(run.headline(now))
        self.stages.show_stages(run.stages, run.now(now))

    def show_nothing(self, text: str = "No run yet") -> None:
        """No run to show (e.g. a project that was never deployed to this target)."""
        self.label.setText(text)
        self.stages.show_stages([], 0.0)


class OutcomePanel(QFrame):
    """Hidden while a run is going; after it, success with next steps or the failure."""

    retry = Signal()
    destroy = Signal()
    open_logs = Signal()
    browse = Signal()
    #: The fix is on another page ("layers" or "twin"), so no Retry is offered.
    fix = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "banner")
        self.setProperty("kind", "error")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(4)
        self.title = QLabel()
        self.title.setProperty("role", "section")
        self.title.setWordWrap(True)
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.reason.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QHBoxLayout()
        self.retry_button = QPushButton("Retry")
        self.retry_button.setProperty("primary", True)
        self.destroy_button = QPushButton("Destroy…")
        self.destroy_button.setToolTip("Remove what this twin has in the cloud (you review it)")
        self.logs_button = QPushButton("Open logs")
        self.logs_button.setToolTip("Show the run's event log in its folder")
        self.browse_button = QPushButton("Browse the twin")
        self.browse_button.setProperty("primary", True)
        self.fix_button = QPushButton("Go to Twin")
        self.fix_button.setProperty("primary", True)
        self.fix_button.clicked.connect(lambda: self.fix.emit(self._fix_place or ""))
        self.fix_button.hide()
        self._fix_place: str | None = None
        buttons.addWidget(self.fix_button)
        for button, signal in (
            (self.retry_button, self.retry),
            (self.destroy_button, self.destroy),
            (self.logs_button, self.open_logs),
            (self.browse_button, self.browse),
        ):
            button.clicked.connect(signal.emit)
            buttons.addWidget(button)
        buttons.addStretch(1)
        for widget in (self.title, self.reason, self.hint):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        self.hide()

    def _kind(self, kind: str) -> None:
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)

    def show_success(self, kind: str, message: str) -> None:
        self._kind("ok")
        titles = {"deploy": "✔ The twin is deployed.", "destroy": "✔ The twin is destroyed."}
        self.title.setText(titles.get(kind, f"✔ {message or 'Done.'}"))
        self.reason.setText(message if kind == "deploy" else "")
        self.reason.setVisible(kind == "deploy" and bool(message))
        hints = {
            "deploy": "Browse its status layer by layer, or send test telemetry.",
            "destroy": "Nothing deployed from this project is left on this target.",
        }
        self.hint.setText(hints.get(kind, ""))
        self.hint.setVisible(kind in hints)
        self.browse_button.setVisible(kind == "deploy")
        self.retry_button.hide()
        self.destroy_button.hide()
        self.fix_button.hide()
        self.show()

    def show_failure(
        self,
        *,
        what: str,
        why: str,
        hint: str,
        cancelled: bool = False,
        can_destroy: bool = True,
        has_log: bool = True,
        fix_place: str | None = None,
    ) -> None:
        """``what`` failed (phase, resource), ``why`` (message, diagnostics), ``hint``;
        with ``fix_place`` a "Go to …" button instead of Retry."""
        self._kind("info" if cancelled else "error")
        self.title.setText(("■ " if cancelled else "✖ ") + what)
        self.reason.setText(why)
        self.reason.setVisible(bool(why))
        self.hint.setText(f"What to do: {hint}" if hint else "")
        self.hint.setVisible(bool(hint))
        self.retry_button.setText("Run again" if cancelled else "Retry")
        self.retry_button.setVisible(fix_place is None)
        self._fix_place = fix_place
        self.fix_button.setVisible(fix_place is not None)
        self.fix_button.setText(GO_TO.get(fix_place or "", ""))
        self.destroy_button.setVisible(can_destroy)
        self.logs_button.setEnabled(has_log)
        self.browse_button.hide()
        self.show()

    def show_outcome(
        self,
        run: RunModel,
        kind: str,
        status: str,
        message: str,
        hint: str,
        *,
        has_log: bool,
        fix_place: str | None = None,
    ) -> None:
        """Show how ``run`` ended (``status``: succeeded | failed | cancelled)."""
        if status == "succeeded":
            self.show_success(kind, message)
            return
        what, why = describe_failure(run, kind, status, message)
        cancelled = status == "cancelled"
        default = "run again to continue" if cancelled else "open the logs; retrying is safe"
        self.show_failure(
            what=what,
            why=why,
            hint=hint or default,
            cancelled=cancelled,
            has_log=has_log,
            fix_place=None if cancelled else fix_place,
        )
