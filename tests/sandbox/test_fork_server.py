"""Lambda workers forked from a warm interpreter (the fork server) behave as workers started
anew: same folder, arguments, import path, environment and command line; a package's own
module wins over what the warm interpreter imported; no two workers share random numbers."""

from __future__ import annotations

import json
import os
import signal
import threading

import psutil
import pytest

from dtwin_gui.clouds.aws.sandbox import fork_server, function_host
from tests.helpers_sandbox import ROLE_POLICY, make_zip

pytestmark = pytest.mark.skipif(not fork_server.supported(), reason="Linux pidfds only")

#: Reports what a function can see of the process it runs in.
INTROSPECT = """\
import os, sys, psutil
def handler(event, context):
    me = psutil.Process()
    return {
        "cwd": os.getcwd(),
        "argv": sys.argv,
        "path": sys.path,
        "env": dict(os.environ),
        "cmdline": me.cmdline(),
        "parent": me.parent().cmdline()[1] if me.parent() else None,
        "session_leader": os.getsid(0) == os.getpid(),
        "dont_write_bytecode": sys.dont_write_bytecode,
        "main": sys.modules["__main__"].__file__,
        "dtwin_gui_loaded": any(m.startswith("dtwin_gui") for m in sys.modules),
    }
"""


def create(aws, name: str, files: dict[str, str], env: dict | None = None) -> None:
    iam = aws.client("iam")
    try:
        role = iam.get_role(RoleName="fn-role")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument=ROLE_POLICY)
        role = role["Role"]["Arn"]
    aws.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role,
        Handler="main.handler",
        Code={"ZipFile": make_zip(files)},
        Environment={"Variables": env or {}},
        Timeout=30,
    )


def call(aws, name: str, event: dict | None = None):
    reply = aws.client("lambda").invoke(FunctionName=name, Payload=json.dumps(event or {}))
    assert "FunctionError" not in reply, reply["Payload"].read()
    return json.loads(reply["Payload"].read())


def _seen(aws, name: str) -> dict:
    create(aws, name, {"main.py": INTROSPECT}, env={"GREETING": "hello"})
    seen = call(aws, name)
    folder = seen["cwd"]
    # Folder names differ between emulators: compare the rest.
    return json.loads(json.dumps(seen).replace(folder, "<code>")), folder


def test_a_forked_worker_sees_what_a_new_interpreter_sees(tmp_path, monkeypatch):
    from dtwin_gui.clouds.aws.sandbox.emulator import AwsEmulator

    with AwsEmulator(workdir=tmp_path / "forked") as aws:
        forked, folder = _seen(aws, "probe")
    monkeypatch.setattr(function_host, "USE_FORK_SERVER", False)
    with AwsEmulator(workdir=tmp_path / "fresh") as aws:
        fresh, _ = _seen(aws, "probe")

    assert forked["parent"].endswith("worker_zygote.py")  # it was forked
    assert fresh["parent"] != forked["parent"]
    assert os.path.basename(folder).startswith("probe-")
    for key in ("cwd", "argv", "session_leader", "dont_write_bytecode", "main"):
        assert forked[key] == fresh[key], key
    # The same command line (`ps`, psutil); the interpreter's path is padded with spaces.
    assert [a.rstrip() for a in forked["cmdline"]] == fresh["cmdline"]
    assert forked["path"] == fresh["path"]
    assert forked["argv"][1:] == ["<code>", "main.handler"]
    # Exactly the function's environment: nothing of the zygote's (nor the host's) own.
    endpoint = forked["env"].pop("AWS_ENDPOINT_URL")  # each emulator's own port
    assert endpoint.startswith("http://127.0.0.1:") and fresh["env"].pop("AWS_ENDPOINT_URL")
    assert forked["env"] == fresh["env"]
    assert forked["env"]["GREETING"] == "hello"
    assert "AWS_CONFIG_FILE" not in forked["env"]
    assert not forked["dtwin_gui_loaded"]


def test_a_package_module_named_like_a_preloaded_one_is_the_packages(aws):
    # The zygote has imported jmespath (boto3 needs it); the package's own must win.
    create(
        aws,
        "own-jmespath",
        {
            "jmespath.py": "OURS = True\n",
            "main.py": "import jmespath\ndef handler(e, c):\n    return jmespath.OURS\n",
        },
    )
    assert call(aws, "own-jmespath") is True


def test_two_workers_do_not_share_random_numbers(aws):
    create(
        aws,
        "dice",
        {
            "main.py": "import random, time\n"
            "def handler(e, c):\n    time.sleep(1.0)\n    return random.random()\n"
        },
    )
    results = []
    threads = [threading.Thread(target=lambda: results.append(call(aws, "dice"))) for _ in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2 and results[0] != results[1]


def test_workers_still_start_when_the_fork_server_is_gone(aws):
    create(aws, "first", {"main.py": "def handler(e, c):\n    return 1\n"})
    assert call(aws, "first") == 1
    zygotes = [
        p
        for p in psutil.Process().children(recursive=True)
        if any(a.endswith("worker_zygote.py") for a in p.cmdline())
    ]
    assert len(zygotes) == 1
    os.kill(zygotes[0].pid, signal.SIGKILL)
    zygotes[0].wait(10)
    create(aws, "second", {"main.py": "def handler(e, c):\n    return 2\n"})
    assert call(aws, "second") == 2
    assert call(aws, "first") == 1  # its warm worker is unaffected


def test_a_function_with_interpreter_settings_of_its_own_gets_a_new_interpreter(aws):
    # PYTHON* variables act when an interpreter starts: a fork would not have them.
    create(
        aws,
        "optimised",
        {"main.py": "import sys\ndef handler(e, c):\n    return sys.flags.optimize\n"},
        env={"PYTHONOPTIMIZE": "1"},
    )
    assert call(aws, "optimised") == 1
