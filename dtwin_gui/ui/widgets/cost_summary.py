"""The Layers page's cost panel: this choice's monthly total, the cheapest, the usage it is
based on and the price table's date, with the Usage… and Refresh prices… buttons."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout


def _small(muted: bool = True, wrap: bool = True) -> QLabel:
    label = QLabel()
    label.setWordWrap(wrap)
    label.setStyleSheet("font-size: 8.5pt;")
    if muted:
        label.setProperty("role", "muted")
    return label


class CostSummary(QFrame):
    """Shows what :class:`~dtwin_gui.ui.pages.layers_cost.LayersCost` computed."""

    usage_requested = Signal()
    refresh_requested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setProperty("role", "panel")
        self.setAccessibleName("Monthly cost estimate")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 5, 8, 6)
        layout.setSpacing(1)
        head = QHBoxLayout()
        caption = QLabel("Monthly cost")
        caption.setProperty("role", "muted")
        caption.setStyleSheet("font-weight: bold;")
        self.total = QLabel("—")
        self.total.setStyleSheet("font-size: 12pt; font-weight: bold;")
        self.total.setAccessibleName("Total of this choice")
        head.addWidget(caption)
        head.addStretch(1)
        head.addWidget(self.total)
        layout.addLayout(head)
        #: Layers + glue of this choice; then the cheapest choice's total.
        self.detail = _small()
        self.cheapest = _small(muted=False)
        layout.addWidget(self.detail)
        layout.addWidget(self.cheapest)
        #: The usage basis, and the price table's date at the right of the same line.
        self.basis = _small()
        self.prices = _small(wrap=False)
        basis_row = QHBoxLayout()
        basis_row.setSpacing(6)
        basis_row.addWidget(self.basis, 1)
        basis_row.addWidget(self.prices)
        layout.addLayout(basis_row)
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        buttons.setContentsMargins(0, 3, 0, 0)
        self.usage_button = QPushButton("Usage…")
        self.usage_button.setToolTip("Edit the numbers the estimate is based on")
        self.refresh_button = QPushButton("Refresh prices…")
        self.refresh_button.setToolTip(
            "Pull current list prices from the clouds' public price endpoints (online)"
        )
        for button in (self.usage_button, self.refresh_button):
            button.setStyleSheet("QPushButton { padding: 2px 8px; min-height: 16px; }")
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.usage_button.clicked.connect(self.usage_requested)
        self.refresh_button.clicked.connect(self.refresh_requested)
        layout.addLayout(buttons)

    def show_estimate(
        self, total: str, detail: str, cheapest: str, basis: str, prices: str, tips: dict
    ) -> None:
        """Show the texts; ``tips`` gives the tooltips by name (total, detail, ...)."""
        self.total.setText(total)
        self.detail.setText(detail)
        self.cheapest.setText(cheapest)
        self.basis.setText(basis)
        self.prices.setText(prices)
        for name, label in (
            ("total", self.total),
            ("detail", self.detail),
            ("cheapest", self.cheapest),
            ("basis", self.basis),
            ("prices", self.prices),
        ):
            label.setToolTip(tips.get(name, ""))

    def set_cheapest(self, text: str, tip: str = "") -> None:
        self.cheapest.setText(text)
        self.cheapest.setToolTip(tip)
