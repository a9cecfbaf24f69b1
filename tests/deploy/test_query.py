"""Recent records read back through the deployed hot reader (``dtwin query``'s engine call),
against the example twin's real function packages in the emulated AWS."""

from __future__ import annotations

import json

import boto3
import pytest
from helpers_aws import SECRET, deploy_project

from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.clouds.base import SANDBOX, Connections
from dtwin_gui.deploy.query import QueryError, nothing_deployed, query_hot
from dtwin_gui.deploy.workspace import DeploymentWorkspace
from dtwin_gui.runtime.aws.stores import DynamoHotStore

pytestmark = pytest.mark.slow


@pytest.fixture
def twin(aws, project, tmp_path):
    deployed = deploy_project(aws, project, tmp_path / "build")
    store = DynamoHotStore(
        deployed.table, boto3.resource("dynamodb", **aws.client_kwargs()), ttl_days=60
    )
    rows = [
        ("temperature-sensor-1", "2026-11-25T10:00:00.000Z", {"temperature": 21.0}),
        ("temperature-sensor-1", "2026-11-25T10:00:02.000Z", {"temperature": 22.0}),
        ("temperature-sensor-2", "2026-11-25T10:00:01.000Z", {"temperature": 19.5}),
        ("pressure-sensor-1", "2026-11-25T10:00:03.000Z", {"pressure": 1012.8}),
    ]
    for device, timestamp, values in rows:
        store.put({"device_id": device, "timestamp": timestamp, "trace_id": "t", **values})
    return deployed


def keys(result) -> list[tuple[str, str]]:
    return [(r["device_id"], r["timestamp"]) for r in result.records]


@pytest.fixture
def google_without(monkeypatch):
    """Google with some parts taken back: the example of a cloud that lacks them (since
    issue 15 Google has every part this file's path needs)."""
    from dtwin_gui.clouds import plugin

    def strip(*names: str) -> None:
        google = plugin("google")
        kept = {k: v for k, v in google.parts.items() if k not in names}
        monkeypatch.setattr(google, "parts", kept)

    return strip


def test_records_of_every_device_come_newest_first_from_the_reader(aws, project, twin):
    target = sandbox_target(aws.endpoint, aws.region)
    result = query_hot(project, target, outputs={})
    assert keys(result) == [
        ("pressure-sensor-1", "2026-11-25T10:00:03.000Z"),
        ("temperature-sensor-1", "2026-11-25T10:00:02.000Z"),
        ("temperature-sensor-2", "2026-11-25T10:00:01.000Z"),
        ("temperature-sensor-1", "2026-11-25T10:00:00.000Z"),
    ]
    assert result.records[0]["pressure"] == 1012.8
    assert "dtwin_expires_at" not in result.records[0]  # the TTL attribute is internal
    document = json.loads(json.dumps(result.to_json()))
    assert document["source"] == {
        "reader": twin.name("hot-reader"),
        "cloud": "aws",
        "target": "sandbox",
        "via": "invoke",
        "region": aws.region,
        "url": None,
    }


def test_device_since_and_limit_narrow_the_records(aws, project, twin):
    target = sandbox_target(aws.endpoint, aws.region)
    one = query_hot(project, target, device="temperature-sensor-1", outputs={})
    assert keys(one) == [
        ("temperature-sensor-1", "2026-11-25T10:00:02.000Z"),
        ("temperature-sensor-1", "2026-11-25T10:00:00.000Z"),
    ]
    recent = query_hot(project, target, since="2026-11-25T11:00:01+01:00", outputs={})
    assert [t for _, t in keys(recent)] == [
        "2026-11-25T10:00:03.000Z",
        "2026-11-25T10:00:02.000Z",
        "2026-11-25T10:00:01.000Z",
    ]
    assert keys(query_hot(project, target, limit=1, outputs={})) == [
        ("pressure-sensor-1", "2026-11-25T10:00:03.000Z")
    ]


def test_without_a_deployed_reader_it_says_nothing_is_deployed(aws, project):
    target = sandbox_target(aws.endpoint, aws.region)
    assert nothing_deployed(project, "sandbox")
    with pytest.raises(QueryError) as caught:
        query_hot(project, target, outputs={})
    assert "nothing deployed" in caught.value.message
    assert "factory-twin-hot-reader" in caught.value.message
    assert f"dtwin deploy {project}" in caught.value.hint


def test_a_failing_reader_is_named_with_its_error(aws, project, twin):
    aws.client("lambda").update_function_configuration(
        FunctionName=twin.name("hot-reader"),
        Environment={"Variables": {"DTWIN_TWIN_NAME": twin.twin, "DTWIN_HOT_STORE": "gone"}},
    )
    with pytest.raises(QueryError) as caught:
        query_hot(project, sandbox_target(aws.endpoint, aws.region), outputs={})
    assert f"the hot reader {twin.name('hot-reader')} on sandbox failed" in caught.value.message
    assert "ResourceNotFoundException" in caught.value.message
    assert "log" in caught.value.hint


