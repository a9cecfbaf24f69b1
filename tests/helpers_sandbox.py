"""Helpers for sandbox tests: tiny Lambda functions, and real Terraform (the aws provider
from the local filesystem mirror) against the emulator."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROLE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)

#: A function that stores every event it gets in S3 bucket ``$BUCKET`` as JSON.
SINK_SOURCE = """\
import json, os, uuid
import boto3

def handler(event, context):
    boto3.client("s3").put_object(
        Bucket=os.environ["BUCKET"], Key=f"{uuid.uuid4()}.json", Body=json.dumps(event).encode()
    )
    return {"stored": event}
"""


def make_zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def create_function(aws, name: str, source: str, env: dict | None = None) -> str:
    """Create a Python function in the emulator; returns its ARN."""
    iam = aws.client("iam")
    try:
        role = iam.get_role(RoleName="fn-role")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument=ROLE_POLICY)
        role = role["Role"]["Arn"]
    reply = aws.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role,
        Handler="main.handler",
        Code={"ZipFile": make_zip({"main.py": source})},
        Environment={"Variables": env or {}},
        Timeout=30,
    )
    return reply["FunctionArn"]


def create_sink(aws, name: str = "sink", bucket: str = "events") -> str:
    """A function storing its events in ``bucket`` (created); returns its ARN."""
    aws.client("s3").create_bucket(Bucket=bucket)
    return create_function(aws, name, SINK_SOURCE, {"BUCKET": bucket})


def stored_events(aws, bucket: str = "events") -> list:
    s3 = aws.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return [json.loads(s3.get_object(Bucket=bucket, Key=k)["Body"].read()) for k in keys]


def http_json(url: str, body: dict | None = None, method: str | None = None) -> tuple[int, dict]:
    """Call a sandbox ``/_dtwin/...`` endpoint; returns (status, JSON body)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method or ("POST" if data else "GET"))
    try:
        with urllib.request.urlopen(request, timeout=120) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


MIRROR = Path(os.environ.get("DTWIN_TF_MIRROR", "/opt/tf-plugins"))
AWS_PROVIDER_VERSION = "5.100.0"
ENDPOINT_SERVICES = (
    "iam",
    "sts",
    "iot",
    "sfn",
    "lambda",
    "s3",
    "dynamodb",
    "events",
    "scheduler",
    "logs",
)


def require_terraform() -> None:
    """Skip the test when Terraform or the provider mirror is not on this machine."""
    provider = MIRROR / "registry.terraform.io/hashicorp/aws" / AWS_PROVIDER_VERSION
    if shutil.which("terraform") is None or not provider.is_dir():
        message = "terraform or its aws provider mirror is not installed"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI must run the Terraform tests")
        pytest.skip(message)


def provider_block(endpoint: str, region: str) -> str:
    endpoints = "\n".join(f'    {s} = "{endpoint}"' for s in ENDPOINT_SERVICES)
    return f"""
terraform {{
  required_providers {{
    aws = {{
      source  = "hashicorp/aws"
      version = "{AWS_PROVIDER_VERSION}"
    }}
  }}
}}

provider "aws" {{
  region                      = "{region}"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true
  max_retries                 = 3
  endpoints {{
{endpoints}
  }}
}}
"""


class Terraform:
    def __init__(self, workdir: Path, endpoint: str, region: str) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        cli_config = workdir / "cli.tfrc"
        cli_config.write_text(
            "provider_installation {\n"
            f'  filesystem_mirror {{\n    path = "{MIRROR}"\n'
            '    include = ["registry.terraform.io/hashicorp/*"]\n  }\n'
            '  direct {\n    exclude = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n'
        )
        self.env = {
            "PATH": os.environ["PATH"],
            "HOME": str(workdir),
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        self.endpoint, self.region = endpoint, region

    def write(self, resources: str) -> None:
        (self.workdir / "main.tf").write_text(
            provider_block(self.endpoint, self.region) + resources
        )

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        result = subprocess.run(
            ["terraform", *args, "-no-color"],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, (
            f"terraform {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        )
        return result

    def init(self) -> None:
        self.run("init", "-input=false")

    def apply(self) -> None:
        self.run("apply", "-auto-approve", "-input=false")

    def destroy(self) -> None:
        self.run("destroy", "-auto-approve", "-input=false")

    def plan_is_empty(self) -> bool:
        result = subprocess.run(
            ["terraform", "plan", "-detailed-exitcode", "-input=false", "-no-color"],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode in (0, 2), result.stdout + result.stderr
        return result.returncode == 0
