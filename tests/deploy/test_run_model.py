"""The run model: stages, the resource tree, counts and the headline, live and replayed."""

from __future__ import annotations

from dtwin_gui.core.run_events import (
    DiagnosticEvent,
    EventLog,
    LogEvent,
    OutcomeEvent,
    PhaseEvent,
    ResourceEvent,
    replay,
)
from dtwin_gui.deploy.run_model import RunModel, format_duration, layer_label

T0 = "2026-01-01T10:00:"
LAMBDA = "module.aws_l2.aws_lambda_function.processor"
TABLE = "module.aws_l3_hot.aws_dynamodb_table.hot"
ROLE = "module.aws_l2.aws_iam_role.processor"
BUCKET = "module.aws_l3_cold.aws_s3_bucket.cold"


def at(second: float) -> str:
    return f"{T0}{second:06.3f}Z"


def res(address, layer, component, state, second, action="create", **kw) -> ResourceEvent:
    return ResourceEvent(address, layer, component, action, state, ts=at(second), **kw)


def phase(name, state, second, **kw) -> PhaseEvent:
    return PhaseEvent(name, state, ts=at(second), **kw)


def deploy_in_apply() -> list:
    """A deploy 40 s into its apply: two done, two running, one waiting, one unchanged."""
    events = [LogEvent("dtwin", "info", "deploy of p to sandbox", ts=at(0))]
    for second, name in enumerate(("validate", "build", "init", "plan")):
        events += [phase(name, "started", second), phase(name, "finished", second + 0.5)]
    events += [
        res(ROLE, "L2", "aws_iam_role", "pending", 4),
        res(LAMBDA, "L2", "aws_lambda_function", "pending", 4),
        res(TABLE, "L3_hot", "aws_dynamodb_table", "pending", 4),
        res(BUCKET, "L3_cold", "aws_s3_bucket", "pending", 4),
        res("module.aws_l1.aws_iot_thing.t", "L1", "aws_iot_thing", "unchanged", 4, "noop"),
        phase("apply", "started", 5),
        res(ROLE, "L2", "aws_iam_role", "creating", 6),
        res(TABLE, "L3_hot", "aws_dynamodb_table", "creating", 6),
        res(ROLE, "L2", "aws_iam_role", "created", 8, elapsed=2.0),
        res(TABLE, "L3_hot", "aws_dynamodb_table", "created", 10),
        res(BUCKET, "L3_cold", "aws_s3_bucket", "creating", 12),
        res(LAMBDA, "L2", "aws_lambda_function", "creating", 20),
    ]
    return events


def test_states_counts_and_stages_while_applying():
    model = RunModel.from_events(deploy_in_apply())
    assert model.kind == "deploy"
    assert [(s.name, s.state) for s in model.stages] == [
        ("validate", "finished"),
        ("build", "finished"),
        ("init", "finished"),
        ("plan", "finished"),
        ("apply", "running"),
        ("sdk", "waiting"),
        ("verify", "waiting"),
    ]
    assert model.resources[ROLE].state == "created"
    assert model.resources[LAMBDA].state == "creating"
    counts = model.counts()
    assert (counts.done, counts.total, counts.in_progress, counts.failed) == (2, 4, 2, 0)
    tree = model.tree()
    assert list(tree) == ["L1", "L2", "L3_hot", "L3_cold"]
    assert [r.address for r in tree["L2"]["aws_lambda_function"]] == [LAMBDA]


def test_elapsed_ticks_while_in_progress_and_freezes_when_done():
    model = RunModel.from_events(deploy_in_apply())
    now = model.last_at + 5  # 25 s after the start of the minute
    assert model.resources[LAMBDA].elapsed(now) == 5.0
    assert model.resources[LAMBDA].elapsed(now + 10) == 15.0
    assert model.resources[ROLE].elapsed(now + 99) == 2.0  # Terraform's own figure
    assert model.resources[TABLE].elapsed(now + 99) == 4.0  # from the timestamps
    assert model.resources[BUCKET].elapsed(now) == 13.0
    assert model.resources["module.aws_l1.aws_iot_thing.t"].elapsed(now) is None


def test_headline_names_the_active_layer_counts_and_run_time():
    model = RunModel.from_events(deploy_in_apply())
    wall = model.started_at + 4 * 60 + 12
    assert model.headline(wall) == "L2 · 2 of 4 done · 2 in progress · 04:12"


def test_headline_before_any_resource_names_the_stage():
    model = RunModel.from_events([phase("validate", "started", 0)])
    assert model.headline(model.started_at + 3) == "Validate · 00:03"
    assert format_duration(3723) == "1:02:03"
    assert layer_label("L3_hot") == "L3 hot" and layer_label("setup") == "Setup"


def test_a_failed_resource_carries_its_error_and_the_outcome_stops_the_clock():
    events = [
        *deploy_in_apply(),
        res(LAMBDA, "L2", "aws_lambda_function", "failed", 30, error="AccessDenied: no role"),
        DiagnosticEvent("error", "creating Lambda", "AccessDenied", LAMBDA, ts=at(30)),
        phase("apply", "failed", 31, elapsed=26.0, message="terraform apply failed"),
        OutcomeEvent("failed", "terraform apply failed", "fix the role", ts=at(32)),
    ]
    model = RunModel.from_events(events)
    row = model.resources[LAMBDA]
    assert row.state == "failed" and row.error == "AccessDenied: no role"
    assert row.elapsed(None) == 10.0
    assert model.failed_stage.name == "apply"
    assert model.failed_stage.message == "terraform apply failed"
    assert [r.address for r in model.failed_resources()] == [LAMBDA]
    assert [d.summary for d in model.errors()] == ["creating Lambda"]
    # The bucket was still creating when the run failed; the clock stops at the outcome.
    assert (
        model.headline(model.last_at + 1000)
        == "Failed · 2 of 4 done · 1 in progress · 1 failed · 00:32"
    )


