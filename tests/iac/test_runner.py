"""The Terraform runner, against real Terraform.

Configurations use the built-in ``terraform_data`` resource (no provider download) inside
modules named like the generated root's (``module.aws_l2`` ...), so layer mapping is real.
Slow work is a ``local-exec`` provisioner running ``sleep``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from dtwin_gui.core.run_events import (
    DiagnosticEvent,
    LogEvent,
    ProgressEvent,
    ResourceEvent,
)
from dtwin_gui.iac.cli_config import TerraformSettings
from dtwin_gui.iac.diagnostics import HINTS
from dtwin_gui.iac.runner import (
    LockMismatch,
    StateLocked,
    Terraform,
    TerraformCancelled,
    TerraformError,
)
from dtwin_gui.iac.state import read_state

pytestmark = [
    pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not installed"),
    pytest.mark.skipif(sys.platform == "win32", reason="process groups and sh are POSIX"),
]

ITEMS_MODULE = """
variable "names" {
  type    = list(string)
  default = []
}

resource "terraform_data" "item" {
  for_each = toset(var.names)
  input    = each.key
}

resource "terraform_data" "counted" {
  count = 1
  input = "c"
}
"""

LAYERED_ROOT = """
module "aws_setup" {
  source = "./items"
}

module "aws_l2" {
  source = "./items"
  names  = ["temperature-sensor-1", "pressure-sensor-1"]
}

module "aws_l3_hot" {
  source = "./items"
  names  = ["hot"]
}

output "answer" {
  value = 42
}
"""

SLOW_MODULE = """
variable "pause" {
  type = number
}

resource "terraform_data" "processor" {
  input = "p"
  provisioner "local-exec" {
    command = "sleep ${var.pause}"
  }
}
"""

SLOW_ROOT = """
variable "pause" {
  type    = number
  default = 0
}

