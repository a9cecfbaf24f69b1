"""Ask before pulling current list prices: which endpoints, and Google's optional API key."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)


class RefreshPricesDialog(QDialog):
    """The Google key is optional; it is kept in the keyring only when asked, never in the
    project."""

    def __init__(self, table_date: str, *, key_stored: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Refresh prices")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        # wrapped labels get their full height (else the intro is cut)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        intro = QLabel(
            f"The estimate uses list prices of {table_date}. dtwin can pull current ones from "
            "the AWS Price List bulk files and the Azure Retail Prices API (public, no sign-in) "
            "and, with an API key, from Google's Cloud Billing Catalog. This needs the "
            "internet; the AWS files can be large, so it may take a minute. Nothing is sent "
            "about your project."
        )
        intro.setWordWrap(True)
        intro.setFixedWidth(500)
        layout.addWidget(intro)
        form = QFormLayout()
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText(
            "kept in the keyring (leave empty to use it)" if key_stored else "optional"
        )
        self.key.setAccessibleName("Google Cloud API key")
        form.addRow("Google Cloud API key:", self.key)
        self.remember = QCheckBox("Keep the key in the system keyring")
        self.remember.setChecked(key_stored)
        form.addRow("", self.remember)
        layout.addLayout(form)
        note = QLabel(
            "Without a key Google's prices stay as the table has them. The key is never "
            "written to the project, the log or the price table."
        )
        note.setWordWrap(True)
        note.setFixedWidth(500)
        note.setProperty("role", "muted")
        layout.addWidget(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.start = buttons.addButton("Refresh", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def typed_key(self) -> str:
        return self.key.text().strip()
