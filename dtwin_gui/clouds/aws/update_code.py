"""The ``update_code`` part of AWS: one Lambda's new package live in seconds.

The zip goes where Terraform's setup module would put it (the function bucket, keyed by its
content: ``<name>/<sha256>.zip``, with the provider's default tags), then
``lambda.update_function_code`` points the function at it; the update is done when
``LastUpdateStatus`` is ``Successful``, and it is right when the live ``CodeSha256`` is the
zip's SHA-256.

The package is a Terraform input (the ``aws_s3_object`` of the setup module and the
Lambda's ``s3_key``/``source_code_hash``), so the part names those two resources and says how
the state records what the SDK just made — exactly what Terraform's apply of them would have
made: the object at the new key (the superseded one is removed afterwards, as Terraform's
replacement does), the Lambda on it. Where the state does not hold those resources as this
provider version writes them, the edit declines and the engine applies the two resources
instead (``-target``); either way the next plan shows no change for the function.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from botocore.exceptions import BotoCoreError, ClientError, WaiterError

from dtwin_gui.clouds.aws.code_check import code_sha, package_key
from dtwin_gui.clouds.aws.terraform_provider import default_tags
from dtwin_gui.clouds.code_update import CodeUpdate, CodeUpdateContext, CodeUpdateError

#: How long the update may take to settle (Lambda's own waiter polls every second).
WAIT_ATTEMPTS = 120
SETUP_MODULE = "module.aws_setup"
#: The attributes the state edit rewrites; a state without them is left to Terraform.
FUNCTION_ATTRS = frozenset({"s3_bucket", "s3_key", "source_code_hash", "code_sha256"})
OBJECT_ATTRS = frozenset({"bucket", "key", "id", "source", "source_hash", "etag"})


def code_addresses(ctx: CodeUpdateContext) -> tuple[str, ...]:
    """The state's Lambda named like the package and its package object in the setup
    module. Raises :class:`CodeUpdateError` when the state has no such Lambda."""
    name = ctx.build.name
    found = [
        r.address
        for r in ctx.state_resources()
        if r.type == "aws_lambda_function" and r.attributes.get("function_name") == name
    ]
    if not found:
        raise CodeUpdateError(
            f"the Lambda {name} is not in this deployment's Terraform state (it was never "
            "deployed, or the twin changed since)",
            "deploy the twin once (a full deploy), then update single functions",
        )
    found += [
        r.address
        for r in ctx.state_resources()
        if r.type == "aws_s3_object" and r.resource_name == "package" and r.index == name
    ]
    return tuple(found)


def _bucket(ctx: CodeUpdateContext) -> str:
    bucket = (ctx.outputs or {}).get("functions_bucket_name")
    if not bucket:
        raise CodeUpdateError(
            "this deployment has no function package bucket (output functions_bucket_name)",
            "deploy the twin once (a full deploy), then update single functions",
        )
    return str(bucket)


def _instance(document: dict, type_: str, matches: Callable[[dict, dict], bool]) -> dict | None:
    for block in document.get("resources") or []:
        if block.get("type") != type_ or block.get("mode", "managed") != "managed":
            continue
        for instance in block.get("instances") or []:
            if not instance.get("deposed") and matches(block, instance):
                return instance
    return None


def state_edit(build, bucket: str, key: str, live: dict, put: dict, removed: list):
    """The edit recording ``build`` at ``key`` (its Lambda's ``live`` configuration, the
    ``put_object`` answer); the superseded key lands in ``removed``."""

    def edit(document: dict) -> dict | None:
        doc = copy.deepcopy(document)
        function = _instance(
            doc,
            "aws_lambda_function",
            lambda block, i: (i.get("attributes") or {}).get("function_name") == build.name,
        )
        package = _instance(
            doc,
            "aws_s3_object",
            lambda block, i: (
                block.get("module") == SETUP_MODULE
                and block.get("name") == "package"
                and i.get("index_key") == build.name
            ),
        )
        if function is None or package is None:
            return None
        fa, oa = function.get("attributes") or {}, package.get("attributes") or {}
        if not (fa.keys() >= FUNCTION_ATTRS and oa.keys() >= OBJECT_ATTRS):
            return None
        if fa["s3_bucket"] != bucket or oa["bucket"] != bucket:
            return None
        if oa["key"] != key:
            removed.append(oa["key"])
        fa.update(
            s3_key=key,
            source_code_hash=code_sha(build),
            code_sha256=live["CodeSha256"],
        )
        if "last_modified" in fa and live.get("LastModified"):
            fa["last_modified"] = live["LastModified"]
        if "source_code_size" in fa and live.get("CodeSize") is not None:
            fa["source_code_size"] = live["CodeSize"]
        arn = str(oa.get("arn") or "")
        oa.update(
            key=key,
            id=key,
            source=str(Path(build.path).resolve()),
            source_hash=build.sha256,
            etag=str(put.get("ETag") or "").strip('"'),
        )
        if arn and ":::" in arn:
            oa["arn"] = f"{arn.split(':::', 1)[0]}:::{bucket}/{key}"
        if "version_id" in oa:
            oa["version_id"] = str(put.get("VersionId") or "")
        return doc

    return edit


def update_code(ctx: CodeUpdateContext) -> CodeUpdate:
    """Upload ``ctx.build`` and point its Lambda at it; verify the live ``CodeSha256``."""
    build = ctx.build
    targets = code_addresses(ctx)
    bucket = _bucket(ctx)
    wanted = code_sha(build)
    key = package_key(build)
    client = ctx.connection.client("lambda")
    s3 = ctx.connection.client("s3")
    try:
        with open(build.path, "rb") as handle:
            put = s3.put_object(
                Bucket=bucket,
                Key=key,
                Body=handle.read(),
                ContentType="application/octet-stream",
                Tagging=urlencode(default_tags(ctx.topology.twin_name)),
            )
        ctx.log("info", f"uploaded {build.name} to s3://{bucket}/{key}")
        if client.get_function_configuration(FunctionName=build.name)["CodeSha256"] != wanted:
            client.update_function_code(FunctionName=build.name, S3Bucket=bucket, S3Key=key)
            client.get_waiter("function_updated_v2").wait(
                FunctionName=build.name, WaiterConfig={"Delay": 1, "MaxAttempts": WAIT_ATTEMPTS}
            )
        else:
            ctx.log("info", f"{build.name} already ran this package ({build.sha256[:12]})")
        live = client.get_function_configuration(FunctionName=build.name)
    except WaiterError as exc:
        raise CodeUpdateError(
            f"the update of {build.name} did not succeed: {exc}",
            "open the function in the AWS console to see why, then update again",
        ) from None
    except (ClientError, BotoCoreError, OSError) as exc:
        raise CodeUpdateError(
            f"AWS refused the update of {build.name}: {exc}",
            "check the connection and the permissions (lambda:UpdateFunctionCode, "
            "s3:PutObject and s3:PutObjectTagging on the function bucket), then update again",
        ) from None
    status = live.get("LastUpdateStatus", "Successful")
    if status != "Successful":
        reason = live.get("LastUpdateStatusReason") or "no reason given"
        raise CodeUpdateError(
            f"the update of {build.name} ended {status}: {reason}", "update again"
        )
    if live.get("CodeSha256") != wanted:
        raise CodeUpdateError(
            f"{build.name} runs code {live.get('CodeSha256')}, not the package just built "
            f"({wanted})",
            "update again; if it persists, run a full deploy",
        )
    removed: list[str] = []

    def tidy() -> None:  # what Terraform's replacement of the object would delete
        for old in removed:
            try:
                s3.delete_object(Bucket=bucket, Key=old)
            except (ClientError, BotoCoreError) as exc:
                ctx.log("warning", f"the superseded package s3://{bucket}/{old} stays: {exc}")

    return CodeUpdate(
        True,
        build.sha256,
        targets,
        names=(build.name,),
        detail=f"{build.name} runs {build.sha256[:12]} (CodeSha256 {wanted})",
        state_edit=state_edit(build, bucket, key, live, put, removed),
        after_record=tidy,
    )
