"""The usage numbers the cost estimate is based on: a compact form (Layers page)."""

from __future__ import annotations

from dataclasses import fields, replace

from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLayout,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from dtwin_gui.core.usage import LIMITS, USAGE, Usage, check_values

#: Where each number is saved, for the form's tooltips.
SAVED_IN = {"hot_days": "config.json", "cold_days": "config.json"}
HINTS = {
    "devices": "How many devices send telemetry.",
    "messages_per_device_per_minute": "How often each device sends (0.1 = every 10 minutes).",
    "payload_bytes": "The size of one telemetry message.",
    "hot_days": "Records older than this move from hot to cold storage.",
    "cold_days": "Objects older than this move from cold storage to the archive.",
    "archive_days": "How long the archive keeps an object.",
    "dashboard_users": "People who open the dashboards (each reads once a minute, 8 h a day).",
    "twin_entities": "Entities of the twin model (TwinMaker bills per entity).",
}


class UsageDialog(QDialog):
    """Edit :class:`~dtwin_gui.core.usage.Usage`; :meth:`usage` is the result."""

    def __init__(self, usage: Usage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Usage numbers for the cost estimate")
        layout = QVBoxLayout(self)
        # wrapped labels get their full height (else the intro is cut)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        intro = QLabel(
            f"The estimate prices one month (30 days) of these numbers. They are saved in the "
            f"project ({USAGE}; hot and cold retention in config.json, which the storage "
            "movers use)."
        )
        intro.setWordWrap(True)
        intro.setFixedWidth(340)
        intro.setProperty("role", "muted")
        layout.addWidget(intro)
        form = QFormLayout()
        form.setVerticalSpacing(4)
        self.fields: dict[str, QSpinBox | QDoubleSpinBox] = {}
        for f in fields(Usage):
            label, unit, low, high = LIMITS[f.name]
            value = getattr(usage, f.name)
            if f.name == "messages_per_device_per_minute":
                box: QSpinBox | QDoubleSpinBox = QDoubleSpinBox()
                box.setDecimals(3)
                box.setSingleStep(0.5)
            else:
                box = QSpinBox()
                box.setGroupSeparatorShown(True)
            box.setRange(low, high)
            box.setValue(value)
            box.setSuffix(f" {unit}" if unit else "")
            box.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)
            box.setToolTip(f"{HINTS[f.name]} Saved in {SAVED_IN.get(f.name, USAGE)}.")
            box.setAccessibleName(label)
            box.setMinimumWidth(130)
            box.valueChanged.connect(self._check)
            self.fields[f.name] = box
            form.addRow(f"{label}:", box)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setProperty("role", "field-error")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._base = usage
        self._check()

    def values(self) -> dict[str, float]:
        return {name: box.value() for name, box in self.fields.items()}

    def usage(self) -> Usage:
        """The numbers as the form shows them."""
        values = self.values()
        typed = {
            name: (float(v) if name == "messages_per_device_per_minute" else int(v))
            for name, v in values.items()
        }
        return replace(self._base, **typed)

    def _check(self) -> None:
        problems = check_values(self.usage().to_json())
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setEnabled(not problems)
        if problems:
            self.error.setText("; ".join(problems.values()))
            self.error.show()
        else:
            self.error.hide()
