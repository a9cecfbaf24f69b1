"""End to end on the sandbox: a killed deploy converges and leaves nothing behind (issue 11).

``dtwin deploy P --auto-approve`` runs as a child process. First dtwin itself is SIGKILLed
early and late in the apply (Terraform goes on and saves its state; the next deploy waits
for it); then, each time from scratch, only its terraform child is SIGKILLed late and early
(what it created since the state was last saved is unknown to the state; the next deploy
adopts it). Each time the next deploy succeeds, every layer is deployed, and destroy leaves
nothing. One project, one
sandbox for both (Terraform runs are what costs time).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from dtwin_gui.clouds.aws.adopt import untracked_names
from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.clouds.aws.leftovers import find_leftovers
from dtwin_gui.core.run_events import LogEvent
from dtwin_gui.deploy.orchestrator import Deployment
from dtwin_gui.iac import process
from dtwin_gui.sandbox import daemon

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

AWS_LAYERS = ("L1", "L2", "L3_hot", "L3_cold", "L3_archive", "L4", "L5")


def created(events_file) -> int:
    count = 0
    try:
        lines = events_file.read_text(encoding="utf-8").splitlines()
    except OSError:
        return 0
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("type") == "resource" and event.get("state") == "created":
            count += 1
    return count


def start_deploy(project, out_file) -> subprocess.Popen:
    with out_file.open("w") as out:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dtwin_gui.cli",
                "deploy",
                str(project),
                "--auto-approve",
                "--json",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


def wait_created(child, out_file, n: int, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while created(out_file) < n:
        assert child.poll() is None, out_file.read_text()[-3000:]
        assert time.monotonic() < deadline, f"{n} resources not created in time"
        time.sleep(0.2)


def converges(project, target) -> list[str]:
    """The next deploy succeeds and every layer is live; returns its log messages."""
    messages: list[str] = []

    def sink(event):
        if isinstance(event, LogEvent):
            messages.append(event.message)

    result = Deployment(project, target, sink=sink).deploy()
    assert result.status == "succeeded", f"{result.message} / {result.hint}"
    assert not any("already exists" in m for m in messages)
    report = Deployment(project, target).status()
    assert {layer: report.layers[layer].state for layer in AWS_LAYERS} == dict.fromkeys(
        AWS_LAYERS, "deployed"
    )
    gone = Deployment(project, target).destroy()
    assert gone.status == "succeeded", gone.message
    assert find_leftovers(target, "factory-twin") == {}
    return messages


def kill_dtwin(project, target, workdir, out, when: int) -> None:
    """SIGKILL dtwin after ``when`` creates: Terraform goes on; the next run waits for it
    (or, if it ended meanwhile, says how it ended)."""
    child = start_deploy(project, out)
    wait_created(child, out, when)
    record = process.read_record(workdir)
    child.send_signal(signal.SIGKILL)
    child.wait(30)
    assert record is not None and process.is_terraform_in(record.pid, workdir)
    messages = converges(project, target)
    assert any(
        m.startswith("waiting for the Terraform apply started at")
        or "ended while dtwin was not running" in m
        for m in messages
    ), messages


def kill_terraform(project, target, workdir, out, when: int) -> None:
    """SIGKILL only the terraform child after ``when`` creates: what it created but never
    saved is adopted by the next deploy."""
    child = start_deploy(project, out)
    wait_created(child, out, when)
    record = process.read_record(workdir)
    assert record is not None and record.command == "apply"
    os.kill(record.pid, signal.SIGKILL)
    assert child.wait(120) != 0
    lost = untracked_names(target, "factory-twin", workdir)  # created, never saved
    messages = converges(project, target)
    adopted = " ".join(m for m in messages if m.startswith("adopting "))
    assert all(f"{name} (" in adopted for name in lost), (lost, adopted)
    print(f"untracked after the kill at {when}: {sorted(lost)}; {adopted}")


def test_a_killed_deploy_converges_and_destroy_leaves_nothing(project, tmp_path):
    info = daemon.ensure_running()
    try:
        target = sandbox_target(info.endpoint, info.region)
        workdir = Deployment(project, target).workspace.terraform_dir
        # Early and late points of the apply (the example twin has about 94 resources).
        kill_dtwin(project, target, workdir, tmp_path / "dtwin-early.jsonl", 15)
        kill_terraform(project, target, workdir, tmp_path / "terraform-late.jsonl", 60)
        kill_dtwin(project, target, workdir, tmp_path / "dtwin-late.jsonl", 70)
        kill_terraform(project, target, workdir, tmp_path / "terraform-early.jsonl", 15)
    finally:
        daemon.down()
