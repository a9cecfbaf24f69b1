"""AWS's :class:`~dtwin_gui.clouds.base.Connection`: the sandbox (moto on loopback) or an account.

An :class:`AwsConnection` carries what every part needs to reach the cloud: the region, the endpoint
override (sandbox only) and the credential environment for child processes (Terraform) and
boto3 sessions. Credentials travel only through process environments and in-memory sessions,
never through files in the project or the workspace.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from dtwin_gui.clouds.aws import sessions as boto_sessions
from dtwin_gui.core.providers import Cloud

SANDBOX_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}

#: Variables of the user's environment that carry AWS identity (passed on for target "aws").
AWS_ENV_NAMES = (
    "AWS_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_SSO_SESSION",
)


@dataclass(frozen=True)
class AwsConnection:
    name: str  # "sandbox" | "aws"
    region: str = "us-east-1"
    endpoint: str | None = None  # the sandbox gateway URL
    credentials: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def cloud(self) -> Cloud:
        return Cloud.AWS

    @property
    def is_sandbox(self) -> bool:
        return self.name == "sandbox"

    def describe(self) -> str:
        return f"AWS · {self.region}" + (" (sandbox)" if self.is_sandbox else "")

    def process_env(self) -> dict[str, str]:
        """Environment additions for a child process (Terraform) talking to this target."""
        env = {"AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region}
        env.update(self.credentials)
        if self.endpoint:
            env["AWS_ENDPOINT_URL"] = self.endpoint
        return env

    def session(self):
        """A new boto3 session for this target."""
        import boto3

        creds = self.credentials
        return boto3.session.Session(
            aws_access_key_id=creds.get("AWS_ACCESS_KEY_ID"),
            aws_secret_access_key=creds.get("AWS_SECRET_ACCESS_KEY"),
            aws_session_token=creds.get("AWS_SESSION_TOKEN"),
            profile_name=creds.get("AWS_PROFILE"),
            region_name=self.region,
        )

    def _key(self) -> tuple:
        return (self.name, self.region, self.endpoint, tuple(sorted(self.credentials.items())))

    def client(self, service: str):
        """A boto3 client for ``service`` (the sandbox endpoint when set), reused for a few
        minutes across threads (see :mod:`dtwin_gui.clouds.aws.sessions`)."""
        return boto_sessions.client(self._key(), self.session, service, self._new_client(service))

    def resource(self, service: str):
        """A new boto3 resource for ``service`` (resources are not shared between threads),
        made from the reused session."""
        return boto_sessions.resource(
            self._key(),
            self.session,
            lambda session: session.resource(service, endpoint_url=self.endpoint),
        )

    def _new_client(self, service: str):
        def make(session):
            from botocore.config import Config

            options = {"retries": {"max_attempts": 2 if self.is_sandbox else 5, "mode": "standard"}}
            kwargs = {}
            if self.endpoint:
                kwargs["endpoint_url"] = self.endpoint
                # Some services (TwinMaker) prefix the host ("api."), which loopback cannot
                # resolve.
                options["inject_host_prefix"] = False
            return session.client(service, config=Config(**options), **kwargs)

        return make


def sandbox_target(endpoint: str, region: str = "us-east-1") -> AwsConnection:
    return AwsConnection("sandbox", region, endpoint, dict(SANDBOX_CREDENTIALS))


def aws_target(
    region: str | None = None, credentials: dict[str, str] | None = None
) -> AwsConnection:
    """A real-AWS target; by default the user's own credential chain (profile, SSO, keys)."""
    creds = (
        credentials
        if credentials is not None
        else {k: os.environ[k] for k in AWS_ENV_NAMES if os.environ.get(k)}
    )
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    return AwsConnection("aws", region or "us-east-1", None, dict(creds))
