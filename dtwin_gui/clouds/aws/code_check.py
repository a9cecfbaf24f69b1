"""Does every deployed Lambda run the package this deploy built? Repair the ones that do not.

Terraform records a function's new ``source_code_hash`` even when the update that should have
brought the code was cut short (a cancel, a crash, a lost connection): its state then says
"current" while the function runs an older zip, and no later plan sees a difference. So the
deploy's verify phase compares each function's live ``CodeSha256`` with the build, and points
a stale function at its package in the setup module's bucket (where Terraform uploaded it,
keyed by content) through the SDK.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from botocore.exceptions import ClientError, WaiterError

from dtwin_gui.build.cache import BuildResult
from dtwin_gui.clouds.aws.connection import AwsConnection


@dataclass(frozen=True)
class StaleFunction:
    name: str
    #: Base64 SHA-256 of the code the function runs, and of the package it should run.
    live: str
    expected: str


def code_sha(build: BuildResult) -> str:
    """Lambda's ``CodeSha256`` of a package: base64 of the zip's SHA-256."""
    return base64.b64encode(bytes.fromhex(build.sha256)).decode("ascii")


def package_key(build: BuildResult) -> str:
    """Where the setup module uploads ``build`` (``terraform/modules/aws/setup``)."""
    return f"{build.name}/{build.sha256}.zip"


def stale_functions(target: AwsConnection, builds: Iterable[BuildResult]) -> list[StaleFunction]:
    """AWS functions whose live code differs from their package (missing ones are skipped:
    the status check reports those)."""
    client = target.client("lambda")
    out = []
    for build in builds:
        if str(build.cloud) != "aws":
            continue
        try:
            live = client.get_function_configuration(FunctionName=build.name)["CodeSha256"]
        except client.exceptions.ResourceNotFoundException:
            continue
        if live != code_sha(build):
            out.append(StaleFunction(build.name, live, code_sha(build)))
    return out


def repair_stale_code(
    target: AwsConnection,
    builds: Iterable[BuildResult],
    bucket: str,
    log: Callable[[str], None] = lambda message: None,
) -> list[StaleFunction]:
    """Point every stale function at its package in ``bucket``; return those still stale."""
    builds = [b for b in builds if str(b.cloud) == "aws"]
    stale = stale_functions(target, builds)
    if not stale:
        return []
    by_name = {b.name: b for b in builds}
    client = target.client("lambda")
    for function in stale:
        build = by_name[function.name]
        log(
            f"{function.name} runs an older package than this deploy built (an update cut "
            f"short?); updating its code from s3://{bucket}/{package_key(build)}"
        )
        try:
            client.update_function_code(
                FunctionName=function.name, S3Bucket=bucket, S3Key=package_key(build)
            )
            client.get_waiter("function_updated_v2").wait(
                FunctionName=function.name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
            )
        except (ClientError, WaiterError) as exc:  # what is still stale is the answer
            log(f"could not update the code of {function.name}: {exc}")
    return stale_functions(target, builds)


def check_code(
    target: AwsConnection,
    builds: Iterable[BuildResult],
    outputs: Mapping,
    log: Callable[[str], None] = lambda message: None,
) -> list[StaleFunction]:
    """The ``code_check`` part: repair stale functions from the deployment's package bucket
    (``functions_bucket_name`` of the outputs); nothing to check before that bucket exists."""
    bucket = (outputs or {}).get("functions_bucket_name")
    if not bucket:
        return []
    return repair_stale_code(target, builds, bucket, log=log)
