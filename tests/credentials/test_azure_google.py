"""Azure and Google checks: what can be told offline, and clear sentences for the rest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from dtwin_gui.clouds.azure import preflight as azure_check
from dtwin_gui.clouds.azure.preflight import SECRET_NAME, check_azure
from dtwin_gui.clouds.google.preflight import (
    KeyFileError,
    check_google,
    read_service_account,
)
from dtwin_gui.credentials.secrets import SecretStore
from dtwin_gui.credentials.store import AzureChoice, CredentialChoices, GoogleChoice, save_choices

TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT = "66666666-7777-8888-9999-000000000000"
#: Nothing listens on port 1: a "no network" that fails at once, with no mock.
CLOSED = "127.0.0.1:1"


@pytest.fixture(scope="module")
def private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture
def key_file(tmp_path: Path, private_key_pem: str) -> Path:
    path = tmp_path / "sa.json"
    info = {
        "type": "service_account",
        "project_id": "twin-project",
        "private_key_id": "abc",
        "private_key": private_key_pem,
        "client_email": "deployer@twin-project.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": f"http://{CLOSED}/token",
    }
    path.write_text(json.dumps(info), encoding="utf-8")
    return path


# --- Google --------------------------------------------------------------------------------
def test_service_account_fields_are_validated(tmp_path, key_file):
    assert read_service_account(key_file)["client_email"].startswith("deployer@")
    bad = tmp_path / "bad.json"
    info = json.loads(key_file.read_text())
    del info["private_key"], info["client_email"]
    bad.write_text(json.dumps(info))
    with pytest.raises(KeyFileError, match="lacks client_email, private_key"):
        read_service_account(bad)
    info = json.loads(key_file.read_text()) | {"type": "authorized_user"}
    bad.write_text(json.dumps(info))
    with pytest.raises(KeyFileError, match="not a service-account key"):
        read_service_account(bad)
    bad.write_text("{oops")
    with pytest.raises(KeyFileError, match="not valid JSON"):
        read_service_account(bad)
    with pytest.raises(KeyFileError, match="does not exist"):
        read_service_account(tmp_path / "missing.json")


def test_key_file_reports_project_and_email_without_network(key_file):
    choice = GoogleChoice(mode="file", key_file=str(key_file), region="europe-west1")
    result = check_google(choice)
    assert result.fact("Project") == "twin-project"
    assert result.fact("Client email") == "deployer@twin-project.iam.gserviceaccount.com"
    assert result.fact("Region") == "europe-west1"
    assert not result.ok
    assert result.message.startswith("Could not reach Google")
    assert "Traceback" not in result.message
    assert check_google(choice, confirm=False).ok


def test_key_file_is_never_copied(key_file, tmp_path):
    import os

    choices = CredentialChoices()
    choices.google = GoogleChoice(mode="file", key_file=str(key_file))
    check_google(choices.google)
    path = save_choices(choices)
    assert "PRIVATE KEY" not in path.read_text()
    data_dir = Path(os.environ["DTWIN_DATA_DIR"])
    copies = [p for p in data_dir.rglob("*") if p.is_file() and b"PRIVATE KEY" in p.read_bytes()]
    assert copies == []


def test_application_default_credentials(monkeypatch, key_file, tmp_path):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    result = check_google(GoogleChoice(mode="adc"), confirm=False)
    assert result.ok
    assert result.fact("Project") == "twin-project"
    assert result.fact("Client email").startswith("deployer@")

    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS")
    monkeypatch.setenv("HOME", str(tmp_path / "empty-home"))
    result = check_google(GoogleChoice(mode="adc"))
    assert not result.ok
    assert "gcloud auth application-default login" in result.message


# --- Azure ---------------------------------------------------------------------------------
def test_service_principal_fields_are_required_and_checked():
    store = SecretStore()
    result = check_azure(AzureChoice(mode="principal", tenant_id=TENANT), store)
    assert (
        result.message
        == "Enter the service principal's client ID and client secret, then press Check."
    )
    store.set(SECRET_NAME, "s3cret-value")
    result = check_azure(
        AzureChoice(mode="principal", tenant_id="contoso", client_id=CLIENT), store
    )
    assert "tenant ID “contoso” is not a GUID" in result.message


def test_service_principal_without_network_says_so():
    store = SecretStore()
    store.set(SECRET_NAME, "s3cret-value")
    choice = AzureChoice(mode="principal", tenant_id=TENANT, client_id=CLIENT)
    result = check_azure(choice, store, authority=CLOSED)
    assert not result.ok
    assert result.message.startswith("Could not reach Microsoft Entra ID")
    assert "s3cret-value" not in result.message


def test_az_login_session_from_the_cli(tmp_path):
    """A stand-in ``az`` prints what ``az account show -o json`` prints (no Azure CLI here)."""
    account = {
        "id": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "name": "Twin Dev",
        "tenantId": TENANT,
        "user": {"name": "ann@example.com", "type": "user"},
    }
    fake = tmp_path / "az"
    fake.write_text(f"#!/bin/sh\ncat <<'JSON'\n{json.dumps(account)}\nJSON\n")
    fake.chmod(0o755)
    result = check_azure(AzureChoice(mode="cli", region="westeurope"), SecretStore(), cli=str(fake))
    assert result.ok
    assert result.fact("Signed in as") == "ann@example.com (user)"
    assert result.fact("Subscription") == "Twin Dev (aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee)"
    assert result.fact("Location") == "westeurope"
    assert result.fact("Region") == ""  # Azure says "location"

    fake.write_text(
        "#!/bin/sh\necho \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n"
    )
    result = check_azure(AzureChoice(mode="cli"), SecretStore(), cli=str(fake))
    assert not result.ok and "Run “az login”" in result.message


def test_no_azure_cli(monkeypatch):
    monkeypatch.setattr(azure_check.shutil, "which", lambda name: None)
    result = check_azure(AzureChoice(mode="cli"), SecretStore())
    assert not result.ok
    assert "https://aka.ms/installazurecli" in result.message
