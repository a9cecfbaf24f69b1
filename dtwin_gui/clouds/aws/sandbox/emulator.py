"""Start moto on loopback (in this process) with the gateway and function host in front.

The gateway is the endpoint every client uses: tests, our SDK steps, Terraform and the
functions themselves (``AWS_ENDPOINT_URL``), so Lambda invocations run for real.
"""

from __future__ import annotations

import base64
import hashlib
import urllib.request
from pathlib import Path

from moto.server import ThreadedMotoServer

from dtwin_gui.clouds.aws.sandbox.function_host import FunctionCode, FunctionHost
from dtwin_gui.clouds.aws.sandbox.gateway import Gateway

ACCOUNT = "123456789012"
REGION = "us-east-1"
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


#: ``(region, function) -> (the code bytes, their hash)``: every invocation looks its function
#: up, and hashing a package of a few MB each time cost ~2 ms per hop.
_CODE_SHAS: dict[tuple[str, str], tuple[bytes, str]] = {}


def _code_sha(region: str, name: str, code: bytes) -> str:
    cached = _CODE_SHAS.get((region, name))
    if cached is not None and cached[0] is code:
        return cached[1]
    sha = base64.b64encode(hashlib.sha256(code).digest()).decode()
    _CODE_SHAS[(region, name)] = (code, sha)
    return sha


def _moto_lambda_lookup(name: str, region: str) -> FunctionCode | None:
    from moto.awslambda.models import lambda_backends

    try:
        function = lambda_backends[ACCOUNT][region].get_function(name)
    except Exception:  # moto raises its own not-found error types
        return None
    code = function.code_bytes
    return FunctionCode(
        name=function.function_name,
        handler=function.handler,
        code_sha=_code_sha(region, function.function_name, code),
        code_bytes=code,
        env=dict(function.environment_vars or {}),
        timeout_s=float(function.timeout or 3),
        memory_mb=int(function.memory_size or 128),
    )


class AwsEmulator:
    """moto + gateway + function host, all on 127.0.0.1. Use as a context manager."""

    def __init__(self, *, region: str = REGION, workdir: Path | None = None, log=None) -> None:
        self.region = region
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._workdir = workdir
        self._log = log
        self.host: FunctionHost | None = None
        self.gateway: Gateway | None = None

    @property
    def endpoint(self) -> str:
        return self.gateway.url

    def client_kwargs(self) -> dict:
        """Keyword arguments for ``boto3.client(service, **kwargs)`` against the sandbox."""
        return {
            "endpoint_url": self.endpoint,
            "region_name": self.region,
            "aws_access_key_id": FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            "aws_secret_access_key": FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        }

    def client(self, service: str):
        import boto3

        return boto3.client(service, **self.client_kwargs())

    def start(self) -> AwsEmulator:
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        # moto keeps its state per process: start every emulator empty.
        reset = urllib.request.Request(f"http://{host}:{port}/moto-api/reset", method="POST")
        with urllib.request.urlopen(reset, timeout=30):
            pass
        from dtwin_gui.clouds.aws.sandbox.log_shipper import LogShipper

        moto_url = f"http://{host}:{port}"
        self.log_shipper = LogShipper(lambda: self._moto_client("logs", moto_url)).start()
        self.host = FunctionHost({}, workdir=self._workdir, log=self._function_log)
        self.gateway = Gateway(
            f"http://{host}:{port}",
            self.host,
            _moto_lambda_lookup,
            default_region=self.region,
            upstream_app=self._moto._server.app,
        ).start()
        self.host._base_env.update(
            {
                "AWS_ENDPOINT_URL": self.gateway.url,
                "AWS_REGION": self.region,
                "AWS_DEFAULT_REGION": self.region,
                "DTWIN_SANDBOX_ACCOUNT": ACCOUNT,
                **FAKE_CREDENTIALS,
            }
        )
        from dtwin_gui.clouds.aws.sandbox.patches import install_all

        self.patches = install_all(self.gateway, self)
        from dtwin_gui.clouds.aws.sandbox.reaper import Reaper

        self.reaper = Reaper(self.gateway, self.host).start()  # deleted and idle workers
        return self

    def _moto_client(self, service: str, url: str):
        import boto3

        return boto3.client(service, **{**self.client_kwargs(), "endpoint_url": url})

    def _function_log(self, name: str, line: str) -> None:
        """A function's log line: into CloudWatch Logs (as on AWS) and to ``log``."""
        self.log_shipper(name, line)
        if self._log is not None:
            self._log(name, line)

    def stop(self) -> None:
        if getattr(self, "log_shipper", None):
            self.log_shipper.stop()
        if getattr(self, "reaper", None):
            self.reaper.stop()
        if self.host:
            self.host.close()
        if self.gateway:
            self.gateway.stop()
        self._moto.stop()

    def __enter__(self) -> AwsEmulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
