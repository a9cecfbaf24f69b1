"""L4/L5 "none" in Review and Status: the layers read "not part of this twin", never missing."""

from __future__ import annotations

from helpers import edit_json

from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.core.project import load_project
from dtwin_gui.core.providers import NOT_IN_TWIN
from dtwin_gui.core.topology import topology_for_project
from dtwin_gui.deploy.orchestrator import Deployment
from dtwin_gui.deploy.review import PlanReview, describe_sdk_steps, left_out_text
from dtwin_gui.deploy.status import LEFT_OUT, LayerStatus, ResourceStatus, StatusReport
from dtwin_gui.iac.runner import PlannedResource, PlanSummary


def _leave_out(project):
    edit_json(
        project / "config_providers.json",
        lambda d: d.update(layer_4_provider="none", layer_5_provider="none"),
    )
    loaded = load_project(project)
    return loaded, topology_for_project(loaded)


def test_review_lists_the_left_out_layers_and_no_twinmaker_or_grafana_steps(project):
    loaded, topology = _leave_out(project)
    plan = PlanSummary(
        resources=[PlannedResource("module.aws_l1.aws_iot_thing.device", "create", "L1")],
        has_changes=True,
    )
    review = PlanReview.build(plan, loaded, topology)
    assert review.left_out == ["L4", "L5"]
    assert [layer.layer for layer in review.layers] == ["L1"]
    assert {step.layer for step in describe_sdk_steps(loaded, topology)} == {"L1"}
    assert left_out_text("L4") == (
        f"L4 · Twin model: {NOT_IN_TWIN} (no twin model (no TwinMaker / Digital Twins, "
        "no hierarchy needed))"
    )
    assert "no dashboards" in left_out_text("L5")


def test_status_shows_left_out_layers_as_not_part_of_the_twin(project):
    _leave_out(project)
    report = Deployment(project, sandbox_target("http://127.0.0.1:9")).status(probe=False)
    assert report.layers["L4"].state == report.layers["L5"].state == LEFT_OUT == NOT_IN_TWIN
    assert report.layers["L4"].summary == NOT_IN_TWIN
    assert report.layers["L1"].state == "not deployed"
    assert report.empty and not report.deployed


def test_a_twin_with_l1_to_l3_deployed_is_deployed():
    def deployed(layer):
        res = ResourceStatus(f"module.aws_{layer}.x.y", "aws_s3_bucket", "b", "present")
        return LayerStatus(layer, "aws", "deployed", [res])

    layers = {k: deployed(k) for k in ("L1", "L2", "L3_hot", "L3_cold", "L3_archive")}
    layers |= {k: LayerStatus(k, "", LEFT_OUT) for k in ("L4", "L5")}
    report = StatusReport("sandbox", "t", layers, {})
    assert report.deployed and not report.incomplete and not report.empty


def test_an_earlier_deploys_resources_on_a_left_out_layer_are_named():
    res = ResourceStatus(
        "module.aws_l5.aws_grafana_workspace.w", "aws_grafana_workspace", "g", "present"
    )
    layer = LayerStatus("L5", "", LEFT_OUT, [res])
    assert layer.summary == (
        f"{NOT_IN_TWIN} (1 resource left from an earlier deploy: the next deploy removes them)"
    )
    assert not StatusReport("sandbox", "t", {"L5": layer}, {}).empty
