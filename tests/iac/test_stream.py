"""The -json line translator on its own: message types, odd lines, totals without a summary.

The full flow is covered with real Terraform in test_runner.py; these feed recorded lines.
"""

from __future__ import annotations

import json

from dtwin_gui.core.run_events import DiagnosticEvent, LogEvent, ProgressEvent, ResourceEvent
from dtwin_gui.iac.stream import StreamTranslator


def hook(kind: str, address: str, action: str, **extra) -> str:
    key = "change" if kind in ("planned_change", "resource_drift") else "hook"
    body = {"resource": {"addr": address}, "action": action, **extra}
    return json.dumps({"@level": "info", "@message": f"{address}: {kind}", "type": kind, key: body})


def test_non_json_and_unknown_messages_become_log_lines():
    events = []
    translator = StreamTranslator(events.append)
    translator.line("panic: something broke\n")
    translator.line("   \n")
    translator.line(json.dumps({"@level": "warn", "@message": "new thing", "type": "future"}))
    translator.line("[1, 2]")
    assert [(e.level, e.message) for e in events] == [
        ("info", "panic: something broke"),
        ("warning", "new thing"),
        ("info", "[1, 2]"),
    ]


def test_totals_from_planned_changes_when_there_is_no_plan_summary():
    """Applying a saved plan lists the planned changes but prints no plan summary."""
    events = []
    translator = StreamTranslator(events.append)
    translator.line(hook("planned_change", "module.aws_l1.aws_iot_thing.d", "create"))
    translator.line(hook("planned_change", "module.aws_l2.aws_lambda_function.p", "replace"))
    translator.line(hook("planned_change", "module.aws_l4.data.aws_region.r", "read"))
    translator.line(hook("resource_drift", "module.aws_l2.aws_iam_role.r", "update"))
    assert translator.total == 3
    translator.line(hook("apply_start", "module.aws_l1.aws_iot_thing.d", "create"))
    translator.line(hook("apply_start", "module.aws_l4.data.aws_region.r", "read"))
    translator.line(
        hook("apply_complete", "module.aws_l1.aws_iot_thing.d", "create", elapsed_seconds=4)
    )
    translator.line(hook("apply_errored", "module.aws_l2.aws_lambda_function.p", "delete"))
    progress = [e for e in events if isinstance(e, ProgressEvent)]
    assert [(p.done, p.total, p.in_progress) for p in progress] == [
        (0, 3, 1),
        (1, 3, 0),
        (1, 3, 0),
    ]
    resources = [e for e in events if isinstance(e, ResourceEvent)]
    thing = [e for e in resources if e.address == "module.aws_l1.aws_iot_thing.d"]
    assert [(e.state, e.layer) for e in thing] == [
        ("pending", "L1"),
        ("creating", "L1"),
        ("created", "L1"),
    ]
    assert thing[-1].elapsed == 4
    function = [e for e in resources if e.address.endswith("aws_lambda_function.p")][-1]
    assert (function.action, function.state, function.layer) == ("replace", "failed", "L2")
    drift = [e for e in events if isinstance(e, LogEvent) and e.level == "warning"]
    assert drift and "aws_iam_role.r" in drift[0].message


def test_diagnostic_for_a_failed_resource_is_repeated_on_it():
    events = []
    translator = StreamTranslator(events.append)
    address = "module.aws_l3_hot.aws_dynamodb_table.hot"
    translator.line(hook("apply_start", address, "create"))
    translator.line(hook("apply_errored", address, "create"))
    diagnostic = {
        "severity": "error",
        "summary": "creating DynamoDB Table (hot)",
        "detail": "api error ResourceInUseException: Table already exists: hot\nmore",
        "address": address,
    }
    translator.line(json.dumps({"type": "diagnostic", "diagnostic": diagnostic}))
    assert translator.diagnostics[0].category == "conflict"
    assert isinstance(events[-2], DiagnosticEvent)
    last = events[-1]
    assert isinstance(last, ResourceEvent) and last.state == "failed"
    assert last.error == (
        "creating DynamoDB Table (hot): api error ResourceInUseException: Table already exists: hot"
    )
