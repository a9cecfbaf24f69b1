"""Profiles from the user's AWS config files, and the SSO session messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from dtwin_gui.clouds.aws import profiles as aws_profiles
from dtwin_gui.clouds.aws.connection import aws_target
from dtwin_gui.clouds.aws.preflight import check_aws, profile_env
from dtwin_gui.clouds.aws.profiles import SsoLoginError, list_profiles, sso_login

CONFIG = """\
[default]
region = eu-west-1

[profile dev]
region = eu-central-1
output = json

[profile corp]
sso_start_url = https://example.awsapps.com/start
sso_region = eu-west-1
sso_account_id = 111122223333
sso_role_name = Deployer
region = eu-west-1

[sso-session company]
sso_start_url = https://company.awsapps.com/start
sso_region = us-east-2

[profile modern]
sso_session = company
sso_account_id = 444455556666
sso_role_name = Admin
"""

CREDENTIALS = """\
[default]
aws_access_key_id = AKIAEXAMPLE
aws_secret_access_key = not-read-by-dtwin

[ci]
aws_access_key_id = AKIAEXAMPLE2
aws_secret_access_key = also-not-read
"""


@pytest.fixture
def aws_files(tmp_path: Path, monkeypatch) -> Path:
    config = tmp_path / "config"
    config.write_text(CONFIG, encoding="utf-8")
    creds = tmp_path / "credentials"
    creds.write_text(CREDENTIALS, encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    monkeypatch.setenv("HOME", str(tmp_path))  # the SSO token cache lives under ~/.aws/sso
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_profiles_are_listed_and_sso_ones_marked(aws_files):
    profiles = {p.name: p for p in list_profiles()}
    assert [p.name for p in list_profiles()] == ["default", "ci", "corp", "dev", "modern"]
    assert not profiles["dev"].sso and profiles["dev"].region == "eu-central-1"
    assert profiles["corp"].sso and profiles["corp"].sso_account_id == "111122223333"
    assert profiles["modern"].sso
    assert profiles["modern"].sso_start_url == "https://company.awsapps.com/start"
    assert profiles["default"].source == "config+credentials"
    assert profiles["ci"].source == "credentials"
    assert profiles["corp"].label == "corp (SSO, eu-west-1)"
    # only names and non-secret settings are read
    assert "not-read-by-dtwin" not in repr(list_profiles())


def test_no_config_files_means_no_profiles(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none2"))
    assert list_profiles() == []


@pytest.mark.parametrize("profile", ["corp", "modern"])
def test_sso_profile_without_a_token_says_to_sign_in(aws_files, profile):
    result = check_aws(aws_target("eu-west-1", profile_env(profile)), profile=profile)
    assert not result.ok
    assert "SSO session" in result.message
    assert "expired or you have not signed in" in result.message
    assert f"aws sso login --profile {profile}" in result.message


def test_missing_profile_is_named(aws_files):
    result = check_aws(aws_target("eu-west-1", profile_env("gone")))
    assert not result.ok
    assert "“gone” is not in your AWS config" in result.message
    assert str(aws_files / "config") in result.message


def test_sso_login_without_the_cli_says_how_to_install(monkeypatch):
    monkeypatch.setattr(aws_profiles.shutil, "which", lambda name: None)
    with pytest.raises(SsoLoginError, match="Install the AWS CLI"):
        sso_login("corp")


def test_sso_login_runs_the_cli_with_the_profile(tmp_path):
    """A stand-in ``aws`` script records its arguments (no real CLI/browser in tests)."""
    record = tmp_path / "args.txt"
    fake = tmp_path / "aws"
    fake.write_text(f'#!/bin/sh\necho "$@" > {record}\necho "Successfully logged into Start URL"\n')
    fake.chmod(0o755)
    assert sso_login("corp", cli=str(fake)) == "Successfully logged into Start URL"
    assert record.read_text().split() == ["sso", "login", "--profile", "corp"]

    failing = tmp_path / "aws-fail"
    failing.write_text("#!/bin/sh\necho 'Error when retrieving token' >&2\nexit 255\n")
    failing.chmod(0o755)
    with pytest.raises(SsoLoginError, match="failed: Error when retrieving token"):
        sso_login("corp", cli=str(failing))
