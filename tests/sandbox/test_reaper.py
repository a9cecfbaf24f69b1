"""The sandbox reaps Lambda workers: a deleted function's at once, idle ones after a while
(issue 11 item 4)."""

from __future__ import annotations

import json
import os

import psutil

from dtwin_gui.clouds.aws.sandbox.reaper import Reaper, function_name
from tests.helpers_sandbox import create_function


def workers_of(name: str) -> list[psutil.Process]:
    """Live worker processes running function ``name`` (their folder is named for it)."""
    found = []
    for child in psutil.Process(os.getpid()).children(recursive=True):
        try:
            cmd = child.cmdline()
            worker = any(a.endswith("lambda_worker.py") for a in cmd)
            ours = worker and os.path.basename(cmd[-2]).startswith(f"{name}-")
            if ours and child.status() != psutil.STATUS_ZOMBIE:
                found.append(child)
        except psutil.Error:
            continue
    return found


def test_a_deleted_functions_workers_are_stopped(aws):
    create_function(aws, "twin-a", "def handler(e, c):\n    return e\n")
    create_function(aws, "twin-b", "def handler(e, c):\n    return e\n")
    client = aws.client("lambda")
    for name in ("twin-a", "twin-b"):
        reply = client.invoke(FunctionName=name, Payload=json.dumps({"x": 1}))
        assert json.loads(reply["Payload"].read()) == {"x": 1}
    doomed = workers_of("twin-a")
    assert doomed and workers_of("twin-b")

    client.delete_function(FunctionName="twin-a")
    _gone, alive = psutil.wait_procs(doomed, timeout=10)
    assert not alive and not workers_of("twin-a")
    assert workers_of("twin-b")  # another function's warm worker is kept


def test_idle_workers_are_stopped_after_a_while(aws):
    create_function(aws, "twin-idle", "def handler(e, c):\n    return e\n")
    aws.client("lambda").invoke(FunctionName="twin-idle", Payload=b"{}")
    idle = workers_of("twin-idle")
    assert idle
    reaper = Reaper(aws.gateway, aws.host, idle_s=0.2, interval_s=0.1).start()
    try:
        _gone, alive = psutil.wait_procs(idle, timeout=10)
    finally:
        reaper.stop()
    assert not alive and not workers_of("twin-idle")
    # The next call starts a worker again.
    reply = aws.client("lambda").invoke(FunctionName="twin-idle", Payload=b'{"again": true}')
    assert json.loads(reply["Payload"].read()) == {"again": True}


def test_function_names_from_paths():
    assert function_name("twin-a") == "twin-a"
    assert function_name("twin-a%3A1") == "twin-a"
    assert function_name("arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Atwin-a") == "twin-a"
