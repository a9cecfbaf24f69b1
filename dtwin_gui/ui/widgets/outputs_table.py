"""The deployment's outputs (endpoints, URLs, names); secret ones masked until revealed.

Secret rows show ``••••••`` with Reveal and Copy. A secret whose value the table does not
hold (a Terraform output marked sensitive) is fetched on demand: the table emits
:attr:`OutputsTable.reveal_requested` and the page answers with :meth:`set_secret_value`
(from a worker). Values stay in memory only; nothing here logs them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

MASK = "••••••"
#: Output names that hold secrets even when Terraform does not mark them sensitive.
SECRET_NAME = re.compile(
    r"(secret|password|passwd|token|api_?key|private_?key|credential|signing_key)", re.I
)


def is_secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name))


def format_value(value: object) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(", ", ": "))


class OutputsTable(QTableWidget):
    """Name, value, and Copy (plus Reveal for secrets) per output."""

    #: The value of a secret output is needed (reveal or copy): answer with set_secret_value.
    reveal_requested = Signal(str)
    #: A value was put on the clipboard (its name).
    copied = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(0, 3, parent)
        self.setHorizontalHeaderLabels(["Output", "Value", ""])
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self._values: dict[str, str | None] = {}
        self._secret: set[str] = set()
        self._revealed: set[str] = set()
        self._copy_when_known: set[str] = set()
        #: What the empty table says (painted over it), e.g. why a deployment has no outputs.
        self.empty_text = ""

    def set_empty_text(self, text: str) -> None:
        self.empty_text = text
        self.viewport().update()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self.rowCount() or not self.empty_text:
            return
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().placeholderText().color())
        area = self.viewport().rect().adjusted(24, 16, -24, -16)
        flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
        painter.drawText(area, int(flags), self.empty_text)
        painter.end()

    # --- content ---------------------------------------------------------------------------
    def set_outputs(self, outputs: dict, sensitive: Iterable[str] = ()) -> None:
        """Show ``outputs`` (public values) and the ``sensitive`` names (values unknown)."""
        self._values = {name: format_value(value) for name, value in sorted(outputs.items())}
        for name in sensitive:
            self._values.setdefault(name, None)
        self._secret = {n for n in self._values if n in set(sensitive) or is_secret_name(n)}
        self._revealed &= {n for n in self._secret if self._values.get(n) is not None}
        self._copy_when_known.clear()
        self.setRowCount(0)
        for row, name in enumerate(sorted(self._values)):
            self.insertRow(row)
            item = QTableWidgetItem(name)
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.setItem(row, 0, item)
            self.setItem(row, 1, QTableWidgetItem())
            box = self._buttons(name)
            self.setCellWidget(row, 2, box)
            # The row is as tall as its buttons: none is cut off at the bottom.
            self.setRowHeight(row, max(self.rowHeight(row), box.sizeHint().height() + 2))
            self._show_value(row, name)

    def _buttons(self, name: str) -> QWidget:
        box = QWidget()
        layout = QHBoxLayout(box)
        layout.setContentsMargins(2, 1, 2, 1)
        layout.setSpacing(4)
        # Compact buttons: the theme's padding is for dialogs, not table rows.
        box.setStyleSheet("QPushButton { padding: 2px 10px; min-height: 18px; }")
        layout.addStretch(1)  # buttons at their natural width, right-aligned
        if name in self._secret:
            reveal = QPushButton("Reveal")
            reveal.setObjectName(f"reveal:{name}")
            reveal.setCheckable(True)
            reveal.setToolTip("Show this secret value")
            reveal.toggled.connect(lambda on, n=name: self.reveal(n, on))
            layout.addWidget(reveal)
        copy = QPushButton("Copy")
        copy.setObjectName(f"copy:{name}")
        copy.setToolTip("Copy the value to the clipboard")
        copy.clicked.connect(lambda _=False, n=name: self.copy(n))
        layout.addWidget(copy)
        return box

    def _row(self, name: str) -> int:
        for row in range(self.rowCount()):
            if self.item(row, 0).data(Qt.ItemDataRole.UserRole) == name:
                return row
        return -1

    def _show_value(self, row: int, name: str) -> None:
        item = self.item(row, 1)
        value = self._values.get(name)
        if name in self._secret and name not in self._revealed:
            item.setText(MASK)
            item.setToolTip("secret: use Reveal to show it")
        elif value is None:
            item.setText("fetching…")
            item.setToolTip("")
        else:
            item.setText(value)
            item.setToolTip(value if name not in self._secret else "")

    # --- actions -----------------------------------------------------------------------------
    def reveal(self, name: str, on: bool = True) -> None:
        """Show (or hide again) a secret value, fetching it first when needed."""
        if on:
            self._revealed.add(name)
            if self._values.get(name) is None:
                self.reveal_requested.emit(name)
        else:
            self._revealed.discard(name)
        self._show_value(self._row(name), name)

    def copy(self, name: str) -> None:
        value = self._values.get(name)
        if value is None:
            self._copy_when_known.add(name)
            self.reveal_requested.emit(name)
            return
        QApplication.clipboard().setText(value)
        self.copied.emit(name)

    def set_secret_value(self, name: str, value: object) -> None:
        """The fetched value of a secret output (from a worker)."""
        if name not in self._values:
            return
        self._values[name] = format_value(value)
        row = self._row(name)
        if row >= 0:
            self._show_value(row, name)
        if name in self._copy_when_known:
            self._copy_when_known.discard(name)
            self.copy(name)

    def secret_failed(self, name: str) -> None:
        """Fetching failed: mask the value again (the page shows why)."""
        self._revealed.discard(name)
        self._copy_when_known.discard(name)
        box = self.cellWidget(self._row(name), 2)
        button = box.findChild(QPushButton, f"reveal:{name}") if box else None
        if button is not None:
            button.blockSignals(True)
            button.setChecked(False)
            button.blockSignals(False)
        row = self._row(name)
        if row >= 0:
            self._show_value(row, name)

    # --- queries -----------------------------------------------------------------------------
    def shown_value(self, name: str) -> str | None:
        row = self._row(name)
        return self.item(row, 1).text() if row >= 0 else None

    def is_secret(self, name: str) -> bool:
        return name in self._secret

    def button(self, kind: str, name: str) -> QPushButton | None:
        box = self.cellWidget(self._row(name), 2)
        return box.findChild(QPushButton, f"{kind}:{name}") if box else None
