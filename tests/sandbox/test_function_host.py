"""The local function host runs Lambda code that moto only stores."""

from __future__ import annotations

import io
import json
import zipfile

import psutil
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


def make_zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def create_function(aws, name: str, source: str, env: dict | None = None, timeout: int = 10):
    iam = aws.client("iam")
    try:
        role = iam.get_role(RoleName="fn-role")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument=ROLE_POLICY)["Role"][
            "Arn"
        ]
    aws.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role,
        Handler="main.handler",
        Code={"ZipFile": make_zip({"main.py": source})},
        Environment={"Variables": env or {}},
        Timeout=timeout,
    )


def invoke(aws, name: str, event: dict, **kwargs):
    reply = aws.client("lambda").invoke(
        FunctionName=name, Payload=json.dumps(event).encode(), **kwargs
    )
    body = reply["Payload"].read()
    return reply, json.loads(body) if body else None


def test_invoke_runs_the_stored_code_with_its_environment(aws):
    create_function(
        aws,
        "echo",
        "import os\n"
        "def handler(event, context):\n"
        "    print('hello from', context.function_name)\n"
        "    return {'got': event, 'colour': os.environ['COLOUR'],\n"
        "            'has_real_keys': os.environ.get('AWS_PROFILE') is not None}\n",
        env={"COLOUR": "teal"},
    )
    reply, result = invoke(aws, "echo", {"x": 1})
    assert result == {"got": {"x": 1}, "colour": "teal", "has_real_keys": False}
    assert "FunctionError" not in reply
    assert "hello from echo" in aws.host.logs("echo")


def test_boto3_inside_the_function_reaches_the_emulator(aws):
    aws.client("s3").create_bucket(Bucket="bucket")
    create_function(
        aws,
        "writer",
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('s3').put_object(Bucket='bucket', Key=event['key'], Body=b'hi')\n"
        "    return 'ok'\n",
    )
    _, result = invoke(aws, "writer", {"key": "a.txt"})
    assert result == "ok"
    body = aws.client("s3").get_object(Bucket="bucket", Key="a.txt")["Body"].read()
    assert body == b"hi"


def test_lambda_to_lambda_calls_go_through_the_host(aws):
    create_function(aws, "inner", "def handler(event, context):\n    return event['n'] * 2\n")
    create_function(
        aws,
        "outer",
        "import boto3, json\n"
        "def handler(event, context):\n"
        "    r = boto3.client('lambda').invoke(FunctionName='inner',\n"
        "        Payload=json.dumps({'n': event['n']}).encode())\n"
        "    return json.loads(r['Payload'].read()) + 1\n",
    )
    _, result = invoke(aws, "outer", {"n": 20})
    assert result == 41


def test_function_error_is_reported_like_lambda(aws):
    create_function(aws, "boom", "def handler(event, context):\n    raise ValueError('bad')\n")
    reply, result = invoke(aws, "boom", {})
    assert reply["FunctionError"] == "Unhandled"
    assert result["errorType"] == "ValueError" and result["errorMessage"] == "bad"


def test_timeout_kills_the_invocation(aws):
    create_function(
        aws, "slow", "import time\ndef handler(event, context):\n    time.sleep(30)\n", timeout=1
    )
    reply, result = invoke(aws, "slow", {})
    assert reply["FunctionError"] == "Unhandled"
    assert "timed out" in result["errorMessage"]


def test_async_invocation_runs_in_background(aws):
    aws.client("s3").create_bucket(Bucket="bucket")
    create_function(
        aws,
        "later",
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('s3').put_object(Bucket='bucket', Key='done', Body=b'1')\n",
    )
    reply, _ = invoke(aws, "later", {}, InvocationType="Event")
    assert reply["StatusCode"] == 202
    assert aws.host.drain(timeout_s=30)
    assert aws.client("s3").head_object(Bucket="bucket", Key="done")["ContentLength"] == 1


