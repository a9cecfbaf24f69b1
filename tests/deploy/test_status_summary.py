"""A layer's status line says how much is missing, and tells "gone" from "could not check"."""

from __future__ import annotations

from dtwin_gui.deploy.status import LayerStatus, ResourceStatus


def layer(*states: str, extra: int = 0) -> LayerStatus:
    resources = [
        ResourceStatus(f"module.aws_l2.aws_iam_role.r{i}", "aws_iam_role", f"r{i}", state)
        for i, state in enumerate(states)
    ]
    missing = [f"IAM role {r.name}" for r in resources if r.state != "present"]
    missing += [f"function f{i}" for i in range(extra)]
    return LayerStatus("L2", "aws", "partial" if missing else "deployed", resources, missing, extra)


def test_summaries():
    assert layer("present", "present").summary == "deployed"
    assert layer("present", "missing", "missing", "present").summary == "2 of 4 missing"
    assert layer("present", extra=1).summary == "1 of 2 missing"  # a function not in the state
    assert layer("missing", "error", "present").summary == "1 of 3 missing, 1 not checked"
    assert layer("error", "error").summary == "2 not checked"
    assert layer("drifted", "present").summary == "1 drifted"
