"""What identifies the AWS a deployment went to, for the deploy fingerprint.

The region, the kind of endpoint (sandbox gateway or AWS's own) and the endpoint, the AWS
profile, whether the deployment's function bucket is still there (and, in the sandbox, when
it was made), and the running sandbox instance (its gateway's pid and start time): a changed
region, another account profile or a restarted, empty sandbox never matches an earlier deploy.
Anything that cannot be answered gives a value that never matches.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Mapping

from dtwin_gui.clouds.aws.connection import AwsConnection

#: The sandbox gateway's health route: it answers its pid and start time.
HEALTH_PATH = "/_dtwin/health"
#: The Terraform root output naming the deployment's function-package bucket.
OUT_FUNCTIONS_BUCKET = "functions_bucket_name"


def sandbox_instance(endpoint: str) -> dict | None:
    """``{"pid", "started_at"}`` of the sandbox gateway at ``endpoint``; None when silent."""
    try:
        with urllib.request.urlopen(endpoint + HEALTH_PATH, timeout=1.0) as reply:
            data = json.loads(reply.read())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or "pid" not in data:
        return None
    return {"pid": data.get("pid"), "started_at": data.get("started_at")}


def bucket_identity(connection: AwsConnection, bucket: str | None) -> object:
    """When the deployment's function bucket was made (sandbox) or that it exists (AWS)."""
    if not bucket:
        return None
    try:
        if connection.is_sandbox:
            for entry in connection.client("s3").list_buckets().get("Buckets", []):
                if entry.get("Name") == bucket:
                    return str(entry.get("CreationDate"))
            return "missing"
        connection.client("s3").head_bucket(Bucket=bucket)
        return "present"
    except Exception as exc:  # botocore raises many types; any doubt means "not the same"
        return f"unknown:{type(exc).__name__}:{os.urandom(8).hex()}"


def identity(connection: AwsConnection, outputs: Mapping | None = None) -> dict:
    """The AWS part of the fingerprint's target (JSON-able; hashed by the caller)."""
    outputs = outputs or {}
    found: dict = {
        "region": connection.region,
        "endpoint_kind": "sandbox gateway" if connection.endpoint else "aws default endpoints",
        "endpoint": connection.endpoint,
        "profile": connection.credentials.get("AWS_PROFILE"),
        "functions_bucket": bucket_identity(connection, outputs.get(OUT_FUNCTIONS_BUCKET)),
    }
    if connection.is_sandbox and connection.endpoint:
        found["instance"] = sandbox_instance(connection.endpoint)
    return found
