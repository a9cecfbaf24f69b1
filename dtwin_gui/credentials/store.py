"""Non-secret credential choices (mode, profile, region...) in ``<config dir>/credentials.json``.

Workspace-independent and written atomically. Secrets never go here: they live in the
keyring (:mod:`dtwin_gui.credentials.secrets`); the schema has no field that could hold one.
A missing or broken file gives the defaults.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from dtwin_gui.core.fsutil import atomic_write_json
from dtwin_gui.settings import config_dir

FILE_NAME = "credentials.json"


class _Choices(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)


class AwsChoice(_Choices):
    #: "profile" = a named profile (incl. SSO) from the AWS config; "keys" = typed-in keys.
    mode: Literal["profile", "keys"] = "profile"
    profile: str = ""
    region: str = "us-east-1"


class AzureChoice(_Choices):
    #: "cli" = the ``az login`` session; "principal" = a service principal (its secret in
    #: the keyring); "msi" = the machine's managed identity.
    mode: Literal["cli", "principal", "msi"] = "cli"
    tenant_id: str = ""
    client_id: str = ""
    subscription_id: str = ""
    region: str = "westeurope"


class GoogleChoice(_Choices):
    #: "adc" = Application Default Credentials; "file" = a service-account JSON file.
    mode: Literal["adc", "file"] = "adc"
    key_file: str = ""
    project_id: str = ""
    region: str = "europe-west1"


class CredentialChoices(_Choices):
    version: int = 1
    #: Where deployments go: the sandbox (no account) or the user's AWS account.
    target: Literal["sandbox", "aws"] = "sandbox"
    aws: AwsChoice = AwsChoice()
    azure: AzureChoice = AzureChoice()
    google: GoogleChoice = GoogleChoice()


def choices_path() -> Path:
    return config_dir() / FILE_NAME


def load_choices(path: Path | None = None) -> CredentialChoices:
    """The saved choices, or the defaults when the file is missing or unreadable."""
    path = path or choices_path()
    try:
        return CredentialChoices.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError):
        return CredentialChoices()


def save_choices(choices: CredentialChoices, path: Path | None = None) -> Path:
    """Write ``choices`` atomically (mode 0600: it says which accounts the user has)."""
    path = path or choices_path()
    atomic_write_json(path, choices.model_dump(mode="json"), mode=0o600)
    return path
