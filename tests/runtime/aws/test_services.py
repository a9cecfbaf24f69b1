"""The Lambda invoker of the AWS adapters, against the emulated Lambda."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from dtwin_gui.runtime.aws.services import LambdaInvoker

pytestmark = pytest.mark.slow


def _function(aws, name: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("main.py", "def handler(event, context):\n    return event\n")
    role = aws.client("iam").create_role(
        RoleName="r",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
    aws.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role,
        Handler="main.handler",
        Code={"ZipFile": buffer.getvalue()},
    )


def _connections_opened(client) -> int:
    manager = client._endpoint.http_session._manager  # urllib3 PoolManager of the client
    return sum(pool.num_connections for pool in manager.pools._container.values())


def test_asynchronous_invocations_reuse_one_connection(aws):
    """An unread (empty) 202 body kept each connection out of the pool: every Event invoke
    opened a new connection (a new TLS handshake on AWS)."""
    _function(aws, "target")
    client = aws.client("lambda")
    invoker = LambdaInvoker(client)
    for i in range(5):
        assert invoker.invoke("target", {"i": i}, wait=False) is None
    assert invoker.invoke("target", {"i": 5}) == {"i": 5}
    assert _connections_opened(client) == 1
    assert aws.host.drain(timeout_s=30)
