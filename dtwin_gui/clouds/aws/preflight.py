"""Who the AWS credentials belong to, and whether they may deploy (a permission preflight).

:func:`check_aws` calls ``sts:GetCallerIdentity``, then evaluates the actions of
:mod:`~dtwin_gui.credentials.permissions` for the signed-in principal with
``iam:SimulatePrincipalPolicy``. When the simulation itself is denied or unavailable every
action is "unknown" (the deploy may still work). Errors become sentences for the user.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from dtwin_gui.clouds.aws import sessions as boto_sessions
from dtwin_gui.clouds.aws.connection import AwsConnection
from dtwin_gui.credentials import CheckResult
from dtwin_gui.credentials.permissions import policy_document, required_actions

log = logging.getLogger(__name__)

ALLOWED, DENIED, UNKNOWN = "allowed", "denied", "unknown"
#: Secret-store names of typed-in keys.
KEY_NAMES = {
    "AWS_ACCESS_KEY_ID": "aws/access_key_id",
    "AWS_SECRET_ACCESS_KEY": "aws/secret_access_key",
    "AWS_SESSION_TOKEN": "aws/session_token",
}
_BATCH = 50
_ASSUMED = re.compile(r"^arn:(?P<p>[^:]+):sts::(?P<acct>\d+):assumed-role/(?P<role>[^/]+)/.+$")
_IAM_PRINCIPAL = re.compile(r"^arn:[^:]+:iam::\d+:(user|role)/.+$")
_ROOT = re.compile(r"^arn:[^:]+:iam::\d+:root$")


class AwsCheckError(Exception):
    """A check failed for a reason the user can act on; ``str()`` says what to do."""


@dataclass
class Preflight:
    """Per group ("setup", "L1"...), each required action's decision."""

    groups: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Why decisions are "unknown" (simulation denied/unavailable), or a remark; "" if none.
    note: str = ""

    def actions(self, decision: str) -> list[str]:
        found = {a for g in self.groups.values() for a, d in g.items() if d == decision}
        return sorted(found, key=str.lower)

    @property
    def denied(self) -> list[str]:
        return self.actions(DENIED)

    def counts(self, group: str) -> dict[str, int]:
        values = list(self.groups.get(group, {}).values())
        return {d: values.count(d) for d in (ALLOWED, DENIED, UNKNOWN)}

    def missing_policy(self) -> str:
        """IAM policy JSON granting exactly the denied actions ("" when nothing is denied)."""
        return policy_document(self.denied)

    def full_policy(self) -> str:
        """IAM policy JSON granting every required action (for when nothing could be told)."""
        return policy_document(a for g in self.groups.values() for a in g)


# --- credentials -------------------------------------------------------------------------
def keys_env(secrets) -> dict[str, str]:
    """Typed-in keys from ``secrets`` (a SecretStore) as AWS env variables, read right now."""
    env = {}
    for variable, name in KEY_NAMES.items():
        value = secrets.get(name)
        if value:
            env[variable] = value
    return env


def profile_env(profile: str) -> dict[str, str]:
    return {"AWS_PROFILE": profile} if profile else {}


