"""The run lock of a deployment: runs share it, a one-function update needs it alone."""

from __future__ import annotations

import threading
import time

import pytest

from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.core.run_events import LogEvent
from dtwin_gui.deploy import run_lock
from dtwin_gui.deploy.orchestrator import Deployment
from dtwin_gui.deploy.workspace import DeploymentWorkspace
from tests.helpers import wait_for

NOWHERE = "http://127.0.0.1:9"


def test_runs_share_it_and_an_update_is_refused_meanwhile(tmp_path):
    with (
        run_lock.shared(tmp_path),
        run_lock.shared(tmp_path),
        pytest.raises(run_lock.RunBusy, match="a deploy, plan or destroy"),
        run_lock.exclusive(tmp_path, "the update of x"),
    ):
        pass
    with run_lock.exclusive(tmp_path, "the update of x"):  # free again
        assert run_lock.holder(tmp_path) == "the update of x"
        with pytest.raises(run_lock.RunBusy), run_lock.exclusive(tmp_path, "the update of y"):
            pass
    assert run_lock.holder(tmp_path) == ""


def test_a_run_waits_for_an_update_and_says_so(tmp_path):
    said: list[str] = []
    entered = threading.Event()

    def run():
        with run_lock.shared(tmp_path, said.append):
            entered.set()

    with run_lock.exclusive(tmp_path, "the update of processor-pump"):
        thread = threading.Thread(target=run)
        thread.start()
        wait_for(lambda: said, timeout=5, interval=0.05)
        assert not entered.is_set()
    assert entered.wait(5)
    thread.join(5)
    assert said == ["waiting for the update of processor-pump of this twin to finish"]


def test_a_deploy_holds_it_shared_and_waits_for_an_update(project):
    (project / "config.json").write_text("{ not json")  # the deploy fails at validate
    events: list = []
    deployment = Deployment(project, sandbox_target(NOWHERE), sink=events.append)
    root = DeploymentWorkspace(project, "sandbox").root
    outcome: dict = {}
    with run_lock.exclusive(root, "the update of processor-pump"):
        thread = threading.Thread(target=lambda: outcome.update(r=deployment.deploy()))
        thread.start()
        wait_for(lambda: [e for e in events if isinstance(e, LogEvent)], timeout=10)
        time.sleep(0.3)
        assert "r" not in outcome
    thread.join(30)
    first = next(e for e in events if isinstance(e, LogEvent))
    assert first.message == "waiting for the update of processor-pump of this twin to finish"
    assert outcome["r"].status == "failed" and "config.json" in outcome["r"].message

    # While it runs, an update is refused (the lock is shared by the run).
    started = threading.Event()
    release = threading.Event()

    def sink(event):
        started.set()
        release.wait(10)

    blocked = Deployment(project, sandbox_target(NOWHERE), sink=sink)
    thread = threading.Thread(target=blocked.deploy)
    thread.start()
    try:
        assert started.wait(10)
        with pytest.raises(run_lock.RunBusy), run_lock.exclusive(root, "the update of pump"):
            pass
    finally:
        release.set()
        thread.join(30)


def test_a_cancelled_run_stops_waiting(project):
    events: list = []
    deployment = Deployment(project, sandbox_target(NOWHERE), sink=events.append)
    root = DeploymentWorkspace(project, "sandbox").root
    outcome: dict = {}
    with run_lock.exclusive(root, "the update of processor-pump"):
        thread = threading.Thread(target=lambda: outcome.update(r=deployment.deploy()))
        thread.start()
        wait_for(lambda: events, timeout=10)
        deployment.cancel()
        thread.join(10)
        assert outcome["r"].status == "cancelled"
