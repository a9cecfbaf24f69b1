"""The plan review: per-layer counts, destructive changes, plan identity, SDK steps, destroy."""

from __future__ import annotations

import json

from dtwin_gui.clouds.aws.sdk.state import DeviceRecord, SdkState, TwinMakerRecord
from dtwin_gui.core.project import load_project, write_providers
from dtwin_gui.core.providers import Cloud, Slot
from dtwin_gui.core.topology import topology_for_project
from dtwin_gui.deploy.review import (
    DestroyPreview,
    PlanReview,
    describe_sdk_steps,
    destroy_preview,
    glue_hops,
    plan_fingerprint,
    same_plan,
)
from dtwin_gui.deploy.workspace import DeploymentWorkspace
from dtwin_gui.iac.runner import PlannedResource, PlanSummary


def _plan(*rows: tuple[str, str, str]) -> PlanSummary:
    return PlanSummary(resources=[PlannedResource(*row) for row in rows], has_changes=bool(rows))


L2_FN = 'module.aws_l2.aws_lambda_function.processor["s1"]'
L3_TABLE = "module.aws_l3_hot.aws_dynamodb_table.hot"
L1_THING = 'module.aws_l1.aws_iot_thing.device["s1"]'


def test_layers_are_grouped_in_order_with_counts():
    plan = _plan(
        (L3_TABLE, "update", "L3_hot"),
        (L2_FN, "create", "L2"),
        ('module.aws_l2.aws_lambda_function.processor["s2"]', "replace", "L2"),
        (L1_THING, "delete", "L1"),
        ("module.aws_l2.data.aws_iam_policy_document.x", "read", "L2"),
    )
    review = PlanReview.build(plan)
    assert [layer.layer for layer in review.layers] == ["L1", "L2", "L3_hot"]
    l2 = review.layer("L2")
    assert [item.action for item in l2.items] == ["create", "replace"]  # the data read left out
    assert (l2.count("add"), l2.count("change"), l2.count("destroy")) == (2, 0, 1)
    assert l2.counts_text == "+2 ~0 -1"
    assert review.layer("L3_hot").counts_text == "+0 ~1 -0"
    assert review.layer("L1").title.startswith("L1")


def test_delete_and_replace_are_destructive_updates_are_not():
    plan = _plan(
        (L1_THING, "delete", "L1"),
        (L2_FN, "replace", "L2"),
        (L3_TABLE, "update", "L3_hot"),
        ("module.aws_setup.aws_iam_role.x", "create", "setup"),
    )
    review = PlanReview.build(plan)
    assert {item.address for item in review.destructive} == {L1_THING, L2_FN}
    assert review.destructive_note == "2 resources will be destroyed or replaced"
    assert PlanReview.build(_plan((L3_TABLE, "update", "L3_hot"))).destructive_note == ""


def test_a_new_function_package_replacing_the_old_one_is_not_destructive():
    package = 'module.aws_setup.aws_s3_object.package["factory-twin-processor-s1"]'
    review = PlanReview.build(_plan((package, "replace", "setup"), (L2_FN, "update", "L2")))
    assert review.destructive == [] and review.destructive_note == ""
    assert review.layer("setup").counts_text == "+1 ~0 -1"  # still shown as what it is


def test_terraform_delete_create_pair_counts_as_replace():
    review = PlanReview.build(_plan((L2_FN, "delete-create", "L2")))
    assert review.destructive[0].action == "replace"


def test_no_changes_plan():
    review = PlanReview.build(PlanSummary())
    assert not review.has_resource_changes
    assert review.layers == []


def test_same_plan_ignores_order_and_unchanged_resources():
    a = _plan((L2_FN, "create", "L2"), (L3_TABLE, "update", "L3_hot"))
    b = _plan((L3_TABLE, "update", "L3_hot"), (L2_FN, "create", "L2"), (L1_THING, "noop", "L1"))
    assert same_plan(a, b)
    assert plan_fingerprint(a) == ((L2_FN, "create"), (L3_TABLE, "update"))


def test_same_plan_false_when_anything_differs():
    reviewed = _plan((L2_FN, "update", "L2"))
    assert not same_plan(reviewed, _plan((L2_FN, "replace", "L2")))
    assert not same_plan(reviewed, _plan((L2_FN, "update", "L2"), (L3_TABLE, "create", "L3_hot")))
    assert not same_plan(reviewed, _plan())
    assert not same_plan(None, reviewed)


