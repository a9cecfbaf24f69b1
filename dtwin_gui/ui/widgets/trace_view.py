"""Send one test message and show how far it got, hop by hop through the layers."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dtwin_gui.deploy.trace import FAILED, OK, SKIPPED, WAITING, TraceResult
from dtwin_gui.ui import theme

_MARKS = {OK: "✔", FAILED: "✖", WAITING: "…", SKIPPED: "–"}


def _color(state: str) -> str:
    return {OK: theme.OK, FAILED: theme.ERROR}.get(state, theme.MUTED)


class TraceView(QWidget):
    """Device picker, a Send button and the hops of the last test message."""

    #: The user asked to send a test message for this device.
    send_requested = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("Device"))
        self.device = QComboBox()
        self.device.setMinimumWidth(200)
        row.addWidget(self.device)
        self.send = QPushButton("Send test telemetry")
        self.send.setToolTip(
            "Publish one message as the device would and follow it through the layers"
        )
        self.send.clicked.connect(self._send)
        row.addWidget(self.send)
        row.addStretch(1)
        layout.addLayout(row)
        self.summary = QLabel("Send a test message to see it travel through the twin.")
        self.summary.setProperty("role", "muted")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.hops = QTreeWidget()
        self.hops.setRootIsDecorated(False)
        self.hops.setHeaderLabels(["Layer", "Step", "State", "After", "Detail"])
        header = self.hops.header()
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.hops.setColumnWidth(0, 90)
        self.hops.setColumnWidth(1, 260)
        self.hops.setColumnWidth(2, 90)
        self.hops.setColumnWidth(3, 60)
        layout.addWidget(self.hops, 1)
        self.result: TraceResult | None = None

    def set_devices(self, device_ids: list[str]) -> None:
        current = self.device.currentText()
        self.device.clear()
        self.device.addItems(device_ids)
        if current in device_ids:
            self.device.setCurrentText(current)
        self.send.setEnabled(bool(device_ids))

    def _send(self) -> None:
        if self.device.currentText():
            self.send_requested.emit(self.device.currentText())

    def show_running(self, device_id: str) -> None:
        if self.device.findText(device_id) >= 0:
            self.device.setCurrentText(device_id)
        self.send.setEnabled(False)
        self.summary.setText(f"Sending a test message for {device_id} and following it…")
        self.summary.setProperty("role", "muted")
        self._repolish()

    def show_result(self, result: TraceResult) -> None:
        self.result = result
        self.send.setEnabled(True)
        self.hops.clear()
        for hop in result.hops:
            item = QTreeWidgetItem(
                [
                    hop.layer,
                    hop.title,
                    f"{_MARKS.get(hop.state, '')} {hop.state}",
                    f"{hop.elapsed:.1f} s" if hop.state in (OK, FAILED) else "",
                    hop.detail,
                ]
            )
            item.setForeground(2, QBrush(QColor(_color(hop.state))))
            item.setToolTip(4, hop.detail)
            self.hops.addTopLevelItem(item)
        where = f"{result.device_id}, trace {result.trace_id[:8]}, sent {result.timestamp}"
        if not result.traced:
            why = result.hops[0].detail if result.hops else "no layer to follow"
            self.summary.setText(f"The message could not be followed: {why}.")
            self.summary.setProperty("role", "muted")
        elif result.ok:
            self.summary.setText(f"The message reached every layer it can reach now ({where}).")
            self.summary.setProperty("role", "ok")
        else:
            failed = next((h for h in result.hops if h.state == FAILED), None)
            step = failed.title.lower() if failed else "a step"
            self.summary.setText(f"The message stopped at {step} ({where}).")
            self.summary.setProperty("role", "field-error")
        self._repolish()

    def clear_result(self) -> None:
        """Forget the last message traced (e.g. it was another project's)."""
        self.result = None
        self.hops.clear()
        self.summary.setText("Send a test message to see it travel through the twin.")
        self.summary.setProperty("role", "muted")
        self._repolish()

    def show_error(self, text: str) -> None:
        self.send.setEnabled(True)
        self.summary.setText(text)
        self.summary.setProperty("role", "field-error")
        self._repolish()

    def _repolish(self) -> None:
        self.summary.style().unpolish(self.summary)
        self.summary.style().polish(self.summary)

    def hop_states(self) -> dict[str, str]:
        return {h.layer: h.state for h in self.result.hops} if self.result else {}
