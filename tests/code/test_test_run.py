"""Test runs: the user's code runs in a child process, with a time limit, on a sample."""

from __future__ import annotations

import threading
import time

import psutil

from dtwin_gui.code.kinds import FEEDBACK_TARGET, action_target, processor_target
from dtwin_gui.code.test_run import child_environment, run_code_test
from dtwin_gui.core.project import load_project

TARGET = processor_target("temperature-sensor-1")


def _write_processor(project, text: str) -> None:
    TARGET.path(project).write_text(text, encoding="utf-8")


def test_a_good_processor_gives_its_output(project):
    result = run_code_test(load_project(project), TARGET)
    assert result.ok, result.error
    assert result.input["temperature"] == 22.5
    assert result.output["temperature_f"] == 72.5  # 22.5 °C in °F, added by the processor
    assert result.output["device_id"] == "temperature-sensor-1"
    assert not result.timed_out
    assert not list(TARGET.path(project).parent.glob("__pycache__"))


def test_an_exception_names_the_users_line(project):
    _write_processor(
        project,
        "def helper(event):\n"
        "    return event['pressure']\n"
        "\n"
        "def process(event):\n"
        "    print('looking at', event['device_id'])\n"
        "    helper(event)\n"
        "    return event\n",
    )
    result = run_code_test(load_project(project), TARGET)
    assert not result.ok
    assert result.error_line == 2 and result.error_file == "process.py"
    assert "KeyError" in result.error and "pressure" in result.error
    assert result.error_source == "return event['pressure']"
    assert "line 2" in result.message
    assert "looking at temperature-sensor-1" in result.stdout


def test_a_syntax_error_is_reported_with_its_line(project):
    _write_processor(project, "def process(event):\n    return event +\n")
    result = run_code_test(load_project(project), TARGET)
    assert not result.ok
    assert result.error_line == 2 and "syntax error" in result.error


def test_a_wrong_result_is_explained(project):
    _write_processor(project, "def process(event):\n    return [event]\n")
    result = run_code_test(load_project(project), TARGET)
    assert not result.ok and "returned list, not a dict" in result.error


def _write_endless_processor(project, tmp_path):
    """A processor that starts a helper process, notes both PIDs, then loops forever."""
    pid_file = tmp_path / "pids.txt"
    _write_processor(
        project,
        "import os, subprocess, sys\n"
        "def process(event):\n"
        "    helper = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"    open({str(pid_file)!r}, 'w').write(f'{{os.getpid()}} {{helper.pid}}')\n"
        "    while True:\n"
        "        pass\n",
    )
    return pid_file


def test_an_endless_loop_times_out_and_leaves_no_process(project, tmp_path):
    pid_file = _write_endless_processor(project, tmp_path)
    result = run_code_test(load_project(project), TARGET, timeout=2.0)
    assert not result.ok and result.timed_out
    assert "did not finish within 2 s" in result.error
    assert not _survivors([int(p) for p in pid_file.read_text().split()])
    assert not psutil.Process().children(recursive=True)


def _survivors(pids: list[int]) -> list:
    survivors = []
    for pid in pids:
        try:
            proc = psutil.Process(pid)
        except psutil.NoSuchProcess:
            continue
        _, alive = psutil.wait_procs([proc], timeout=5)
        survivors += [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]
    return survivors


def test_stop_ends_a_run_at_once_and_leaves_no_process(project, tmp_path):
    pid_file = _write_endless_processor(project, tmp_path)
    cancel = threading.Event()
    threading.Thread(
        target=lambda: (_wait_for(pid_file), cancel.set()), name="presses-stop", daemon=True
    ).start()
    started = time.monotonic()
    result = run_code_test(load_project(project), TARGET, timeout=60.0, cancel=cancel)
    assert time.monotonic() - started < 30  # not the 60 s time limit
    assert not result.ok and result.cancelled and not result.timed_out
    assert result.error.startswith("you stopped the test run after")
    assert not _survivors([int(p) for p in pid_file.read_text().split()])
    assert not psutil.Process().children(recursive=True)


def _wait_for(path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not (path.exists() and len(path.read_text().split()) == 2):
        if time.monotonic() > deadline:
            return
        time.sleep(0.05)


def test_an_unused_stop_changes_nothing(project):
    _write_processor(project, "def process(event):\n    return event\n")
    result = run_code_test(load_project(project), TARGET, cancel=threading.Event())
    assert result.ok and not result.cancelled


def test_sys_exit_in_user_code_is_reported_not_fatal(project):
    _write_processor(project, "import sys\n\ndef process(event):\n    sys.exit(3)\n")
    result = run_code_test(load_project(project), TARGET)
    assert not result.ok and "SystemExit" in result.error and result.error_line == 4


def test_an_action_error_and_a_feedback_result_are_checked(project):
    action = action_target("high-temperature-alert")
    action.path(project).write_text("def action(event, rule):\n    return 1 / 0\n")
    result = run_code_test(load_project(project), action)
    assert not result.ok and "ZeroDivisionError" in result.error and result.error_line == 2
    assert set(result.input) == {"event", "rule"}

    FEEDBACK_TARGET.path(project).write_text("def feedback(event, payload):\n    return 'hi'\n")
    result = run_code_test(load_project(project), FEEDBACK_TARGET)
    assert not result.ok and "not a dict" in result.error


def test_a_missing_file_is_said_plainly(project):
    TARGET.path(project).unlink()
    result = run_code_test(load_project(project), TARGET)
    assert not result.ok and "does not exist" in result.error


def test_the_child_gets_no_secrets(monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "hush")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "hush")
    env = child_environment()
    assert "AWS_SECRET_ACCESS_KEY" not in env and "AZURE_CLIENT_SECRET" not in env
