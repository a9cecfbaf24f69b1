"""The user's AWS profiles (``~/.aws/config`` and ``~/.aws/credentials``), and SSO sign-in.

Honours ``AWS_CONFIG_FILE`` and ``AWS_SHARED_CREDENTIALS_FILE`` like the AWS CLI. Only the
profile names and their non-secret settings are read; keys in the credentials file are never
loaded here (boto3 reads them itself when the profile is used).
"""

from __future__ import annotations

import configparser
import contextlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SSO_KEYS = ("sso_start_url", "sso_session", "sso_account_id", "sso_role_name")
CLI_INSTALL_HINT = (
    "Install the AWS CLI v2 (https://docs.aws.amazon.com/cli/latest/userguide/"
    "getting-started-install.html), or run “aws sso login --profile {profile}” on a computer "
    "that has it, then press Check again."
)


@dataclass(frozen=True)
class AwsProfile:
    """One named profile. ``sso`` marks IAM Identity Center (SSO) profiles."""

    name: str
    region: str = ""
    sso: bool = False
    sso_start_url: str = ""
    sso_account_id: str = ""
    sso_role_name: str = ""
    #: Where it is defined: "config", "credentials" or "config+credentials".
    source: str = "config"

    @property
    def label(self) -> str:
        extra = [self.region] if self.region else []
        if self.sso:
            extra.insert(0, "SSO")
        return f"{self.name} ({', '.join(extra)})" if extra else self.name


def config_path() -> Path:
    return Path(os.environ.get("AWS_CONFIG_FILE") or Path.home() / ".aws" / "config").expanduser()


def credentials_path() -> Path:
    default = Path.home() / ".aws" / "credentials"
    return Path(os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or default).expanduser()


def _read(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    # A broken file lists no profiles; the Check explains what boto3 says about it.
    with contextlib.suppress(configparser.Error, UnicodeDecodeError, OSError):
        parser.read(path, encoding="utf-8")
    return parser


def list_profiles() -> list[AwsProfile]:
    """Every profile in the config and credentials files, sorted ("default" first)."""
    config = _read(config_path())
    sessions = {
        s.split(None, 1)[1]: config[s] for s in config.sections() if s.startswith("sso-session ")
    }
    found: dict[str, AwsProfile] = {}
    for section in config.sections():
        if section == "default":
            name = "default"
        elif section.startswith("profile "):
            name = section.split(None, 1)[1].strip()
        else:
            continue
        values = config[section]
        session = sessions.get(values.get("sso_session", ""), {})
        found[name] = AwsProfile(
            name=name,
            region=values.get("region", "") or session.get("sso_region", ""),
            sso=any(values.get(k) for k in SSO_KEYS),
            sso_start_url=values.get("sso_start_url", "") or session.get("sso_start_url", ""),
            sso_account_id=values.get("sso_account_id", ""),
            sso_role_name=values.get("sso_role_name", ""),
        )
    for name in _read(credentials_path()).sections():
        if name in found:
            p = found[name]
            found[name] = AwsProfile(**{**p.__dict__, "source": "config+credentials"})
        else:
            found[name] = AwsProfile(name=name, source="credentials")
    return sorted(found.values(), key=lambda p: (p.name != "default", p.name.lower()))


def find_profile(name: str) -> AwsProfile | None:
    return next((p for p in list_profiles() if p.name == name), None)


def aws_cli() -> str | None:
    """The AWS CLI on PATH, or None."""
    return shutil.which("aws")


class SsoLoginError(RuntimeError):
    """``aws sso login`` could not run or did not succeed; the message says what to do."""


def sso_login(profile: str, *, cli: str | None = None, timeout_s: float = 600) -> str:
    """Run ``aws sso login --profile <profile>`` (opens the browser). Blocking: worker only.

    Returns the CLI's last output line. Raises :class:`SsoLoginError` with advice when the
    CLI is missing, fails or times out.
    """
    cli = cli or aws_cli()
    if not cli:
        raise SsoLoginError(
            "The AWS CLI is not installed, so dtwin cannot open the SSO sign-in. "
            + CLI_INSTALL_HINT.format(profile=profile)
        )
    try:
        done = subprocess.run(
            [cli, "sso", "login", "--profile", profile],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise SsoLoginError(
            f"SSO sign-in for profile {profile} did not finish within {int(timeout_s)} s. "
            "Finish the sign-in in your browser, then press “Sign in with SSO” again."
        ) from None
    except OSError as exc:
        raise SsoLoginError(f"Could not run the AWS CLI ({cli}): {exc.strerror or exc}.") from None
    output = (done.stdout or "").strip().splitlines()
    if done.returncode != 0:
        detail = ((done.stderr or "").strip().splitlines() or ["no detail"])[-1]
        raise SsoLoginError(
            f"SSO sign-in for profile {profile} failed: {detail}. Check the profile's "
            "sso_start_url and sso_region in your AWS config, then try again."
        )
    return output[-1] if output else f"Signed in with SSO (profile {profile})."
