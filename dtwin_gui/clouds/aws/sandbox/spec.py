"""What the sandbox starts for AWS: moto behind the Lambda gateway and the function host.

AWS takes :attr:`~dtwin_gui.clouds.base.SandboxPath.TERRAFORM` in the sandbox: the
Terraform AWS provider applies the modules against the gateway (``endpoints["aws"]``).
The gateway answers ``GET /_dtwin/health`` with the serving process's pid and whatever the
supervisor adds (the daemon adds its state), which is how clients tell this instance from a
stale one and how :func:`healthy` knows the emulator answers.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path

from dtwin_gui.clouds.base import EmulatorHandle, EmulatorSpec, SandboxPath
from dtwin_gui.core.providers import Cloud

HEALTH_PATH = "/_dtwin/health"
LABEL = "moto + Lambda gateway + function host"


def start(
    data_dir: Path,
    *,
    region: str | None = None,
    log: Callable[[str, str], None] | None = None,
    health: Callable[[], dict] | None = None,
    **_options,
) -> EmulatorHandle:
    """Start the AWS emulator on loopback; function workers run under ``data_dir/functions``.

    ``health`` gives extra fields of the ``/_dtwin/health`` answer (the daemon's state).
    """
    from dtwin_gui.clouds.aws.sandbox.emulator import REGION, AwsEmulator
    from dtwin_gui.clouds.aws.sandbox.patches._common import json_response

    workdir = Path(data_dir) / "functions"
    shutil.rmtree(workdir, ignore_errors=True)
    emulator = AwsEmulator(region=region or REGION, workdir=workdir, log=log)
    try:
        emulator.start()
    except BaseException:
        with contextlib.suppress(Exception):
            emulator.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    pid = os.getpid()

    def answer_health(request):
        if request.path == HEALTH_PATH and request.method == "GET":
            extra = health() if health is not None else {}
            return json_response(200, {**extra, "pid": pid, "cloud": "aws"})
        return None

    emulator.gateway.add_interceptor(answer_health)

    def stop() -> None:
        try:
            emulator.stop()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    return EmulatorHandle(
        endpoints={"aws": emulator.endpoint},
        stop=stop,
        details={"region": emulator.region, "pid": pid, "emulator": emulator},
    )


def healthy(handle: EmulatorHandle, timeout_s: float = 2.0) -> bool:
    """True when the gateway answers its health path with this process's pid."""
    try:
        url = handle.endpoints["aws"] + HEALTH_PATH
        with urllib.request.urlopen(url, timeout=timeout_s) as reply:
            answer = json.loads(reply.read())
    except (OSError, ValueError, KeyError, http.client.HTTPException):
        return False
    return isinstance(answer, dict) and answer.get("pid") == handle.details.get("pid")


def counts(endpoints: Mapping[str, str], region: str) -> dict[str, int | None]:
    """How many functions, tables and buckets the running emulator holds (None: unknown)."""
    import boto3
    from botocore.config import Config

    from dtwin_gui.clouds.aws.sandbox.emulator import FAKE_CREDENTIALS

    config = Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30)
    session = boto3.session.Session(
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=region,
    )

    def client(service: str):
        return session.client(service, endpoint_url=endpoints["aws"], config=config)

    found: dict[str, int | None] = {}
    calls = {
        "functions": lambda: client("lambda").list_functions()["Functions"],
        "tables": lambda: client("dynamodb").list_tables()["TableNames"],
        "buckets": lambda: client("s3").list_buckets()["Buckets"],
    }
    for name, call in calls.items():
        try:
            found[name] = len(call())
        except Exception:  # a count we cannot get is shown as unknown
            found[name] = None
    return found


def emulator_spec() -> EmulatorSpec:
    return EmulatorSpec(
        cloud=Cloud.AWS,
        label=LABEL,
        start=start,
        healthy=healthy,
        sandbox_path=SandboxPath.TERRAFORM,
        counts=counts,
    )
