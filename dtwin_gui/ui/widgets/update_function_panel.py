"""The "Update this function now" strip of a code card: offered after the file changed while
the twin is deployed, then the update's progress and its result (or a clear error).

It only shows and asks: ``update_requested`` fires on the button, the Code page's
:class:`~dtwin_gui.ui.pages.code_update.CodeUpdates` does the work on a worker.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

#: The phases of an update, as the strip names them.
PHASE_WORDS = {
    "build": "build",
    "upload": "upload",
    "record": "record in the state",
    "apply": "Terraform apply",
    "verify": "verify live code",
}
_MARKS = {"finished": "✔", "skipped": "–", "failed": "✖", "cancelled": "✖"}


def _restyle(label: QLabel, role: str) -> None:
    label.setProperty("role", role)
    label.style().unpolish(label)
    label.style().polish(label)


class UpdateFunctionPanel(QFrame):
    """What the card says about putting its code live without a full deploy."""

    update_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 2, 0, 2)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.button = QPushButton("Update this function now")
        self.button.setToolTip(
            "Build this function's package and put it live on the deployed twin in seconds "
            "(no full deploy); the next deploy shows no change for it"
        )
        self.button.clicked.connect(self.update_requested.emit)
        row.addWidget(self.text, 1)
        row.addWidget(self.button, 0, Qt.AlignmentFlag.AlignTop)
        self._phases: dict[str, str] = {}
        #: Every progress line of the current update, in order.
        self.progress: list[str] = []
        self.state = "hidden"
        self.hide()

    # --- states ----------------------------------------------------------------------------
    def offer(self, target_label: str) -> None:
        """The file changed and the twin is deployed: offer the update."""
        self.state = "offered"
        _restyle(self.text, "muted")
        self.text.setText(
            f"Changed since it was deployed — the twin on {target_label} still runs the "
            "previous code."
        )
        self._button("Update this function now", enabled=True)
        self.show()

    def withdraw(self) -> None:
        self.state = "hidden"
        self.hide()

    def start(self) -> None:
        self.state = "running"
        self._phases, self.progress = {}, []
        _restyle(self.text, "muted")
        self.text.setText("Updating… starting")
        self._button("Updating…", enabled=False)
        self.show()

    def phase(self, name: str, state: str, elapsed: float) -> None:
        """One phase event of the running update."""
        word = PHASE_WORDS.get(name, name)
        if state == "started":
            self._phases[word] = "…"
        elif state == "skipped":  # nothing to do there: not worth a word
            self._phases.pop(word, None)
        else:
            took = f" {elapsed:.1f} s" if state == "finished" and elapsed >= 0.1 else ""
            self._phases[word] = _MARKS.get(state, "?") + took
        steps = " · ".join(f"{w} {mark}" for w, mark in self._phases.items())
        self.progress.append(f"Updating… {steps}")
        self.text.setText(self.progress[-1])

    def succeeded(self, seconds: float, live_after: float | None, sha: str, live: str) -> None:
        self.state = "done"
        _restyle(self.text, "ok")
        when = f" (live after {live_after:.1f} s)" if live_after else ""
        self.text.setText(
            f"✔ Updated in {seconds:.1f} s{when}: {live} runs package {sha[:12]}, "
            "the live code hash verified."
        )
        self.button.hide()
        self.show()

    def failed(self, message: str, hint: str = "") -> None:
        self.state = "failed"
        _restyle(self.text, "field-error")
        self.text.setText(f"✖ {message}" + (f" — {hint}" if hint else ""))
        self._button("Try again", enabled=True)
        self.show()

    def busy_elsewhere(self, busy: bool) -> None:
        """Another card's update is running: one at a time."""
        if self.state in ("offered", "failed"):
            self.button.setEnabled(not busy)

    def _button(self, text: str, *, enabled: bool) -> None:
        self.button.setText(text)
        self.button.setEnabled(enabled)
        self.button.show()
