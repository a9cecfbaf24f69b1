"""The Credentials page: sandbox needs nothing; AWS keys are checked against the emulator."""

from __future__ import annotations

import json
import os
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt

from dtwin_gui.clouds.aws.preflight import KEY_NAMES
from dtwin_gui.core.project import PROVIDERS
from dtwin_gui.core.providers import Cloud
from dtwin_gui.credentials.secrets import SecretStore
from dtwin_gui.ui.pages.credentials_page import CredentialsPage
from dtwin_gui.ui.session import ProjectSession
from dtwin_gui.ui.target_choice import TargetChoice
from dtwin_gui.ui.workers import TaskRunner

from .conftest import WAIT_MS

pytestmark = pytest.mark.gui

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["sts:*", "iam:*", "iot:*", "lambda:*", "logs:*", "s3:GetObject"],
            "Resource": "*",
        },
    ],
}


@pytest.fixture(autouse=True)
def no_keyring():
    """As on a headless machine: no keyring backend, secrets stay in memory."""
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def make_page(qtbot, project, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    runners = []

    def make(endpoint_url=None, providers=None):
        if providers:
            (project / PROVIDERS).write_text(json.dumps(providers), encoding="utf-8")
        runner = TaskRunner()
        runners.append(runner)
        session = ProjectSession(runner)
        session.open(project)
        page = CredentialsPage(session, runner, TargetChoice(), endpoint_url=endpoint_url)
        qtbot.addWidget(page)
        page.resize(1000, 900)
        page.show()
        return page

    yield make
    for runner in runners:
        runner.shutdown()
        assert runner.active == 0


def test_sandbox_needs_no_credentials(make_page):
    page = make_page()
    assert page.sandbox_button.isChecked()
    assert page.sandbox_button.text() == "Sandbox (no account needed)"
    assert "No credentials needed" in page.target_note.text()
    assert "In the sandbox: AWS: Terraform applied." in page.target_note.text()
    assert not page.aws.isVisible()
    assert not page.azure.isVisible() and not page.google.isVisible()
    assert "no Azure or Google Cloud layers" in page.unused_note.text()
    assert page._choice.mode == "sandbox" and page._choice.ready


def test_aws_keys_checked_against_the_emulator(make_page, aws, qtbot, tmp_path):
    iam = aws.client("iam")
    iam.create_user(UserName="gui-user")
    iam.put_user_policy(UserName="gui-user", PolicyName="p", PolicyDocument=json.dumps(POLICY))
    key = iam.create_access_key(UserName="gui-user")["AccessKey"]

    page = make_page(endpoint_url=aws.endpoint)
    qtbot.mouseClick(page.aws_button, Qt.MouseButton.LeftButton)
    assert page.aws.isVisible()
    assert page._choice.mode == "aws"
    page.aws.keys_mode.setChecked(True)
    assert "kept only until you quit" in page.aws.keyring_note.text()
    page.aws.key_id.setText(key["AccessKeyId"])
    page.aws.secret.setText(key["SecretAccessKey"])
    page.aws.region.setCurrentText("us-east-1")
    qtbot.mouseClick(page.aws.check_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: page.aws.last_result is not None, timeout=WAIT_MS * 4)
    text = page.aws.result.text()
    assert "Credentials work" in text
    assert "arn:aws:iam::123456789012:user/gui-user" in text
    table = page.aws.permissions
    assert table.isVisible()
    assert table.groups() == ["setup", "L1", "L2", "L3_hot", "L3_cold", "L3_archive", "L4", "L5"]
    assert table.decision("L1", "iot:CreateThing") == "✔ allowed"
    assert table.decision("L3_hot", "dynamodb:CreateTable") == "✖ denied"
    assert "denied" not in table.summary("L1")
    assert page.aws.copy_button.isVisible()
    policy = json.loads(page.aws.policy_text())
    assert "dynamodb:CreateTable" in policy["Statement"][0]["Action"]
    assert "iot:CreateThing" not in policy["Statement"][0]["Action"]

    # the secret went to memory, not into the field, the saved choices or any file
    assert page.aws.secret.text() == ""
    assert page.secrets.get(KEY_NAMES["AWS_SECRET_ACCESS_KEY"]) == key["SecretAccessKey"]
    saved = (Path(os.environ["DTWIN_DATA_DIR"]) / "config" / "credentials.json").read_text()
    assert json.loads(saved)["target"] == "aws" and json.loads(saved)["aws"]["mode"] == "keys"
    for root in (Path(os.environ["DTWIN_DATA_DIR"]), tmp_path):
        for path in root.rglob("*"):
            if path.is_file():
                assert key["SecretAccessKey"].encode() not in path.read_bytes(), path

    # the shared target choice builds an AWS target with those keys
    connections = page._choice.make_target()  # the deployment's Connections: AWS's one
    assert connections.clouds == (Cloud.AWS,)
    target = connections[Cloud.AWS]
    assert target.name == "aws" and target.region == "us-east-1"
    assert target.credentials["AWS_SECRET_ACCESS_KEY"] == key["SecretAccessKey"]
    assert page._choice.label == "AWS · access keys · us-east-1"
    page.grab().save(str(tmp_path / "credentials-aws.png"))
    if os.environ.get("DTWIN_SHOTS"):  # a folder the caller chose for documentation shots
        page.grab().save(os.path.join(os.environ["DTWIN_SHOTS"], "credentials-aws.png"))


def test_only_the_clouds_of_the_layer_matrix_are_shown(make_page, qtbot):
    providers = {
        "layer_1_provider": "aws",
        "layer_2_provider": "aws",
        "layer_3_hot_provider": "google",
        "layer_3_cold_provider": "azure",
        "layer_3_archive_provider": "azure",
        "layer_4_provider": "azure",
        "layer_5_provider": "azure",
    }
    page = make_page(providers=providers)
    assert page.azure.isVisible() and page.google.isVisible()
    assert "deploy to the sandbox" in page.azure.findChildren(type(page.target_note))[0].text()
    assert "deploy to the sandbox" in page.google.findChildren(type(page.target_note))[0].text()
    page.google.mode_buttons["file"].setChecked(True)
    page.google.key_file.setText(str(Path("/nonexistent/sa.json")))
    qtbot.mouseClick(page.google.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.google.last_result is not None, timeout=WAIT_MS)
    assert "does not exist" in page.google.result.text()
    assert "Traceback" not in page.google.result.text()


def test_choices_survive_a_restart_but_memory_secrets_do_not(make_page, qtbot):
    page = make_page()
    page.aws_button.setChecked(True)
    page.aws.keys_mode.setChecked(True)
    page.aws.secret.setText("typed-secret")
    page.aws.commit_fields()
    again = make_page()
    assert again.aws_button.isChecked() and again.aws.keys_mode.isChecked()
    assert SecretStore().get(KEY_NAMES["AWS_SECRET_ACCESS_KEY"]) is None


def test_the_real_cloud_target_carries_the_azure_sign_in_of_an_azure_twin(make_page, qtbot):
    """An all-Azure project deployed to "My cloud accounts" gets an Azure connection from
    the Azure sign-in (not only AWS's), and the note says where it goes."""
    from dtwin_gui.clouds.base import Connections
    from dtwin_gui.core.providers import Cloud

    layers = ("1", "2", "3_hot", "3_cold", "3_archive", "4", "5")
    page = make_page(providers={f"layer_{n}_provider": "azure" for n in layers})
    qtbot.waitUntil(lambda: page._session.topology is not None, timeout=10_000)
    page.aws_button.setChecked(True)
    made = page._choice.make_connections()
    assert isinstance(made, Connections) and made.clouds == (Cloud.AZURE,)
    assert made[Cloud.AZURE].name == "azure" and not made.is_sandbox
    assert "Azure subscription" in page.target_note.text()
    assert "AWS" not in page.target_note.text()
    assert page._choice.label.startswith("Azure · ")
    assert not page.aws.isVisible() and page.azure.isVisible()