def test_unknown_function_is_not_found(aws):
    with pytest.raises(aws.client("lambda").exceptions.ResourceNotFoundException):
        aws.client("lambda").invoke(FunctionName="nope", Payload=b"{}")


def test_stopping_leaves_no_worker_process(tmp_path):
    from dtwin_gui.clouds.aws.sandbox.emulator import AwsEmulator

    me = psutil.Process()
    with AwsEmulator(workdir=tmp_path / "fx") as aws:
        create_function(aws, "f", "def handler(event, context):\n    return 1\n")
        invoke(aws, "f", {})
        assert me.children(recursive=True)
    assert me.children(recursive=True) == []


def test_every_log_line_is_collected_when_the_invocation_returns(aws):
    # The log stream is read by another thread; an answer must not overtake its own log.
    create_function(
        aws,
        "chatty",
        "import sys\n"
        "def handler(event, context):\n"
        "    for i in range(200):\n"
        "        print(f\"{event['n']}-{i}\")\n"
        "    print()\n"
        "    print(f\"{event['n']}-last\", end='')\n"
        "    return event['n']\n",
    )
    for n in range(20):
        _, result = invoke(aws, "chatty", {"n": n})
        assert result == n
        lines = aws.host.logs("chatty")
        assert lines[-1] == f"{n}-last" and lines[-2] == "", lines[-3:]
    assert not any("RequestId" in line for line in aws.host.logs("chatty"))
    assert len(aws.host.logs("chatty")) == 20 * 202


def test_a_burst_of_async_invocations_queues_instead_of_starting_workers(aws):
    """Starting a worker costs far more than waiting for one: 24 background invocations of
    a slow function all run, in at most MAX_WORKERS_PER_FUNCTION processes."""
    from dtwin_gui.clouds.aws.sandbox.function_host import MAX_WORKERS_PER_FUNCTION

    create_function(
        aws,
        "slow",
        "import os, time\n"
        "def handler(event, context):\n"
        "    time.sleep(0.1)\n"
        "    print('ran', event['i'], 'in', os.getpid())\n",
    )
    lam = aws.client("lambda")
    for i in range(24):
        lam.invoke(FunctionName="slow", InvocationType="Event", Payload=json.dumps({"i": i}))
    assert aws.host.drain(timeout_s=60)
    ran = [line.split() for line in aws.host.logs("slow") if line.startswith("ran ")]
    assert sorted(int(words[1]) for words in ran) == list(range(24))
    assert 1 <= len({words[3] for words in ran}) <= MAX_WORKERS_PER_FUNCTION


def test_a_synchronous_call_into_a_busy_pool_still_gets_an_answer(aws):
    """A function calling itself synchronously must not wait forever for its own pool."""
    create_function(
        aws,
        "recurse",
        "import json, boto3\n"
        "def handler(event, context):\n"
        "    if event['depth'] == 0:\n"
        "        return 0\n"
        "    reply = boto3.client('lambda').invoke(\n"
        "        FunctionName='recurse', Payload=json.dumps({'depth': event['depth'] - 1}))\n"
        "    return 1 + json.loads(reply['Payload'].read())\n",
        timeout=60,
    )
    reply, result = invoke(aws, "recurse", {"depth": 5})  # deeper than the pool is wide
    assert "FunctionError" not in reply, result
    assert result == 5


def test_a_long_running_sandbox_keeps_only_the_latest_log_lines(aws, monkeypatch):
    # The daemon runs for hours; every line a function writes must not stay in memory.
    from dtwin_gui.clouds.aws.sandbox import function_host

    monkeypatch.setattr(function_host, "LOG_LINES_KEPT", 50)
    create_function(
        aws,
        "talker",
        "def handler(event, context):\n"
        "    for i in range(event['n']):\n"
        "        print(f\"line {event['batch']}-{i}\")\n"
        "    return 1\n",
    )
    for batch in range(3):
        invoke(aws, "talker", {"n": 40, "batch": batch})
    lines = aws.host.logs("talker")
    assert len(lines) == 50
    assert lines[-1] == "line 2-39" and lines[0] == "line 1-30"
