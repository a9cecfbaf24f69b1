"""The use cases both front ends call (dtwin_gui.app.deploy / query / secrets) on a project
that is not deployed, or deployed to a sandbox that has stopped: the answer says which, and
the sandbox is not started to find out."""

from __future__ import annotations

import pytest

from dtwin_gui.app import deploy, query
from dtwin_gui.app.connections import lock_sandbox
from dtwin_gui.deploy.workspace import DeploymentWorkspace
from dtwin_gui.sandbox import daemon


@pytest.fixture(autouse=True)
def sandbox_stopped(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the sandbox was started for a read")

    monkeypatch.setattr(daemon, "running", lambda: None)
    monkeypatch.setattr(daemon, "ensure_running", refuse)


def deployed_once(project, target="sandbox"):
    workspace = DeploymentWorkspace(project, target)
    workspace.write_json(workspace.outputs_file, {"hot_reader_function_name": "x-hot-reader"})


def test_a_project_never_deployed_has_nothing_to_query_or_simulate(project):
    assert deploy.why_not_deployed(project, "sandbox") == deploy.NEVER_DEPLOYED
    assert deploy.why_not_deployed(project, "aws") == deploy.NEVER_DEPLOYED
    with pytest.raises(query.NotQueryable) as caught:
        query.newest_records(project, "sandbox")
    assert caught.value.reason == deploy.NEVER_DEPLOYED


def test_a_twin_on_a_stopped_sandbox_is_gone(project):
    deployed_once(project)
    assert deploy.why_not_deployed(project, "sandbox") == deploy.SANDBOX_STOPPED
    with pytest.raises(query.NotQueryable) as caught:
        query.newest_records(project, "sandbox")
    assert caught.value.reason == deploy.SANDBOX_STOPPED


def test_a_deployment_opened_over_connections_has_its_own_workspace(project):
    opened = deploy.open_deployment(project, lock_sandbox())
    assert opened.connections.name == "sandbox"
    assert opened.workspace.terraform_dir == DeploymentWorkspace(project, "sandbox").terraform_dir


def test_unlocking_a_state_that_is_not_locked_says_so(project):
    with pytest.raises(deploy.NoLockHeld):
        deploy.unlock(project, lock_sandbox(), "0b7c5d7e-1111-2222-3333-444455556666")