module "aws_l2" {
  source = "./slow"
  pause  = var.pause
}
"""
SLOW_ADDRESS = "module.aws_l2.terraform_data.processor"


# --- helpers ---------------------------------------------------------------------------------
def write_root(workdir: Path, root: str, modules: dict[str, str]) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "main.tf").write_text(root)
    for name, text in modules.items():
        (workdir / name).mkdir(exist_ok=True)
        (workdir / name / "main.tf").write_text(text)
    return workdir


def module_root(name: str) -> str:
    return f'module "{name}" {{\n  source = "./m"\n}}\n'


class Recorder:
    """A sink that keeps every event (appends are safe from the runner's thread)."""

    def __init__(self) -> None:
        self.events = []

    def __call__(self, event) -> None:
        self.events.append(event)

    def of(self, kind):
        return [e for e in list(self.events) if isinstance(e, kind)]

    def resources(self, address: str | None = None) -> list[ResourceEvent]:
        return [e for e in self.of(ResourceEvent) if address in (None, e.address)]

    def dump(self) -> str:
        return "\n".join(json.dumps(e.to_json()) for e in list(self.events))


class Background:
    """Run a callable in a thread, keeping its result or exception."""

    def __init__(self, action) -> None:
        self.result = self.error = None
        self._action = action
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.result = self._action()
        except BaseException as exc:  # handed to the test
            self.error = exc

    def join(self, timeout: float = 60) -> Background:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the command did not finish in time"
        return self


def wait_for(predicate, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what} not met within {timeout} s")


def group_members(pgid: int) -> list[psutil.Process]:
    members = []
    for proc in psutil.process_iter():
        try:
            if os.getpgid(proc.pid) == pgid and proc.status() != psutil.STATUS_ZOMBIE:
                members.append(proc)
        except (ProcessLookupError, psutil.Error):
            continue
    return members


def sleeping_child(pid: int) -> list[psutil.Process]:
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    return [c for c in children if c.name() == "sleep"]


def settings(**changes) -> TerraformSettings:
    return TerraformSettings(mirror_dir=None, **changes)


@pytest.fixture
def layered(tmp_path):
    return write_root(tmp_path / "root", LAYERED_ROOT, {"items": ITEMS_MODULE})


@pytest.fixture
def slow_root(tmp_path):
    return write_root(tmp_path / "root", SLOW_ROOT, {"slow": SLOW_MODULE})


# --- plan, apply, destroy ---------------------------------------------------------------------
def test_version(tmp_path):
    info = Terraform(tmp_path, settings=settings()).version()
    assert info["terraform_version"].startswith("1.")


def test_missing_terraform_program_says_what_to_do(tmp_path):
    tf = Terraform(tmp_path, settings=settings(binary=str(tmp_path / "no-terraform")))
    with pytest.raises(TerraformError) as raised:
        tf.version()
    assert "cannot run Terraform" in raised.value.summary
    assert "Settings" in raised.value.hint


def test_plan_apply_destroy_report_layers_and_progress(layered):
    events = Recorder()
    tf = Terraform(layered, settings=settings(), sink=events)
    tf.init()
    assert tf.validate() == []  # valid, no warnings

    plan = tf.plan(layered / "deploy.tfplan")
    assert (plan.add, plan.change, plan.destroy) == (6, 0, 0)
    assert plan.has_changes and plan.total == 6
    assert plan.by_layer() == {
        "setup": {"add": 1, "change": 0, "destroy": 0},
        "L2": {"add": 3, "change": 0, "destroy": 0},
        "L3_hot": {"add": 2, "change": 0, "destroy": 0},
    }
    sensor = 'module.aws_l2.terraform_data.item["temperature-sensor-1"]'
    assert (sensor, "create", "L2") in plan.resources
    assert events.of(ProgressEvent)[-1].total == 6  # the totals come from the plan
    pending = {e.address: e for e in events.resources() if e.state == "pending"}
    assert pending[sensor].layer == "L2" and pending[sensor].component == "terraform_data"
    assert tf.show_plan(plan.plan_file)["resource_changes"]

    events.events.clear()
    applied = tf.apply(plan.plan_file)
    assert (applied.add, applied.change, applied.destroy) == (6, 0, 0)
    states = [e.state for e in events.resources(sensor)]
    assert states == ["pending", "creating", "created"]
    progress = events.of(ProgressEvent)
    assert progress[-1].done == progress[-1].total == 6 and progress[-1].in_progress == 0
    assert max(p.in_progress for p in progress) >= 1
    assert [p.done for p in progress] == sorted(p.done for p in progress)
    created = {e.address for e in events.resources() if e.state == "created"}
    assert created == {r.address for r in read_state(layered).resources}

    assert tf.output()["answer"] == {"sensitive": False, "type": "number", "value": 42}
    assert tf.state_pull()["resources"]
    again = tf.plan(layered / "again.tfplan")
    assert not again.has_changes and again.total == 0 and not again.resources

    events.events.clear()
    destroyed = tf.destroy()
    assert destroyed.destroy == 6
    assert {e.state for e in events.resources() if e.address == sensor} >= {"deleted"}
    assert events.of(ProgressEvent)[-1].done == 6
    assert read_state(layered).empty


def test_replace_counts_both_halves_and_keeps_the_replace_action(tmp_path):
    root = """
variable "generation" {
  type    = number
  default = 1
}

module "aws_l3_hot" {
  source     = "./m"
  generation = var.generation
}
"""
    module = """
variable "generation" {
  type = number
}

resource "terraform_data" "table" {
  triggers_replace = var.generation
}
"""
    workdir = write_root(tmp_path / "root", root, {"m": module})
    Terraform(workdir, settings=settings()).init()
    Terraform(workdir, settings=settings()).apply()

    events = Recorder()
    tf = Terraform(workdir, settings=settings(), env={"TF_VAR_generation": "2"}, sink=events)
    plan = tf.plan(workdir / "replace.tfplan")
    assert plan.resources == [("module.aws_l3_hot.terraform_data.table", "replace", "L3_hot")]
    assert plan.by_layer() == {"L3_hot": {"add": 1, "change": 0, "destroy": 1}}
    tf.apply(plan.plan_file)
    table = events.resources("module.aws_l3_hot.terraform_data.table")
    assert {e.action for e in table if e.state != "unchanged"} == {"replace"}
    assert [e.state for e in table][-4:] == ["deleting", "deleted", "creating", "created"]
    assert events.of(ProgressEvent)[-1].done == events.of(ProgressEvent)[-1].total == 2


def test_apply_without_plan_and_without_approval_is_refused(layered):
    with pytest.raises(ValueError, match="auto_approve"):
        Terraform(layered, settings=settings()).apply(auto_approve=False)


# --- errors ------------------------------------------------------------------------------------
def test_configuration_error_is_classified_with_its_location(layered):
    (layered / "outputs.tf").write_text('output "bad" {\n  value = var.nope\n}\n')
    events = Recorder()
    tf = Terraform(layered, settings=settings(), sink=events)
    tf.init()
    with pytest.raises(TerraformError) as raised:
        tf.plan(layered / "p.tfplan")
    error = raised.value
    assert error.category == "config" and error.hint == HINTS["config"]
    assert error.exit_code == 1 and error.command == "plan"
    assert "Reference to undeclared input variable" in error.summary
    assert "outputs.tf:2:11" in error.summary and "\n" not in error.summary
    diagnostic = error.diagnostics[0]
    assert diagnostic.address == "outputs.tf:2:11"
    assert "on outputs.tf line 2: value = var.nope" in diagnostic.detail
    assert diagnostic in events.of(DiagnosticEvent)

    with pytest.raises(TerraformError) as validated:
        tf.validate()
    assert validated.value.category == "config"
    assert validated.value.diagnostics[0].address == "outputs.tf:2:11"


def test_failed_resource_carries_the_error(tmp_path):
    module = """
resource "terraform_data" "feedback" {
  input = "f"
  provisioner "local-exec" {
    command = "echo boom >&2; exit 3"
  }
}
"""
    workdir = write_root(tmp_path / "root", module_root("aws_l2"), {"m": module})
    events = Recorder()
    tf = Terraform(workdir, settings=settings(), sink=events)
    tf.init()
    with pytest.raises(TerraformError) as raised:
        tf.apply()
    address = "module.aws_l2.terraform_data.feedback"
    assert raised.value.diagnostics[0].address == address
    assert raised.value.category == "other" and raised.value.hint == HINTS["other"]
    failed = [e for e in events.resources(address) if e.state == "failed"]
    assert failed and failed[-1].layer == "L2"
    assert "local-exec provisioner error" in failed[-1].error
    assert events.of(ProgressEvent)[-1].in_progress == 0


def test_missing_provider_points_at_the_mirror_setting(tmp_path):
    empty_mirror = tmp_path / "mirror"
    (empty_mirror / "registry.terraform.io").mkdir(parents=True)
    root = """
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}
"""
    workdir = write_root(tmp_path / "root", root, {})
    tf = Terraform(workdir, settings=TerraformSettings(mirror_dir=empty_mirror))
    with pytest.raises(TerraformError) as raised:
        tf.init()
    assert raised.value.category == "provider"
    assert "mirror" in raised.value.hint


# --- cancel ------------------------------------------------------------------------------------
def test_cancel_interrupts_the_process_group_and_a_rerun_converges(slow_root):
    events = Recorder()
    tf = Terraform(slow_root, settings=settings(), env={"TF_VAR_pause": "60"}, sink=events)
    tf.init()
    run = Background(tf.apply)
    pid = wait_for(lambda: tf.pid, what="terraform started")
    sleeper = wait_for(lambda: sleeping_child(pid), what="provisioner running")
    members = group_members(pid)
    assert sleeper[0].pid in {p.pid for p in members}

    tf.cancel()
    run.join(timeout=30)  # well before the 60 s provisioner would end
    assert isinstance(run.error, TerraformCancelled) and not run.error.forced
    _gone, alive = psutil.wait_procs(members, timeout=10)
    assert not alive and not group_members(pid)
    assert any(e.message.startswith("cancel requested") for e in events.of(LogEvent))
    assert tf.cancelled
    with pytest.raises(TerraformCancelled):
        tf.plan(slow_root / "after-cancel.tfplan")  # a cancelled runner starts nothing new

    rerun = Terraform(slow_root, settings=settings(), env={"TF_VAR_pause": "0"})
    rerun.apply()
    assert not rerun.plan(slow_root / "converged.tfplan").has_changes


def test_cancel_forces_a_kill_after_the_grace_period(tmp_path):
    stubborn = tmp_path / "stubborn-terraform"
    stubborn.write_text(
        "#!/bin/sh\n"
        "trap '' INT\n"
        'echo \'{"@level":"info","@message":"Terraform 1.11.4","type":"version"}\'\n'
        "sleep 60\n"
    )
    stubborn.chmod(0o755)
    events = Recorder()
    tf = Terraform(
        tmp_path / "root",
        settings=settings(binary=str(stubborn), grace_period=0.5),
        sink=events,
    )
    run = Background(tf.apply)
    pid = wait_for(lambda: tf.pid, what="started")
    wait_for(lambda: sleeping_child(pid), what="stubborn child running")
    wait_for(lambda: any(e.message == "Terraform 1.11.4" for e in events.of(LogEvent)))
    members = group_members(pid)
    tf.cancel()
    run.join(timeout=20)
    assert isinstance(run.error, TerraformCancelled) and run.error.forced
    _gone, alive = psutil.wait_procs(members, timeout=10)
    assert not alive and not group_members(pid)
    errors = [e.message for e in events.of(LogEvent) if e.level == "error"]
    assert any("may be locked" in message for message in errors)


def test_cancel_before_a_command_starts_nothing(layered):
    tf = Terraform(layered, settings=settings())
    tf.cancel()
    with pytest.raises(TerraformCancelled):
        tf.init()
    assert not (layered / ".terraform").exists()


# --- state locks -------------------------------------------------------------------------------
def test_held_lock_is_reported_with_its_id_and_cannot_be_removed(slow_root):
    holder = Terraform(slow_root, settings=settings(), env={"TF_VAR_pause": "60"})
    holder.init()
    run = Background(holder.apply)
    pid = wait_for(lambda: holder.pid, what="terraform started")
    wait_for(lambda: sleeping_child(pid), what="apply in progress")

    try:
        events = Recorder()
        other = Terraform(slow_root, settings=settings(), sink=events)
        with pytest.raises(StateLocked) as raised:
            other.plan(slow_root / "blocked.tfplan")
        locked = raised.value
        on_disk = json.loads((slow_root / ".terraform.tfstate.lock.info").read_text())
        assert locked.lock_id == on_disk["ID"]
        assert locked.operation == "OperationTypeApply"
        assert locked.who == on_disk["Who"] and locked.created
        assert locked.category == "lock" and locked.hint == HINTS["lock"]
        assert locked.lock_id in locked.summary
        assert [d.category for d in events.of(DiagnosticEvent)] == ["lock"]

        info = other.lock_info()
        assert info.lock_id == locked.lock_id and info.held is True
        with pytest.raises(LockMismatch):
            other.force_unlock("00000000-0000-0000-0000-000000000000")
        with pytest.raises(StateLocked):
            other.force_unlock(locked.lock_id)  # a live lock is never removed
        assert other.lock_info() is not None
    finally:
        holder.cancel()
        run.join(timeout=30)
    assert isinstance(run.error, TerraformCancelled)
    assert Terraform(slow_root, settings=settings()).lock_info() is None


def test_stale_local_lock_after_a_kill_is_removed_only_with_its_id(slow_root):
    tf = Terraform(slow_root, settings=settings(), env={"TF_VAR_pause": "60"})
    tf.init()
    run = Background(tf.apply)
    pid = wait_for(lambda: tf.pid, what="terraform started")
    wait_for(lambda: sleeping_child(pid), what="apply in progress")
    os.killpg(pid, signal.SIGKILL)  # a crash: no chance to release the lock
    run.join(timeout=30)
    assert isinstance(run.error, TerraformError)
    assert "SIGKILL" in run.error.summary

    events = Recorder()
    rerun = Terraform(slow_root, settings=settings(), env={"TF_VAR_pause": "0"}, sink=events)
    stale = rerun.lock_info()
    assert stale is not None and stale.held is False
    assert stale.operation == "OperationTypeApply"
    with pytest.raises(LockMismatch):
        rerun.force_unlock("not-" + stale.lock_id)
    with pytest.raises(ValueError):
        rerun.force_unlock("-force")
    rerun.force_unlock(stale.lock_id)
    assert rerun.lock_info() is None
    assert any(stale.lock_id in e.message for e in events.of(LogEvent))

    rerun.apply()
    assert not rerun.plan(slow_root / "converged.tfplan").has_changes


def test_stale_remote_lock_blocks_until_force_unlocked(tmp_path, aws):
    """S3 backend (native lock file) on the sandbox: a killed apply leaves a real lock."""
    aws.client("s3").create_bucket(Bucket="dtwin-state")
    backend = f"""
terraform {{
  backend "s3" {{
    bucket                      = "dtwin-state"
    key                         = "twin/terraform.tfstate"
    region                      = "us-east-1"
    use_lockfile                = true
    use_path_style              = true
    skip_credentials_validation = true
    skip_requesting_account_id  = true
    skip_metadata_api_check     = true
    endpoints = {{
      s3 = "{aws.endpoint}"
    }}
  }}
}}
"""
    workdir = write_root(tmp_path / "root", backend + SLOW_ROOT, {"slow": SLOW_MODULE})
    credentials = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    tf = Terraform(workdir, settings=settings(), env={**credentials, "TF_VAR_pause": "60"})
    tf.init()
    assert tf.backend_type() == "s3"
    run = Background(tf.apply)
    pid = wait_for(lambda: tf.pid, what="terraform started")
    wait_for(lambda: sleeping_child(pid), what="apply in progress")
    os.killpg(pid, signal.SIGKILL)
    run.join(timeout=30)

    rerun = Terraform(workdir, settings=settings(), env=credentials)
    with pytest.raises(StateLocked) as raised:
        rerun.plan(workdir / "blocked.tfplan")
    lock_id = raised.value.lock_id
    assert raised.value.operation == "OperationTypeApply"
    assert rerun.lock_info() is None  # remote locks are known from StateLocked only
    with pytest.raises(TerraformError):
        rerun.force_unlock("00000000-0000-0000-0000-000000000000")  # Terraform refuses
    rerun.force_unlock(lock_id)
    rerun.apply()
    assert not rerun.plan(workdir / "converged.tfplan").has_changes


# --- credentials -------------------------------------------------------------------------------
def test_credentials_reach_terraform_only_through_env_and_never_an_event(tmp_path, monkeypatch):
    secret = "FAKE-wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
    monkeypatch.setenv("AWS_PROFILE", "inherited-parent-profile")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "inherited-parent-token-123")
    module = """
resource "terraform_data" "probe" {
  input = "p"
  provisioner "local-exec" {
    command = join(" ", [
      "echo secret=$AWS_SECRET_ACCESS_KEY",
      "profile=$${AWS_PROFILE:-unset}",
      "token=$${AWS_SESSION_TOKEN:-unset}",
    ])
  }
}
"""
    workdir = write_root(tmp_path / "root", module_root("aws_l1"), {"m": module})
    events = Recorder()
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": secret}
    tf = Terraform(workdir, settings=settings(), env=env, sink=events)
    tf.init()
    tf.apply()

    dump = events.dump()
    assert secret not in dump
    assert "secret=***" in dump  # the child had it (masked on its way into events)
    assert "profile=unset" in dump and "token=unset" in dump  # nothing inherited
    assert "inherited-parent" not in dump
    for path in workdir.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
