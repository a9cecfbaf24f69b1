"""Structured JSON log lines on stdout."""

from __future__ import annotations

import json
import logging
import re

from dtwin_gui.runtime.core.log import FunctionLog, level_from_env
from dtwin_gui.runtime.core.memory import MemoryLog


def test_lines_are_json_with_the_standard_fields(capsys):
    log = FunctionLog("factory-twin-dispatcher")
    log.error("rejected", "device 'x' is unknown", device_id="x", trace_id="t-1", extra=3)
    [line] = capsys.readouterr().out.splitlines()
    entry = json.loads(line)
    # when it was written: a sandbox function's log file has no timestamps of its own
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry.pop("time"))
    assert entry == {
        "level": "ERROR",
        "function": "factory-twin-dispatcher",
        "trace_id": "t-1",
        "device_id": "x",
        "event": "rejected",
        "message": "device 'x' is unknown",
        "extra": 3,
    }


def test_level_filtering(capsys):
    log = FunctionLog("f", level="INFO")
    log.debug("noise", "hidden")
    log.info("kept", "shown")
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(x)["event"] for x in lines] == ["kept"]
    assert not log.enabled(logging.DEBUG) and log.enabled(logging.WARNING)


def test_level_from_env():
    assert level_from_env(None) == logging.INFO
    assert level_from_env("debug") == logging.DEBUG
    assert level_from_env("WARNING") == logging.WARNING
    assert level_from_env("chatty") == logging.INFO


def test_values_that_are_not_json_are_written_as_text(capsys):
    FunctionLog("f").info("odd", "m", value=object())
    assert json.loads(capsys.readouterr().out)["value"].startswith("<object")


def test_memory_log_keeps_entries_and_prints_only_when_asked(capsys):
    quiet, loud = MemoryLog(), MemoryLog(echo=True)
    quiet.warning("w", "m", device_id="d")
    loud.warning("w", "m", device_id="d")
    assert quiet.find("w")[0]["device_id"] == "d" and loud.entries
    assert len(capsys.readouterr().out.splitlines()) == 1


def test_on_a_real_function_app_the_lines_go_through_logging_to_the_host():
    """Azure's Python worker forwards the root logger's records to the host (Application
    Insights); stdout is not where the lines go there. A fresh process: the runtime logger
    is configured once, on first use."""
    import os
    import subprocess
    import sys

    script = (
        "import logging, sys\n"
        "got = []\n"
        "class Host(logging.Handler):\n"
        "    def emit(self, record): got.append(record.getMessage())\n"
        "logging.getLogger().addHandler(Host())\n"
        "from dtwin_gui.runtime.core.log import FunctionLog\n"
        "FunctionLog('persister').info('stored', 'record stored', trace_id='t-1')\n"
        "import json; sys.stderr.write(json.dumps(got))\n"
    )
    env = {**os.environ, "WEBSITE_INSTANCE_ID": "0123abcd"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""  # not printed as well
    (line,) = json.loads(done.stderr)
    assert json.loads(line)["event"] == "stored" and json.loads(line)["trace_id"] == "t-1"
