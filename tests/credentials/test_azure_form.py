"""The Credentials page's Azure form (pytest-qt, offscreen): modes, the secret kept in the
secret store only, the check on a worker, the permission table and the custom role JSON.

The permission preflight runs over recorded ARM responses (see test_azure_permissions: no
emulator exists for Azure Resource Manager); the sign-in is aimed at a closed port.
"""

from __future__ import annotations

import json

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from dtwin_gui.clouds.azure import preflight
from dtwin_gui.credentials import CheckResult
from dtwin_gui.credentials.secrets import SecretStore
from dtwin_gui.credentials.store import AzureChoice
from dtwin_gui.ui.widgets import credentials_clouds
from dtwin_gui.ui.widgets.credentials_clouds import AzureCredentialsPanel
from dtwin_gui.ui.workers import TaskRunner

from .test_azure_permissions import (
    CUSTOM,
    SUB,
    TokenCredential,
    _assignment,
    _definition,
    _transport,
)

pytestmark = pytest.mark.gui
WAIT_MS = 20_000
TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT = "66666666-7777-8888-9999-000000000000"
SECRET = "typed-azure-secret"


@pytest.fixture(autouse=True)
def no_keyring():
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def panel(qtbot):
    runner = TaskRunner()
    choice = AzureChoice(subscription_id=SUB)
    made = AzureCredentialsPanel(
        choice, SecretStore(), runner, lambda: ["L3_hot"], lambda: "factory-twin"
    )
    qtbot.addWidget(made)
    made.resize(900, 800)
    made.show()
    yield made
    runner.shutdown()


def _click(qtbot, button):
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_modes_show_their_fields_and_the_secret_stays_out_of_the_choice(panel, qtbot):
    assert set(panel.mode_buttons) == {"cli", "principal", "msi"}
    assert not panel.secret.isVisible() and not panel.tenant.isVisible()
    panel.mode_buttons["msi"].setChecked(True)
    assert panel.choice.mode == "msi"
    assert panel.client.isVisible() and not panel.secret.isVisible()
    panel.mode_buttons["principal"].setChecked(True)
    assert panel.tenant.isVisible() and panel.secret.isVisible()
    panel.secret.setText(SECRET)
    panel._store_secret()
    assert panel._secrets.get("azure/client_secret") == SECRET
    assert panel.secret.text() == ""
    assert SECRET not in panel.choice.model_dump_json()


def test_a_failed_sign_in_shows_a_sentence_and_no_table(panel, qtbot, monkeypatch):
    real = preflight.check_azure
    monkeypatch.setattr(
        credentials_clouds,
        "check_azure",
        lambda choice, secrets, **kw: real(choice, secrets, authority="127.0.0.1:1", **kw),
    )
    panel.mode_buttons["principal"].setChecked(True)
    panel.tenant.setText(TENANT)
    panel.client.setText(CLIENT)
    panel.secret.setText(SECRET)
    _click(qtbot, panel.check_button)
    qtbot.waitUntil(lambda: panel.last_result is not None, timeout=WAIT_MS)
    assert not panel.last_result.ok
    assert "Could not reach Microsoft Entra ID" in panel.result.text()
    assert not panel.permissions.isVisible() and not panel.copy_button.isVisible()


def test_permission_table_and_the_custom_role_for_what_is_missing(panel, qtbot, monkeypatch):
    transport, _ = _transport(
        [_assignment("a1", f"/subscriptions/{SUB}", CUSTOM)],
        [_definition(CUSTOM, "cosmos only", [{"actions": ["Microsoft.DocumentDB/*"]}])],
    )
    asked = {}

    def check(choice, secrets, *, layers=None, twin_name=None):
        asked["layers"], asked["twin"] = layers, twin_name
        report = preflight.permission_report(
            TokenCredential(), SUB, layers=layers, transport=transport
        )
        return CheckResult("azure", True, [("Subscription", SUB)], preflight=report)

    monkeypatch.setattr(credentials_clouds, "check_azure", check)
    _click(qtbot, panel.check_button)
    qtbot.waitUntil(lambda: panel.last_result is not None, timeout=WAIT_MS)
    assert asked["layers"] == ["L3_hot"]
    assert asked["twin"] == "factory-twin"  # decided at the twin's resource group
    assert panel.permissions.isVisible()
    assert panel.permissions.groups() == ["setup", "L3_hot"]
    assert "Cosmos DB" in panel.permissions.topLevelItem(1).text(0)
    assert panel.permissions.decision("L3_hot", "Microsoft.DocumentDB/databaseAccounts/write") == (
        "✔ allowed"
    )
    metadata = "data:Microsoft.DocumentDB/databaseAccounts/readMetadata"
    assert panel.permissions.decision("L3_hot", metadata) == "✖ denied"
    assert "permissions are missing" in panel.permissions_note.text()
    assert panel.copy_button.isVisible() and "missing" in panel.copy_button.text()
    _click(qtbot, panel.copy_button)
    role = json.loads(QApplication.clipboard().text())
    assert "Microsoft.DocumentDB/databaseAccounts/readMetadata" in role["DataActions"]
    assert "Microsoft.DocumentDB/databaseAccounts/write" not in role["Actions"]
    assert "Microsoft.Web/sites/write" in role["Actions"]
    assert role["AssignableScopes"] == [f"/subscriptions/{SUB}"]
