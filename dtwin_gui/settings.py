"""The app's settings: one schema, one JSON file, written atomically.

Stored in ``$DTWIN_CONFIG_DIR/settings.json``; without that variable in
``$DTWIN_DATA_DIR/config`` when that is set (tests), else the platform's config folder.
A broken file never stops the app: :func:`load_settings` falls back to the defaults and
says why in ``AppSettings.load_error``. Secrets are never stored here.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dtwin_gui.iac.backend import LOCAL, BackendConfig

CONFIG_DIR_ENV = "DTWIN_CONFIG_DIR"
SETTINGS_FILE = "settings.json"


class TargetBackend(BaseModel):
    """Where one deployment target keeps its Terraform state (:mod:`dtwin_gui.iac.backend`)."""

    model_config = ConfigDict(extra="forbid")

    backend: BackendConfig = LOCAL
    #: A deploy that finds the state elsewhere moves it here (else it stops and says so).
    move_existing: bool = False


class AppSettings(BaseModel):
    """Everything the Settings dialog edits. Unknown keys are kept out (``extra="ignore"``)."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    version: int = 1
    #: Where deployment workspaces (build output, Terraform state, run logs) live;
    #: None = ``<data dir>/workspaces``.
    workspace_location: Path | None = None
    #: The Terraform binary (name on PATH or a full path).
    terraform_path: str = "terraform"
    #: Filesystem mirror of Terraform providers; None = auto-detect.
    plugin_mirror: Path | None = None
    theme: Literal["system", "light", "dark"] = "system"
    #: The Terraform state backend per deployment target (``sandbox``, ``aws``); none: local.
    state_backends: dict[str, TargetBackend] = Field(default_factory=dict)
    #: Not saved: why the file on disk could not be used, if it could not.
    load_error: str = Field(default="", exclude=True)

    def backend_for(self, target: str) -> BackendConfig:
        """The backend of ``target`` (local when none is set)."""
        chosen = self.state_backends.get(target)
        return chosen.backend if chosen else LOCAL

    def moves_state(self, target: str) -> bool:
        chosen = self.state_backends.get(target)
        return bool(chosen and chosen.move_existing)

    def terraform_settings(self):
        """The :class:`~dtwin_gui.iac.cli_config.TerraformSettings` these settings imply."""
        from dtwin_gui.iac.cli_config import TerraformSettings

        binary = self.terraform_path or "terraform"
        if self.plugin_mirror is None:  # auto-detect (TerraformSettings' default)
            return TerraformSettings(binary=binary)
        return TerraformSettings(binary=binary, mirror_dir=Path(self.plugin_mirror))


def config_dir() -> Path:
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override)
    data = os.environ.get("DTWIN_DATA_DIR")
    if data:
        return Path(data) / "config"
    return Path(platformdirs.user_config_dir("dtwin", appauthor=False))


def settings_path() -> Path:
    return config_dir() / SETTINGS_FILE


def load_settings(path: Path | None = None) -> AppSettings:
    """The saved settings, or the defaults (with ``load_error`` set) if the file is bad."""
    path = path or settings_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return AppSettings()
    except OSError as exc:
        return AppSettings(load_error=f"{path} could not be read ({exc}); using the defaults")
    try:
        return AppSettings.model_validate(json.loads(text))
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        why = f"{path} is not valid JSON ({exc.msg} at {where})"
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(root)"
        why = f"{path}: {field}: {first['msg']}"
    return AppSettings(load_error=f"{why}; using the defaults until you save the settings again")


def save_settings(settings: AppSettings, path: Path | None = None) -> Path:
    """Write ``settings`` atomically (temp file in the same folder, fsync, rename)."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(settings.model_dump(mode="json"), indent=2) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".settings-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# --- checks the Settings dialog runs (blocking: call them from a worker) ----------------------


class SettingCheckError(ValueError):
    """A setting does not work; the message says what is wrong and what to do."""


def check_terraform(binary: str) -> str:
    """The version Terraform at ``binary`` reports (``"1.11.4"``); blocking.

    Raises :class:`SettingCheckError` when the program is missing, cannot run, or does not
    answer ``terraform version`` like Terraform does.
    """
    import tempfile

    from dtwin_gui.iac.cli_config import TerraformSettings
    from dtwin_gui.iac.runner import Terraform, TerraformError

    binary = (binary or "").strip()
    if not binary:
        raise SettingCheckError("No Terraform program is set; enter `terraform` or a full path.")
    if os.sep not in binary and shutil.which(binary) is None:
        raise SettingCheckError(
            f"No program called “{binary}” was found on the PATH. Install Terraform 1.11 or "
            "choose the full path of the terraform program."
        )
    program = Path(binary).expanduser()
    if os.sep in binary and not program.is_file():
        raise SettingCheckError(
            f"There is no program at {program}. Choose the terraform program (Terraform 1.11)."
        )
    if os.sep in binary and not os.access(program, os.X_OK):
        raise SettingCheckError(
            f"{program} is not an executable program. Choose the terraform program itself."
        )
    with tempfile.TemporaryDirectory(prefix="dtwin-tf-check-") as workdir:
        settings = TerraformSettings(binary=str(program), mirror_dir=None)
        try:
            answer = Terraform(Path(workdir), settings=settings).version()
        except (TerraformError, ValueError) as exc:  # cannot start, fails, or prints no JSON
            raise SettingCheckError(_not_terraform(binary)) from exc
    version = answer.get("terraform_version") if isinstance(answer, dict) else None
    if not version:
        raise SettingCheckError(_not_terraform(binary))
    return str(version)


def _not_terraform(binary: str) -> str:
    return (
        f"{binary} ran but did not answer `terraform version` like Terraform does. "
        "Choose the terraform program itself (Terraform 1.11)."
    )


def check_mirror(folder: Path | str) -> list[str]:
    """The providers a filesystem mirror holds (``registry.terraform.io/hashicorp/aws``).

    Raises :class:`SettingCheckError` when ``folder`` is not a folder or holds no provider.
    """
    from dtwin_gui.iac.cli_config import mirrored_providers

    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise SettingCheckError(
            f"{folder} is not a folder. Choose the folder that holds registry.terraform.io/."
        )
    try:
        providers = mirrored_providers(folder)
    except OSError as exc:
        raise SettingCheckError(f"{folder} could not be read ({exc.strerror}).") from exc
    if not providers:
        raise SettingCheckError(
            f"{folder} holds no Terraform provider (expected folders like "
            "registry.terraform.io/hashicorp/aws/<version>/). Choose the mirror's top folder."
        )
    return providers
