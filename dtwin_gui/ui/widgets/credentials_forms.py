"""Small building blocks of the Credentials page: secret fields, the check result box."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFrame, QLabel, QLineEdit, QVBoxLayout

from dtwin_gui.credentials import CheckResult

AWS_REGIONS = (
    "us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-west-2", "eu-central-1",
    "eu-north-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "ca-central-1",
)  # fmt: skip
AZURE_REGIONS = ("westeurope", "northeurope", "eastus", "eastus2", "westus2", "uksouth")
GOOGLE_REGIONS = ("europe-west1", "europe-west3", "us-central1", "us-east1", "asia-east1")


def region_box(regions: tuple[str, ...], current: str) -> QComboBox:
    """An editable region picker (any region can be typed)."""
    box = QComboBox()
    box.setEditable(True)
    box.addItems(list(regions))
    box.setCurrentText(current)
    return box


class SecretField(QLineEdit):
    """A password field that never shows what is stored, only that something is."""

    def __init__(self, placeholder: str, parent=None) -> None:
        super().__init__(parent)
        self.setEchoMode(QLineEdit.EchoMode.Password)
        self._empty_hint = placeholder
        self.setPlaceholderText(placeholder)

    def set_stored(self, stored: bool, where: str) -> None:
        self.setPlaceholderText(f"stored {where} — type to replace" if stored else self._empty_hint)


class CheckResultBox(QFrame):
    """Who you are (label: value lines) or why the check failed, in plain sentences."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setProperty("role", "panel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)
        layout.addWidget(self.details)
        self.hide()

    def show_busy(self, text: str) -> None:
        self._set(text, "muted", "")

    def show_result(self, result: CheckResult) -> None:
        lines = "\n".join(f"{label}: {value}" for label, value in result.facts)
        if result.ok:
            self._set("✔ Credentials work", "ok", lines)
        else:
            self._set(f"✖ {result.message}", "field-error", lines)

    def show_error(self, text: str) -> None:
        self._set(f"✖ {text}", "field-error", "")

    def _set(self, status: str, role: str, details: str) -> None:
        self.status.setText(status)
        self.status.setProperty("role", role)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.details.setText(details)
        self.details.setVisible(bool(details))
        self.show()

    def text(self) -> str:
        return f"{self.status.text()}\n{self.details.text()}".strip()
