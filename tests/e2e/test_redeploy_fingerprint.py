"""End to end on the sandbox: a reviewed plan is the plan applied, and a redeploy with
nothing changed does not run Terraform at all.

One deployment shared by every check (Terraform runs are what costs time): plan for review →
deploy that very plan → redeploy unchanged (no Terraform) → review, change a processor,
deploy (a new plan, saying why) → unchanged again → ``dtwin deploy --refresh`` (full plan) →
destroy (forgets the fingerprint). Real Terraform, real packages, moto behind the gateway.
"""

from __future__ import annotations

import pytest

from dtwin_gui import cli
from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.core.run_events import LogEvent, PhaseEvent
from dtwin_gui.deploy.orchestrator import Deployment
from dtwin_gui.iac.runner import Terraform

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

SKIPPED_WHEN_UNCHANGED = ["init", "plan", "apply", "sdk"]


class Recorder:
    def __init__(self):
        self.events = []

    def __call__(self, event):
        self.events.append(event)

    def phases(self) -> dict[str, tuple[str, str]]:
        """phase -> (final state, message)."""
        return {
            e.phase: (e.state, e.message)
            for e in self.events
            if isinstance(e, PhaseEvent) and e.state != "started"
        }

    def messages(self, level: str | None = None) -> list[str]:
        return [
            e.message
            for e in self.events
            if isinstance(e, LogEvent) and (level is None or e.level == level)
        ]


@pytest.fixture
def terraform_commands(monkeypatch) -> list[str]:
    """Every Terraform command dtwin starts (``init``, ``plan``, ``apply``, ``output`` ...)."""
    commands: list[str] = []
    original = Terraform._run

    def run(self, command, args, **kwargs):
        commands.append(command)
        return original(self, command, args, **kwargs)

    monkeypatch.setattr(Terraform, "_run", run)
    return commands


def test_reviewed_plans_are_applied_and_unchanged_redeploys_skip_terraform(
    aws, project, terraform_commands, monkeypatch, capsys
):
    target = sandbox_target(aws.endpoint, aws.region)

    def deployment(recorder=None) -> Deployment:
        return Deployment(project, target, sink=recorder)

    # 1. Review a plan, then deploy exactly that plan file: no second plan.
    review = deployment().plan_only()
    assert review.status == "succeeded", review.message
    ticket = review.ticket
    assert ticket is not None and ticket.plan.add > 0 and ticket.plan_file.is_file()
    terraform_commands.clear()
    recorder = Recorder()
    first = deployment(recorder).deploy(reviewed=ticket)
    assert first.status == "succeeded", first.message + " / " + first.hint
    assert first.applied and first.replan_reason == ""
    assert "plan" not in terraform_commands and "init" not in terraform_commands
    assert "apply" in terraform_commands
    assert recorder.phases()["plan"][0] == "skipped"
    assert recorder.phases()["plan"][1].startswith("applying the plan reviewed at")
    assert deployment().last_deployed() is not None

    # 2. Redeploy with nothing changed: Terraform is not started at all.
    terraform_commands.clear()
    recorder = Recorder()
    again = deployment(recorder).deploy()
    assert again.status == "succeeded", again.message
    assert terraform_commands == []
    assert not again.applied
    record = deployment().last_deployed()
    assert again.unchanged_since == record.deployed_at
    assert again.message.startswith(f"nothing changed since {record.when}")
    assert again.skipped == SKIPPED_WHEN_UNCHANGED
    phases = recorder.phases()
    assert [p for p, (state, _m) in phases.items() if state == "skipped"] == (
        SKIPPED_WHEN_UNCHANGED
    )
    assert phases["verify"][0] == "finished"  # the cheap probes still ran

    # 3. Review, then change a processor before deploying: a new plan, and why.
    stale = deployment().plan_only().ticket
    processor = project / "processors" / "temperature-sensor-2" / "process.py"
    processor.write_text("def process(event):\n    event['checked'] = True\n    return event\n")
    terraform_commands.clear()
    recorder = Recorder()
    changed = deployment(recorder).deploy(reviewed=stale)
    assert changed.status == "succeeded", changed.message
    assert changed.replan_reason.startswith("the project changed since the review (")
    assert f"a new plan is needed: {changed.replan_reason}" in recorder.messages("warning")
    assert {"init", "plan", "apply"} <= set(terraform_commands)
    assert changed.applied and changed.skipped == []

    # 4. The CLI: unchanged again answers at once; --refresh runs the full plan.
    monkeypatch.setattr("dtwin_gui.cli.deploy.resolve_target", lambda name: target)
    terraform_commands.clear()
    assert cli.main(["deploy", str(project), "--auto-approve"]) == 0
    out = capsys.readouterr().out
    assert terraform_commands == []
    assert "SUCCEEDED: nothing changed since" in out
    assert "== plan: skipped" in out
    assert cli.main(["deploy", str(project), "--auto-approve", "--refresh"]) == 0
    out = capsys.readouterr().out
    assert "plan" in terraform_commands
    assert "== plan: finished" in out and "== apply: skipped" in out
    assert "nothing changed since" not in out
    assert deployment().last_deployed() is not None

    # 5. A destroy forgets the fingerprint: the next deploy would run Terraform in full.
    gone = deployment().destroy()
    assert gone.status == "succeeded", gone.message
    assert deployment().last_deployed() is None
