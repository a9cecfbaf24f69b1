"""Google credentials: Application Default Credentials or a service-account key file.

The key file is read where it is and never copied; only its path is saved (by the store).
The check reports the project and the client email, then asks Google for a token to confirm
the key; without network that step fails with a clear sentence. Google Cloud cannot be
deployed to yet; the page says so.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from dtwin_gui.credentials import CheckResult

log = logging.getLogger(__name__)

SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]
REQUIRED_FIELDS = ("type", "project_id", "client_email", "private_key")
ADC_HINT = "run “gcloud auth application-default login”, or choose a service-account key file"


class KeyFileError(ValueError):
    """The service-account file is unusable; the message says why and what to do."""


def adc_path() -> Path:
    """Where Application Default Credentials are looked for (the env variable first)."""
    given = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
    if given:
        return Path(given).expanduser()
    if os.name == "nt" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "gcloud" / "application_default_credentials.json"
    return Path.home() / ".config" / "gcloud" / "application_default_credentials.json"


def read_service_account(path: str | Path) -> dict:
    """The key file's fields, validated (type, project_id, client_email, private_key)."""
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KeyFileError(f"{path} does not exist. Choose the service-account key file.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"{path} could not be read ({exc}).") from None
    try:
        info = json.loads(text)
    except ValueError as exc:
        raise KeyFileError(
            f"{path} is not valid JSON (line {getattr(exc, 'lineno', '?')}). Download the key "
            "again from IAM & Admin → Service accounts → Keys."
        ) from None
    if not isinstance(info, dict):
        raise KeyFileError(f"{path} is not a service-account key (expected a JSON object).")
    missing = [f for f in REQUIRED_FIELDS if not info.get(f)]
    if missing:
        raise KeyFileError(
            f"{path} lacks {', '.join(missing)}, so it is not a complete service-account key. "
            "Download a new JSON key from IAM & Admin → Service accounts → Keys."
        )
    if info["type"] != "service_account":
        raise KeyFileError(
            f"{path} holds “{info['type']}” credentials, not a service-account key "
            "(type must be “service_account”)."
        )
    return info


def explain_google_error(exc: BaseException) -> str:
    from google.auth import exceptions as gx

    if isinstance(exc, gx.TransportError):
        return (
            "Could not reach Google to confirm the credentials: the network is unavailable or "
            "blocked. Check your connection or proxy, then try again."
        )
    if isinstance(exc, gx.RefreshError):
        return (
            "Google rejected the credentials (the key may have been deleted or disabled, or "
            f"the sign-in expired): {ADC_HINT}."
        )
    if isinstance(exc, gx.DefaultCredentialsError):
        return f"No Google Application Default Credentials were found: {ADC_HINT}."
    if isinstance(exc, ValueError):
        return f"The Google credentials could not be loaded ({exc})."
    return f"The Google check failed ({type(exc).__name__}). See the log for detail."


def _confirm(credentials) -> str:
    """ "" when Google issued a token, else the reason."""
    from google.auth.transport.requests import Request

    try:
        credentials.refresh(Request())
    except Exception as exc:
        log.info("Google token refresh failed: %s", type(exc).__name__)
        return explain_google_error(exc)
    return ""


def _load(choice):
    """``(credentials, project, who)`` for the choice, or raise with the reason."""
    if choice.mode == "file":
        from google.oauth2 import service_account

        info = read_service_account(choice.key_file)
        creds = service_account.Credentials.from_service_account_info(info, scopes=SCOPES)
        return creds, info["project_id"], info["client_email"]
    import google.auth

    if not os.environ.get("GOOGLE_APPLICATION_CREDENTIALS") and not adc_path().is_file():
        raise KeyFileError(f"No Application Default Credentials at {adc_path()}: {ADC_HINT}.")
    creds, project = google.auth.default(scopes=SCOPES)
    who = getattr(creds, "service_account_email", None) or "your Google account (gcloud)"
    return creds, project or "", who


def check_google(choice, *, confirm: bool = True) -> CheckResult:
    """Check the Google credentials ``choice`` (a GoogleChoice) describes. Blocking."""
    try:
        creds, detected_project, who = _load(choice)
    except KeyFileError as exc:
        return CheckResult("google", False, message=str(exc))
    except Exception as exc:
        log.info("Google credentials could not be loaded: %s", type(exc).__name__)
        return CheckResult("google", False, message=explain_google_error(exc))
    project = choice.project_id or detected_project
    facts = [("Project", project or "(not set: enter a project ID)"), ("Client email", who)]
    if choice.region:
        facts.append(("Region", choice.region))
    if choice.project_id and detected_project and choice.project_id != detected_project:
        facts.append(("Key's project", detected_project))
    problem = _confirm(creds) if confirm else ""
    return CheckResult("google", not problem, facts, message=problem)
