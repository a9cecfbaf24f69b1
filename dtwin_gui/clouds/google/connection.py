"""Google Cloud's :class:`~dtwin_gui.clouds.base.Connection`: the sandbox emulators or a project.

A :class:`GoogleConnection` says how to sign in (Application Default Credentials, or a
service-account key file the user keeps where it is), which project and region to use, and
in the sandbox the emulator endpoints. The key file is never copied: Terraform gets its
*path* (``GOOGLE_APPLICATION_CREDENTIALS``) and google-auth reads it when a client is made.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from dtwin_gui.core.providers import Cloud

ADC, KEY_FILE, SANDBOX_METHOD = "adc", "file", "sandbox"
DEFAULT_REGION = "europe-west1"
#: The project id the sandbox's emulators use when the endpoints name none.
SANDBOX_PROJECT = "dtwin-sandbox"
SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
#: Google region ids: ``europe-west1``, ``us-central1`` (AWS's ``us-east-1`` has one more dash).
_REGION = re.compile(r"^[a-z]+-[a-z]+\d+$")
_METHOD_LABELS = {
    ADC: "Application Default Credentials",
    KEY_FILE: "service-account key",
    SANDBOX_METHOD: "emulators",
}
_PROJECT_VARS = (
    "GOOGLE_CLOUD_PROJECT",
    "GOOGLE_PROJECT",
    "CLOUDSDK_CORE_PROJECT",
    "GCLOUD_PROJECT",
)
_REGION_VARS = ("GOOGLE_REGION", "CLOUDSDK_COMPUTE_REGION", "CLOUDSDK_FUNCTIONS_REGION")


def is_google_region(region: str) -> bool:
    return bool(_REGION.match(region or ""))


@dataclass(frozen=True)
class GoogleConnection:
    name: str  # "sandbox" | "google"
    project: str = ""
    region: str = DEFAULT_REGION
    method: str = ADC  # adc | file | sandbox
    #: The service-account key file's path (mode "file"); read where it is, never copied.
    key_file: str = ""
    #: Sandbox only: {"google_project", "pubsub", "firestore", "gcs", "google_gateway"}.
    endpoints: Mapping[str, str] = field(default_factory=dict)

    @property
    def cloud(self) -> Cloud:
        return Cloud.GOOGLE

    @property
    def is_sandbox(self) -> bool:
        return self.name == "sandbox"

    def describe(self) -> str:
        where = f"Google Cloud · {self.region}"
        if self.is_sandbox:
            return where + " (sandbox)"
        project = self.project or "the credentials' project"
        return f"{where} · {project} ({_METHOD_LABELS.get(self.method, self.method)})"

    def project_id(self) -> str:
        """The project: the chosen one, else the key file's, else the ADC's (looked up now)."""
        if self.project:
            return self.project
        if self.method == KEY_FILE:
            return key_file_project(self.key_file)
        return "" if self.is_sandbox else adc_project()

    def process_env(self) -> dict[str, str]:
        """GOOGLE_* variables for Terraform's google provider; the emulator hosts in the
        sandbox. The key file travels as its path only."""
        env = {"GOOGLE_REGION": self.region}
        project = self.project_id()
        if project:
            env["GOOGLE_PROJECT"] = project
        if self.is_sandbox:
            env.update(
                {
                    var: self.endpoints[key]
                    for var, key in (
                        ("PUBSUB_EMULATOR_HOST", "pubsub"),
                        ("FIRESTORE_EMULATOR_HOST", "firestore"),
                        ("STORAGE_EMULATOR_HOST", "gcs"),
                    )
                    if self.endpoints.get(key)
                }
            )
        elif self.method == KEY_FILE and self.key_file:
            env["GOOGLE_APPLICATION_CREDENTIALS"] = str(Path(self.key_file).expanduser())
        return env

    def credentials(self):
        """google-auth credentials for this connection (anonymous ones for the emulators)."""
        if self.is_sandbox:
            from google.auth.credentials import AnonymousCredentials

            return AnonymousCredentials()
        if self.method == KEY_FILE:
            from google.oauth2 import service_account

            return service_account.Credentials.from_service_account_file(
                str(Path(self.key_file).expanduser()), scopes=list(SCOPES)
            )
        import google.auth

        credentials, _ = google.auth.default(scopes=list(SCOPES))
        return credentials

    def http(self):
        """A requests session that signs each call (plain HTTP to the emulators)."""
        if self.is_sandbox:
            import requests

            return requests.Session()
        from google.auth.transport.requests import AuthorizedSession

        return AuthorizedSession(self.credentials())

    # --- the sandbox endpoints -----------------------------------------------------------
    @property
    def pubsub_host(self) -> str:
        """``host:port`` of the Pub/Sub emulator (PUBSUB_EMULATOR_HOST)."""
        return self.endpoints.get("pubsub", "")

    @property
    def firestore_host(self) -> str:
        return self.endpoints.get("firestore", "")

    @property
    def gcs_url(self) -> str:
        return self.endpoints.get("gcs", "")

    @property
    def gateway_url(self) -> str:
        return self.endpoints.get("google_gateway", "")


def key_file_project(path: str) -> str:
    """The ``project_id`` of a service-account key file, or "" when it cannot be read."""
    try:
        info = json.loads(Path(path).expanduser().read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return ""
    return str(info.get("project_id", "")) if isinstance(info, dict) else ""


@lru_cache(maxsize=1)
def adc_project() -> str:
    """The project Application Default Credentials name, or "" (asked once per process)."""
    try:
        import google.auth

        _, project = google.auth.default(scopes=list(SCOPES))
    except Exception:
        return ""
    return project or ""


def sandbox_connection(endpoints: Mapping[str, str], region: str = "") -> GoogleConnection:
    """The sandbox's connection: the emulators at ``endpoints`` (the plugin's part)."""
    keys = ("google_project", "pubsub", "firestore", "gcs", "google_gateway")
    google = {k: v for k, v in endpoints.items() if k in keys or k.startswith("google_")}
    return GoogleConnection(
        "sandbox",
        google.get("google_project") or SANDBOX_PROJECT,
        region if is_google_region(region) else DEFAULT_REGION,
        SANDBOX_METHOD,
        endpoints=google,
    )


def cloud_connection(choice, secrets=None) -> GoogleConnection:
    """The connection for a saved :class:`~dtwin_gui.credentials.store.GoogleChoice` (no
    secret is kept in the keyring for Google: a key file stays where the user keeps it)."""
    method = KEY_FILE if choice.mode == KEY_FILE else ADC
    key_file = choice.key_file.strip() if method == KEY_FILE else ""
    return GoogleConnection(
        "google",
        choice.project_id.strip(),
        choice.region.strip() or DEFAULT_REGION,
        method,
        key_file=key_file,
    )


def environment_connection() -> GoogleConnection:
    """The user's own sign-in: Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS
    or ``gcloud auth application-default login``), the project and region from the usual
    variables (else the ADC's project, looked up when Terraform needs it)."""

    def env(names) -> str:
        return next((os.environ[n] for n in names if os.environ.get(n)), "")

    return GoogleConnection("google", env(_PROJECT_VARS), env(_REGION_VARS) or DEFAULT_REGION)