def test_an_unreachable_target_is_reported_not_raised_raw(project):
    target = sandbox_target("http://127.0.0.1:9", "us-east-1")
    with pytest.raises(QueryError) as caught:
        query_hot(project, target, outputs={})
    assert "did not answer (http://127.0.0.1:9)" in caught.value.message
    assert "dtwin sandbox status" in caught.value.hint


def test_bad_parameters_are_refused_before_any_call(project):
    target = sandbox_target("http://127.0.0.1:9", "us-east-1")
    with pytest.raises(QueryError, match="not an ISO-8601 time"):
        query_hot(project, target, since="yesterday", outputs={})
    with pytest.raises(QueryError, match="at least 1"):
        query_hot(project, target, limit=0, outputs={})
    with pytest.raises(QueryError, match="'ghost' is not in this twin"):
        query_hot(project, target, device="ghost", outputs={})


def _with_remote_dashboards(aws, project, twin) -> str:
    """L5 on Azure: the reader's URL is public and takes only signed hot-queries."""
    path = project / "config_providers.json"
    providers = json.loads(path.read_text())
    providers["layer_5_provider"] = "azure"
    path.write_text(json.dumps(providers))
    name = twin.name("hot-reader")
    aws.client("lambda").update_function_configuration(
        FunctionName=name,
        Environment={
            "Variables": {
                "DTWIN_TWIN_NAME": twin.twin,
                "DTWIN_HOT_STORE": twin.table,
                "DTWIN_GLUE_SECRET": SECRET,
            }
        },
    )
    return aws.gateway.function_url(name)


def test_a_reader_with_remote_callers_is_queried_with_a_signed_envelope(aws, project, twin):
    url = _with_remote_dashboards(aws, project, twin)
    target = sandbox_target(aws.endpoint, aws.region)
    result = query_hot(
        project, target, device="pressure-sensor-1", outputs={"hot_reader_url": url}, secret=SECRET
    )
    assert keys(result) == [("pressure-sensor-1", "2026-11-25T10:00:03.000Z")]
    assert result.source.via == "signed-url" and result.source.url == url

    with pytest.raises(QueryError) as caught:
        query_hot(project, target, outputs={"hot_reader_url": url}, secret="not-the-secret")
    assert "refused the query (401)" in caught.value.message
    assert "glue secret does not match" in caught.value.hint
    with pytest.raises(QueryError, match="only signed requests"):
        query_hot(project, target, outputs={"hot_reader_url": url})


def test_a_hot_store_on_a_cloud_dtwin_cannot_read_is_named(google_without, project):
    google_without("hot_reader")
    path = project / "config_providers.json"
    providers = json.loads(path.read_text())
    providers["layer_3_hot_provider"] = "google"
    path.write_text(json.dumps(providers))
    target = sandbox_target("http://127.0.0.1:9", "us-east-1")
    with pytest.raises(QueryError) as caught:
        query_hot(project, target, outputs={})
    assert (
        caught.value.message
        == "L3 hot is on google: this version reads the hot store on AWS and Azure only"
    )
    assert caught.value.hint.startswith("put L3 hot on AWS")


def test_a_hot_store_on_a_cloud_not_connected_says_where_to_sign_in(project):
    with pytest.raises(QueryError) as caught:
        query_hot(project, Connections(SANDBOX, {}), outputs={})
    assert "the hot reader runs on AWS" in caught.value.message
    assert "no AWS connection" in caught.value.message
    assert caught.value.hint == "sign in to AWS on the Credentials page"


def test_a_saved_deploy_means_something_is_deployed(project):
    workspace = DeploymentWorkspace(project, "sandbox")
    workspace.write_json(workspace.outputs_file, {"hot_reader_function_name": "x"})
    assert not nothing_deployed(project, "sandbox")
    assert nothing_deployed(project, "aws")


def test_a_twin_only_provisioned_on_the_sandbox_counts_as_deployed(project):
    """An all-Azure sandbox deploy runs no Terraform (no outputs saved): its provision
    record is what says it is deployed, so `dtwin simulate` and `dtwin query` go ahead."""
    from dtwin_gui.deploy.provision_phase import save_state
    from dtwin_gui.deploy.query import nothing_deployed
    from dtwin_gui.deploy.workspace import DeploymentWorkspace

    assert nothing_deployed(project, "sandbox")
    save_state(DeploymentWorkspace(project, "sandbox"), {"azure": {"function_apps": ["a"]}})
    assert not nothing_deployed(project, "sandbox")
    save_state(DeploymentWorkspace(project, "sandbox"), {})
    assert nothing_deployed(project, "sandbox")
