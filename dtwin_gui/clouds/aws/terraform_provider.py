"""The AWS provider of the generated root: version, provider block (the sandbox's endpoints),
the account the unique suffix comes from, and Lambda's package hash."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from dtwin_gui.iac.root_parts import RootError

if TYPE_CHECKING:
    from dtwin_gui.clouds.aws.connection import AwsConnection

AWS_PROVIDER_VERSION = "5.100.0"
#: The account the sandbox emulator (moto) reports.
SANDBOX_ACCOUNT = "123456789012"
#: Attempts the aws provider makes per call against the sandbox.
SANDBOX_MAX_RETRIES = 3
#: Services the AWS modules call; the sandbox provider sends each to the emulator.
SANDBOX_SERVICES = (
    "dynamodb",
    "grafana",
    "iam",
    "iot",
    "lambda",
    "logs",
    "s3",
    "scheduler",
    "sfn",
    "sts",
)
#: The data source giving the account's IoT data endpoint (not used on the sandbox).
IOT_ENDPOINT_DATA = {"aws_iot_endpoint": {"data": {"endpoint_type": "iot:Data-ATS"}}}


def account_id(target: AwsConnection, given: str | None) -> str:
    """The account the unique suffix is derived from: ``given``, the sandbox's, or STS's."""
    if given:
        return given
    if target.is_sandbox:
        return SANDBOX_ACCOUNT
    try:
        return target.client("sts").get_caller_identity()["Account"]
    except Exception as exc:  # botocore raises many types; the user needs the cause
        raise RootError(
            f"cannot read the AWS account id ({exc}); check the credentials on the Credentials page"
        ) from None


def required_providers() -> dict[str, dict]:
    return {"aws": {"source": "hashicorp/aws", "version": AWS_PROVIDER_VERSION}}


def default_tags(twin: str) -> dict[str, str]:
    """The tags the provider puts on everything it makes (an SDK upload Terraform records
    carries them too)."""
    return {"dtwin:twin": twin, "dtwin:managed-by": "dtwin"}


def provider(target: AwsConnection, twin: str) -> dict:
    """The ``aws`` provider block: region, tags, and on the sandbox its endpoints."""
    aws: dict = {"region": target.region, "default_tags": {"tags": default_tags(twin)}}
    if target.is_sandbox:
        if not target.endpoint:
            raise RootError("the sandbox target has no endpoint; start the sandbox first")
        aws.update(
            endpoints={service: target.endpoint for service in SANDBOX_SERVICES},
            skip_credentials_validation=True,
            skip_requesting_account_id=True,
            skip_metadata_api_check=True,
            s3_use_path_style=True,
            # A few retries ride over the occasional loopback connection the emulator
            # drops mid-answer; errors it means (4xx, 501 for what it lacks) are not
            # retried, so a real failure still surfaces at once.
            max_retries=SANDBOX_MAX_RETRIES,
        )
    return aws


def package_hash(sha256_hex: str) -> str:
    """Lambda's ``source_code_hash``: base64 of the zip's SHA-256."""
    return base64.b64encode(bytes.fromhex(sha256_hex)).decode("ascii")
