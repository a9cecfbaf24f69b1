"""Google credentials: Application Default Credentials or a service-account key file.

The key file is read where it is and never copied; only its path is saved (by the store).
The check reports the project and the client email, then asks Google for a token to confirm
the key; without network that step fails with a clear sentence. Then the permission
preflight: ``projects.testIamPermissions`` on the project with what each layer the project
puts on Google needs (:mod:`.permissions`); Google answers with the ones the caller holds,
so each is allowed or denied. When the call fails every permission is "unknown".
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path

from dtwin_gui.clouds.google import permissions as perms
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


def _request(adapter=None):
    """google-auth's requests transport (``adapter``: tests give recorded answers)."""
    import requests
    from google.auth.transport.requests import Request

    session = requests.Session()
    if adapter is not None:
        session.mount("https://", adapter)
        session.mount("http://", adapter)
    return Request(session)


def _confirm(credentials, adapter=None) -> str:
    """ "" when Google issued a token, else the reason."""
    try:
        credentials.refresh(_request(adapter))
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


# --- the permission preflight ------------------------------------------------------------
RESOURCE_MANAGER = "https://cloudresourcemanager.googleapis.com"
#: Permissions asked per testIamPermissions call (the API takes a bounded list).
BATCH = 100
_INVALID = re.compile(r"Permission ([\w.]+) is not valid")


class _Refused(Exception):
    def __init__(self, status: int, message: str, reason: str = ""):
        super().__init__(message)
        self.status, self.message, self.reason = status, message, reason


def _error(answer) -> _Refused:
    try:
        error = answer.json().get("error", {})
    except ValueError:
        error = {}
    message = error.get("message") or answer.text[:300] or answer.reason
    reasons = [d.get("reason", "") for d in error.get("details", []) if isinstance(d, dict)]
    return _Refused(answer.status_code, str(message), next((r for r in reasons if r), ""))


def granted_permissions(session, project: str, wanted: Iterable[str]) -> tuple[set[str], set[str]]:
    """``(granted, untestable)``: which of ``wanted`` the caller holds on ``project``, asked
    in batches; a permission Google calls invalid for a project is left out and returned as
    untestable. Raises :class:`_Refused` when Google refuses the call."""
    url = f"{RESOURCE_MANAGER}/v1/projects/{project}:testIamPermissions"
    granted: set[str] = set()
    untestable: set[str] = set()
    pending = sorted(set(wanted))
    while pending:
        batch, pending = pending[:BATCH], pending[BATCH:]
        while batch:
            answer = session.post(url, json={"permissions": batch}, timeout=30)
            if answer.status_code == 400:
                bad = _INVALID.search(_error(answer).message)
                if bad and bad.group(1) in batch:
                    untestable.add(bad.group(1))
                    batch = [p for p in batch if p != bad.group(1)]
                    continue
            if answer.status_code >= 300:
                raise _error(answer)
            granted.update(answer.json().get("permissions", []))
            break
    return granted, untestable


def explain_refusal(refused: _Refused, project: str) -> str:
    if refused.reason == "SERVICE_DISABLED" or "has not been used" in refused.message:
        return (
            "The Cloud Resource Manager API is not enabled in the project of your credentials, "
            "so dtwin cannot ask which permissions you have. Enable "
            "cloudresourcemanager.googleapis.com (APIs & Services → Library), then Check again."
        )
    if refused.status in (403, 404):
        return (
            f"Google gives these credentials no access to project “{project}” (or it does not "
            "exist): check the project ID, and that the account is a member of the project."
        )
    return f"Google refused the permission check ({refused.status}: {refused.message})."


def permission_report(
    session,
    project: str,
    *,
    layers: Iterable[str] | None = None,
    member: str = "",
) -> perms.GooglePermissionReport:
    """Each required permission of "setup" and ``layers`` (the slots on Google; every
    Google layer when None), decided by ``testIamPermissions`` on ``project``. ``session``
    signs its requests (google-auth's ``AuthorizedSession``)."""
    groups = perms.required_permissions(layers)
    if not project:
        return perms.unknown_report(
            groups, "Enter a project ID to see which permissions you have there."
        )
    every = {p for ps in groups.values() for p in ps}
    try:
        granted, untestable = granted_permissions(session, project, every)
    except _Refused as exc:
        log.info("Google testIamPermissions refused: %s", exc.status)
        note = explain_refusal(exc, project)
        return perms.unknown_report(groups, note, project=project, member=member)
    except Exception as exc:
        log.info("Google testIamPermissions failed: %s", type(exc).__name__)
        note = f"Every permission is unknown. {explain_google_error(exc)}"
        return perms.unknown_report(groups, note, project=project, member=member)
    report = perms.evaluate(groups, granted, project=project, member=member)
    for decided in report.groups.values():
        for permission in untestable & decided.keys():
            decided[permission] = perms.UNKNOWN
    if untestable:
        report.note = "Google cannot test " + ", ".join(sorted(untestable)) + " on a project."
    return report


def _member(choice, who: str) -> str:
    if choice.mode == "file" or who.endswith(".gserviceaccount.com"):
        return f"serviceAccount:{who}"
    return ""


def check_google(
    choice,
    *,
    confirm: bool = True,
    layers: Iterable[str] | None = None,
    permissions: bool = True,
    adapter=None,
    twin_name: str | None = None,
) -> CheckResult:
    """Check the Google credentials ``choice`` (a GoogleChoice) describes, then (with
    ``confirm`` and ``permissions``) the permission preflight of "setup" and ``layers``
    (the slots the project puts on Google). Blocking: worker only. ``adapter``: a requests
    transport adapter for every Google call (tests give it recorded answers)."""
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
    problem = _confirm(creds, adapter) if confirm else ""
    result = CheckResult("google", not problem, facts, message=problem)
    if result.ok and confirm and permissions:
        from google.auth.transport.requests import AuthorizedSession

        session = AuthorizedSession(creds, auth_request=_request(adapter))
        if adapter is not None:
            session.mount("https://", adapter)
        try:
            result.preflight = permission_report(
                session, project, layers=layers, member=_member(choice, who)
            )
        finally:
            session.close()
    return result