# --- errors ------------------------------------------------------------------------------
def explain_aws_error(exc: BaseException, *, profile: str = "") -> str:
    """A sentence for ``exc``: what failed, why, and what to do. Never echoes secrets."""
    from botocore import exceptions as bx

    who = f"profile {profile}" if profile else "these credentials"
    sso = (bx.SSOTokenLoadError, bx.UnauthorizedSSOTokenError, bx.TokenRetrievalError, bx.SSOError)
    if isinstance(exc, sso):
        login = f"aws sso login --profile {profile}" if profile else "aws sso login"
        return (
            f"The SSO session for {who} has expired or you have not signed in yet. Press "
            f"“Sign in with SSO” (or run “{login}” in a terminal), then press Check again."
        )
    if isinstance(exc, bx.ProfileNotFound):
        from dtwin_gui.clouds.aws.profiles import config_path

        return (
            f"The AWS profile “{profile or getattr(exc, 'kwargs', {}).get('profile', '')}” is "
            f"not in your AWS config ({config_path()}). Choose another profile, or add it "
            "with “aws configure --profile <name>”."
        )
    if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError):
        return (
            f"No usable AWS credentials were found for {who}. Choose a profile or type an "
            "access key ID and secret access key, then press Check."
        )
    if isinstance(exc, bx.EndpointConnectionError | bx.ConnectTimeoutError | bx.ReadTimeoutError):
        return (
            "Could not reach AWS: the network is unavailable or a firewall/proxy blocks it "
            f"({type(exc).__name__}). Check your connection (and HTTPS_PROXY), then try again."
        )
    if isinstance(exc, bx.NoRegionError):
        return "No AWS region is set. Choose a region, then press Check again."
    if isinstance(exc, bx.ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException"):
            return (
                f"AWS did not accept the access keys ({code}): the access key ID or the secret "
                "access key is wrong, or the key was deactivated. Copy both again from the IAM "
                "console (or create a new key), then press Check."
            )
        if code in ("ExpiredToken", "ExpiredTokenException", "RequestExpired"):
            return (
                f"The temporary credentials have expired ({code}). Get fresh ones (a new "
                "session token, or sign in with SSO again), then press Check."
            )
        message = exc.response.get("Error", {}).get("Message", "")
        return f"AWS refused the check ({code}: {message}). Check the credentials and try again."
    if isinstance(exc, bx.BotoCoreError):
        return f"The AWS check failed: {exc}. Check the credentials and the network, then retry."
    return f"The AWS check failed unexpectedly ({type(exc).__name__}). See the log for detail."


# --- the check ---------------------------------------------------------------------------
def _clients(target: AwsConnection, endpoint_url: str | None):
    from botocore.config import Config

    config = Config(
        retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=30
    )
    session = target.session()
    endpoint = endpoint_url or target.endpoint

    def make(service: str):
        return session.client(service, endpoint_url=endpoint, config=config)

    return make


def simulation_arn(caller_arn: str, iam=None) -> str | None:
    """The IAM principal ARN to simulate for ``caller_arn`` (None when there is none).

    An assumed-role session (``arn:aws:sts::…:assumed-role/R/s``) becomes its role; the role's
    path is looked up with ``iam.get_role`` when ``iam`` is given and allowed.
    """
    if _IAM_PRINCIPAL.match(caller_arn):
        return caller_arn
    match = _ASSUMED.match(caller_arn)
    if not match:
        return None
    if iam is not None:
        try:
            return iam.get_role(RoleName=match.group("role"))["Role"]["Arn"]
        except Exception:  # no iam:GetRole: the path-less ARN works for most roles
            pass
    return f"arn:{match.group('p')}:iam::{match.group('acct')}:role/{match.group('role')}"


def preflight(iam, principal: str | None, groups: dict[str, list[str]], root=False) -> Preflight:
    """Evaluate ``groups`` of actions for ``principal`` with ``iam:SimulatePrincipalPolicy``."""
    every = sorted({a for actions in groups.values() for a in actions})

    def filled(decisions: dict[str, str], note: str) -> Preflight:
        return Preflight(
            {g: {a: decisions.get(a, UNKNOWN) for a in actions} for g, actions in groups.items()},
            note,
        )

    if root:
        note = "You are signed in as the account's root user, who may do everything. AWS "
        note += "advises against deploying as root: prefer an IAM user or role."
        return filled(dict.fromkeys(every, ALLOWED), note)
    if principal is None:
        return filled({}, "This kind of principal cannot be simulated, so permissions are unknown.")
    decisions: dict[str, str] = {}
    try:
        for start in range(0, len(every), _BATCH):
            paginator = iam.get_paginator("simulate_principal_policy")
            pages = paginator.paginate(
                PolicySourceArn=principal, ActionNames=every[start : start + _BATCH]
            )
            for page in pages:
                for item in page.get("EvaluationResults", []):
                    allowed = item.get("EvalDecision") == "allowed"
                    decisions[item["EvalActionName"]] = ALLOWED if allowed else DENIED
    except Exception as exc:
        log.info("permission simulation unavailable: %s", type(exc).__name__)
        why = explain_aws_error(exc)
        return filled(
            {},
            "dtwin could not ask AWS which actions you may call (this needs "
            f"iam:SimulatePrincipalPolicy), so every permission is unknown. {why}",
        )
    return filled(decisions, "")


def check_aws(
    target: AwsConnection,
    *,
    layers: Iterable[str] | None = None,
    endpoint_url: str | None = None,
    profile: str = "",
) -> CheckResult:
    """Identity + permission preflight for ``target``'s credentials. Blocking: worker only.

    ``layers`` limits the preflight to those slots (plus "setup"); ``endpoint_url`` aims the
    calls elsewhere (the emulator in tests). Never raises for credential problems.
    """
    if endpoint_url:
        target = dataclasses.replace(target, endpoint=endpoint_url)
    profile = profile or target.credentials.get("AWS_PROFILE", "")
    # The user pressed Check, perhaps after signing in again: deploys and probes made after
    # this use fresh sessions too.
    boto_sessions.forget()
    try:
        client = _clients(target, endpoint_url)
        identity = client("sts").get_caller_identity()
    except Exception as exc:
        log.info("AWS identity check failed: %s", type(exc).__name__)
        return CheckResult("aws", False, message=explain_aws_error(exc, profile=profile))
    arn = identity.get("Arn", "")
    facts = [("Account", identity.get("Account", "")), ("Identity", arn)]
    if profile:
        facts.append(("Profile", profile))
    facts.append(("Region", target.region))
    groups = required_actions(layers)
    root = bool(_ROOT.match(arn))
    try:
        iam = client("iam")
        principal = None if root else simulation_arn(arn, iam)
        report = preflight(iam, principal, groups, root=root)
    except Exception as exc:  # building the client failed: report, do not crash the page
        report = preflight(None, None, groups)
        report.note = explain_aws_error(exc, profile=profile)
    return CheckResult("aws", True, facts, preflight=report)


def target_for(choice, secrets) -> AwsConnection:
    """The AWS :class:`AwsConnection` for a saved :class:`~dtwin_gui.credentials.store.AwsChoice`.

    Keys are read from ``secrets`` now (call this at deploy time, on a worker), so a key
    changed on the page is used by the next run; nothing secret is captured earlier.
    """
    from dtwin_gui.clouds.aws.connection import aws_target

    creds = keys_env(secrets) if choice.mode == "keys" else profile_env(choice.profile)
    return aws_target(choice.region or None, creds)