def test_error_from_a_diagnostic_when_the_resource_event_had_none():
    events = [
        res(LAMBDA, "L2", "aws_lambda_function", "creating", 1),
        res(LAMBDA, "L2", "aws_lambda_function", "failed", 2),
        DiagnosticEvent("error", "quota exceeded", address=LAMBDA, ts=at(2)),
    ]
    assert RunModel.from_events(events).resources[LAMBDA].error == "quota exceeded"


def test_destroy_runs_show_the_destroy_stages_and_a_cancel():
    events = [
        phase("sdk-destroy", "started", 0),
        phase("sdk-destroy", "finished", 1),
        phase("init", "started", 1),
        OutcomeEvent("cancelled", "cancelled during init", ts=at(2)),
    ]
    model = RunModel.from_events(events)
    assert model.kind == "destroy"
    assert [(s.label, s.state) for s in model.stages] == [
        ("SDK clean-up", "finished"),
        ("Init", "cancelled"),
        ("Destroy", "waiting"),
        ("Verify", "waiting"),
    ]
    assert model.headline() == "Cancelled · 00:02"


def test_kind_from_the_run_id_and_replay_round_trip(tmp_path):
    path = tmp_path / "runs" / "20260101T100000Z-destroy-abc123.jsonl"
    events = [
        phase("sdk-destroy", "started", 0),
        res(TABLE, "L3_hot", "aws_dynamodb_table", "deleting", 1, "delete"),
        res(TABLE, "L3_hot", "aws_dynamodb_table", "deleted", 4, "delete", elapsed=3.0),
        OutcomeEvent("succeeded", "destroy finished", ts=at(5)),
    ]
    live = RunModel()
    with EventLog(path, "20260101T100000Z-destroy-abc123", forward=live.feed) as log:
        for event in events:
            log(event)
    replayed = RunModel.from_log(path)
    assert replayed.kind == live.kind == "destroy"
    assert replayed.run_id == "20260101T100000Z-destroy-abc123"
    assert replayed.headline() == live.headline() == "Finished · 1 of 1 done · 00:05"
    assert [(s.name, s.state) for s in replayed.stages] == [(s.name, s.state) for s in live.stages]
    assert replayed.resources[TABLE].elapsed(None) == 3.0
    assert len(list(replay(path))) == 4


def test_a_change_started_before_a_late_viewer_joined_uses_terraforms_elapsed():
    model = RunModel()
    model.feed(res(LAMBDA, "L2", "aws_lambda_function", "creating", 30, elapsed=20.0))
    assert model.resources[LAMBDA].elapsed(model.last_at) == 20.0


def test_resource_labels_show_what_tells_rows_of_a_type_apart():
    from dtwin_gui.deploy.run_model import resource_labels

    package = 'module.aws_setup.aws_s3_object.package["factory-twin-{}"]'
    labels = resource_labels(
        [
            package.format("dispatcher"),
            package.format("processor-pump"),
            'module.aws_l2.aws_iam_role.processor["pump"]',
            'module.aws_l2.aws_iam_role.function["persister"]',
            "module.aws_l2.aws_lambda_function.persister",
            "module.aws_l1.aws_iot_thing.device[0]",
            "sdk:twinmaker-entity:line-1",
        ]
    )
    assert list(labels.values()) == [
        "dispatcher",  # the key, without the twin name every package key starts with
        "processor-pump",
        "processor · pump",  # two blocks of one type: the block name tells them apart
        "function · persister",
        "persister",
        "device[0]",
        "line-1",
    ]
    # A lone key keeps its prefix: nothing is shared with anything.
    assert resource_labels([package.format("dispatcher")]) == {
        package.format("dispatcher"): "factory-twin-dispatcher"
    }


def test_a_provision_stage_stands_where_it_runs_and_is_named():
    """A cloud provisioned on the sandbox's emulators adds a stage after Apply (and a
    Deprovision one after the SDK clean-up of a destroy), not at the end of the strip."""
    model = RunModel()
    for second, name in enumerate(("validate", "build", "init", "plan", "apply", "provision")):
        model.feed(phase(name, "started", second))
        model.feed(phase(name, "finished", second + 0.5))
    names = [s.name for s in model.stages]
    assert names.index("provision") == names.index("apply") + 1
    assert names[-1] == "verify"
    assert next(s for s in model.stages if s.name == "provision").label == "Provision"
    destroy = RunModel()
    destroy.feed(phase("sdk-destroy", "started", 0))
    destroy.feed(phase("deprovision", "started", 1))
    names = [s.name for s in destroy.stages]
    assert names[:2] == ["sdk-destroy", "deprovision"]


def test_a_provisioned_object_is_labelled_by_its_name_not_its_address():
    from dtwin_gui.deploy.run_model import resource_labels

    address = "provisioned:function-app:twin-l2-fn-sbx"
    assert resource_labels([address, "sdk:iothub-device:pump-1"]) == {
        address: "twin-l2-fn-sbx",
        "sdk:iothub-device:pump-1": "pump-1",
    }
