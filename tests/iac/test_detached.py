"""Terraform outlives a killed dtwin, and the next run waits for it (issue 11 item 1, 4).

A dtwin stand-in (a Python child running the runner) is SIGKILLed in the middle of an apply;
Terraform writes to log files, not to a pipe, so it finishes and saves its state.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap

import psutil
import pytest

from dtwin_gui.core.run_events import LogEvent
from dtwin_gui.iac import process
from dtwin_gui.iac.cli_config import TerraformSettings
from dtwin_gui.iac.runner import Terraform, TerraformCancelled
from dtwin_gui.iac.state import read_state
from tests.iac.test_runner import (
    SLOW_ADDRESS,
    SLOW_MODULE,
    SLOW_ROOT,
    Background,
    Recorder,
    group_members,
    settings,
    sleeping_child,
    wait_for,
    write_root,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="process groups are POSIX")

DTWIN_STANDIN = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from dtwin_gui.iac.cli_config import TerraformSettings
    from dtwin_gui.iac.runner import Terraform

    tf = Terraform(Path(sys.argv[1]), settings=TerraformSettings(mirror_dir=None),
                   env={"TF_VAR_pause": sys.argv[2]})
    tf.apply()
    """
)


def start_standin(workdir, pause: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", DTWIN_STANDIN, str(workdir), pause],
        cwd=os.getcwd(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def terraform_of(workdir) -> process.RunRecord:
    record = process.read_record(workdir)
    return record if record and process.is_terraform_in(record.pid, workdir) else None


@pytest.fixture
def slow_root(tmp_path):
    root = write_root(tmp_path / "root", SLOW_ROOT, {"slow": SLOW_MODULE})
    Terraform(root, settings=settings()).init()
    return root


def test_a_killed_dtwin_leaves_terraform_to_finish_and_the_next_run_waits(slow_root):
    standin = start_standin(slow_root, "4")
    try:
        record = wait_for(lambda: terraform_of(slow_root), what="terraform started")
        wait_for(lambda: sleeping_child(record.pid), what="apply in progress")
        # Its output goes to private files, not to a pipe.
        logs = slow_root / process.LOG_DIR
        assert stat.S_IMODE(logs.stat().st_mode) == 0o700
        for path in (record.stdout, record.stderr):
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert record.command == "apply" and record.owner == standin.pid
        standin.send_signal(signal.SIGKILL)
        standin.wait(10)
    finally:
        standin.kill()
    assert process.is_terraform_in(record.pid, slow_root)  # survived its parent

    events = Recorder()
    rerun = Terraform(slow_root, settings=settings(), sink=events)
    plan = rerun.plan(slow_root / "after.tfplan")  # waits, then plans on the saved state
    messages = [e.message for e in events.of(LogEvent)]
    assert any(
        m.startswith("waiting for the Terraform apply started at")
        and f"(pid {record.pid}) to finish" in m
        for m in messages
    ), messages
    assert any("the earlier Terraform apply ended: Apply complete" in m for m in messages)
    assert process.read_record(slow_root) is None  # its record and logs are gone now
    assert not os.path.exists(record.stdout) and not os.path.exists(record.stderr)
    assert not plan.has_changes
    assert SLOW_ADDRESS in {r.address for r in read_state(slow_root).resources}
    assert not group_members(record.pid)  # no plugin or provisioner of it is left


def test_a_terraform_that_ended_while_dtwin_was_dead_is_reported_once(slow_root):
    standin = start_standin(slow_root, "2")
    try:
        record = wait_for(lambda: terraform_of(slow_root), what="terraform started")
        standin.send_signal(signal.SIGKILL)
        standin.wait(10)
    finally:
        standin.kill()
    wait_for(lambda: not process.pid_alive(record.pid), what="terraform ended on its own")
    events = Recorder()
    plan = Terraform(slow_root, settings=settings(), sink=events).plan(slow_root / "p.tfplan")
    assert not plan.has_changes  # it saved its state
    messages = [e.message for e in events.of(LogEvent)]
    assert any(
        f"(pid {record.pid}) ended while dtwin was not running: Apply complete" in m
        for m in messages
    ), messages
    assert not any(m.startswith("waiting for") for m in messages)
    assert process.read_record(slow_root) is None and not os.path.exists(record.stdout)


def test_a_forced_stop_while_waiting_kills_the_earlier_terraform(slow_root):
    standin = start_standin(slow_root, "60")
    try:
        record = wait_for(lambda: terraform_of(slow_root), what="terraform started")
        wait_for(lambda: sleeping_child(record.pid), what="apply in progress")
        members = [psutil.Process(pid) for pid in process.group_members(record.pid)]
        standin.send_signal(signal.SIGKILL)
        standin.wait(10)
    finally:
        standin.kill()
    events = Recorder()
    rerun = Terraform(slow_root, settings=settings(), sink=events)
    run = Background(lambda: rerun.plan(slow_root / "blocked.tfplan"))
    wait_for(lambda: any(m.message.startswith("waiting for") for m in events.of(LogEvent)))
    rerun.kill()
    run.join(timeout=20)
    assert isinstance(run.error, TerraformCancelled) and run.error.forced
    _gone, alive = psutil.wait_procs(members, timeout=10)
    assert not alive and not group_members(record.pid)


def test_a_finished_command_leaves_no_log_or_record(slow_root):
    Terraform(slow_root, settings=settings(), env={"TF_VAR_pause": "0"}).apply()
    assert list((slow_root / process.LOG_DIR).iterdir()) == []


PLUGIN_MODULE = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}
resource "terraform_data" "slow" {
  provisioner "local-exec" {
    command = "sleep 60"
  }
}
resource "aws_s3_bucket" "after" {
  bucket     = "never-created"
  depends_on = [terraform_data.slow]
}
"""
PLUGIN_ROOT = """
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  endpoints {
    s3 = "http://127.0.0.1:9"
  }
}
module "aws_l1" {
  source = "./m"
}
"""


def plugins_in(workdir) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter():
        try:
            plugin = proc.name().startswith("terraform-provider")
            if plugin and proc.cwd() == str(workdir) and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except psutil.Error:
            continue
    return found


@pytest.mark.parametrize("how", ["forced stop", "terraform killed"])
def test_no_provider_plugin_of_the_workspace_outlives_its_terraform(tmp_path, how):
    workdir = write_root(tmp_path / "root", PLUGIN_ROOT, {"m": PLUGIN_MODULE})
    tf = Terraform(workdir, settings=TerraformSettings())
    tf.init()
    run = Background(tf.apply)
    pid = wait_for(lambda: tf.pid, what="terraform started")
    # Loading the aws provider's schema takes long on a loaded machine.
    wait_for(lambda: sleeping_child(pid), timeout=240, what="apply in progress")
    plugins = wait_for(lambda: plugins_in(workdir), what="provider plugin running")
    if how == "forced stop":
        tf.kill()
    else:
        os.kill(pid, signal.SIGKILL)  # only Terraform itself, as a crash would
    run.join(timeout=30)
    assert run.error is not None
    _gone, alive = psutil.wait_procs(plugins, timeout=10)
    assert not alive and not plugins_in(workdir)