def test_sdk_steps_of_the_example_list_every_device(project):
    loaded = load_project(project)
    steps = describe_sdk_steps(loaded, topology_for_project(loaded))
    certificates = [s.name for s in steps if s.layer == "L1"]
    assert certificates == loaded.device_ids and certificates
    layers = [s.layer for s in steps]
    assert layers == sorted(layers, key=["L1", "L4", "L5"].index)  # the steps' own order
    assert any(s.kind == "twinmaker-workspace" for s in steps)
    assert any(s.kind == "grafana-dashboard" for s in steps)


def test_sdk_steps_follow_device_changes(project):
    devices_file = project / "config_iot_devices.json"
    devices = json.loads(devices_file.read_text(encoding="utf-8"))
    devices.append({**devices[0], "id": "extra-sensor"})
    devices_file.write_text(json.dumps(devices), encoding="utf-8")
    loaded = load_project(project)
    steps = describe_sdk_steps(loaded, topology_for_project(loaded))
    assert "extra-sensor" in [s.name for s in steps if s.layer == "L1"]
    assert "com.dtwin.device.extra-sensor" in [s.name for s in steps]


def test_each_cloud_lists_the_sdk_steps_of_its_own_layers(project):
    write_providers(
        project, {**{s: Cloud.AWS for s in Slot}, Slot.L4: Cloud.AZURE, Slot.L5: Cloud.AZURE}
    )
    loaded = load_project(project)
    steps = describe_sdk_steps(loaded, topology_for_project(loaded))
    kinds = {(s.layer, s.kind) for s in steps}
    assert {layer for layer, _ in kinds} == {"L1", "L4", "L5"}
    assert all(kind.startswith(("adt-", "grafana")) for layer, kind in kinds if layer != "L1")
    assert not any(
        kind.startswith(("twinmaker", "iot-thing")) for layer, kind in kinds if layer != "L1"
    )


def test_glue_hops_only_across_clouds(project):
    loaded = load_project(project)
    assert glue_hops(topology_for_project(loaded)) == []
    write_providers(project, {**{s: Cloud.AWS for s in Slot}, Slot.L3_HOT: Cloud.GOOGLE})
    loaded = load_project(project)
    hops = glue_hops(topology_for_project(loaded))
    names = {hop.name for hop in hops}
    assert "l2-l3hot-writer" in names
    writer = next(hop for hop in hops if hop.name == "l2-l3hot-writer")
    assert (writer.source_cloud, writer.target_cloud) == ("aws", "google")
    assert "hot-writer" in writer.receiver
    assert "Google Cloud" in writer.text


def test_destroy_preview_counts_state_and_sdk_objects(project):
    workspace = DeploymentWorkspace(project, "sandbox")
    assert destroy_preview(workspace).empty
    state = {
        "version": 4,
        "serial": 1,
        "lineage": "x",
        "resources": [
            {
                "module": "module.aws_l2",
                "mode": "managed",
                "type": "aws_lambda_function",
                "name": "processor",
                "instances": [{"index_key": k, "attributes": {"id": k}} for k in ("a", "b")],
            },
            {
                "module": "module.aws_l3_hot",
                "mode": "managed",
                "type": "aws_dynamodb_table",
                "name": "hot",
                "instances": [{"attributes": {"id": "t"}}],
            },
        ],
    }
    workspace.terraform_dir.mkdir(parents=True, exist_ok=True)
    (workspace.terraform_dir / "terraform.tfstate").write_text(json.dumps(state), "utf-8")
    sdk = SdkState(
        devices={"s1": DeviceRecord("s1", "t-s1", "t-s1", "c", "arn")},
        twinmaker=TwinMakerRecord("ws", ["com.dtwin.device.s1"], ["factory"]),
    )
    sdk.save(workspace)
    preview = destroy_preview(workspace)
    assert preview.total == 7
    assert (
        preview.sentence()
        == "This deletes 7 resources in 4 layers: L1 (1), L2 (2), L3_hot (1), L4 (3)."
    )


def test_destroy_sentence_when_nothing_is_deployed():
    assert "Nothing" in DestroyPreview().sentence()
