"""Where a deployment goes: the sandbox (emulated AWS on loopback) or a real AWS account.

A :class:`Target` carries what every part needs to reach the cloud: the region, the endpoint
override (sandbox only) and the credential environment for child processes (Terraform) and
boto3 sessions. Credentials travel only through process environments and in-memory sessions,
never through files in the project or the workspace.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

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
class Target:
    name: str  # "sandbox" | "aws"
    region: str = "us-east-1"
    endpoint: str | None = None  # the sandbox gateway URL
    credentials: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def is_sandbox(self) -> bool:
        return self.name == "sandbox"

    def process_env(self) -> dict[str, str]:
        """Environment additions for a child process (Terraform) talking to this target."""
        env = {"AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region}
        env.update(self.credentials)
        if self.endpoint:
            env["AWS_ENDPOINT_URL"] = self.endpoint
        return env

    def session(self):
        """A boto3 session for this target."""
        import boto3

        creds = self.credentials
        return boto3.session.Session(
            aws_access_key_id=creds.get("AWS_ACCESS_KEY_ID"),
            aws_secret_access_key=creds.get("AWS_SECRET_ACCESS_KEY"),
            aws_session_token=creds.get("AWS_SESSION_TOKEN"),
            profile_name=creds.get("AWS_PROFILE"),
            region_name=self.region,
        )

    def client(self, service: str, **kwargs):
        """A boto3 client for ``service`` (the sandbox endpoint when set)."""
        from botocore.config import Config

        options = {"retries": {"max_attempts": 2 if self.is_sandbox else 5, "mode": "standard"}}
        if self.endpoint:
            kwargs.setdefault("endpoint_url", self.endpoint)
            # Some services (TwinMaker) prefix the host ("api."), which loopback cannot resolve.
            options["inject_host_prefix"] = False
        config = Config(**options)
        return self.session().client(service, config=config, **kwargs)


def sandbox_target(endpoint: str, region: str = "us-east-1") -> Target:
    return Target("sandbox", region, endpoint, dict(SANDBOX_CREDENTIALS))


def aws_target(region: str | None = None, credentials: dict[str, str] | None = None) -> Target:
    """A real-AWS target; by default the user's own credential chain (profile, SSO, keys)."""
    creds = (
        credentials
        if credentials is not None
        else {k: os.environ[k] for k in AWS_ENV_NAMES if os.environ.get(k)}
    )
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    return Target("aws", region or "us-east-1", None, dict(creds))
