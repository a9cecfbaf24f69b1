"""After a deploy, every Lambda runs the package just built; a stale one is repaired from the
package bucket (the case of an update cut short while Terraform recorded it as done)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from helpers_aws import deploy_project

from dtwin_gui.build import build_packages
from dtwin_gui.clouds.aws.code_check import (
    code_sha,
    package_key,
    repair_stale_code,
    stale_functions,
)
from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.clouds.base import SANDBOX, Connections
from dtwin_gui.core.providers import Cloud
from dtwin_gui.deploy.cloud_parts import check_code

BUCKET = "factory-twin-functions-abc123"


@pytest.fixture
def google_without(monkeypatch):
    """Google with some parts taken back: the example of a cloud that lacks them (since
    issue 15 Google has every part this file's path needs)."""
    from dtwin_gui.clouds import plugin

    def strip(*names: str) -> None:
        google = plugin(Cloud.GOOGLE)
        kept = {k: v for k, v in google.parts.items() if k not in names}
        monkeypatch.setattr(google, "parts", kept)

    return strip


def test_a_function_left_on_its_old_package_is_found_and_repaired(aws, project, tmp_path):
    deployed = deploy_project(aws, project, tmp_path / "old")
    target = sandbox_target(aws.endpoint, aws.region)
    (project / "processors/temperature-sensor-2/process.py").write_text(
        "def process(event):\n    event['checked'] = True\n    return event\n"
    )
    builds = build_packages(project, tmp_path / "new", cloud="aws")
    changed = next(b for b in builds if b.function == "processor-temperature-sensor-2")
    # What Terraform uploaded before the function update was cut short.
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=package_key(changed), Body=Path(changed.path).read_bytes())

    stale = stale_functions(target, builds)
    assert [s.name for s in stale] == [changed.name]
    assert stale[0].expected == code_sha(changed) != stale[0].live

    said = []
    # As the deploy's verify phase asks: every connected cloud's code check, here AWS's.
    outputs = {"functions_bucket_name": BUCKET}
    assert check_code(Connections.wrap(target), builds, outputs, log=said.append) == []
    assert len(said) == 1 and changed.name in said[0] and package_key(changed) in said[0]
    live = aws.client("lambda").get_function_configuration(FunctionName=changed.name)
    assert live["CodeSha256"] == code_sha(changed)
    # And the new code is what runs.
    reply = aws.client("lambda").invoke(
        FunctionName=deployed.name("processor-temperature-sensor-2"),
        Payload=json.dumps(
            {
                "device_id": "temperature-sensor-2",
                "timestamp": "2026-11-25T12:00:00.000Z",
                "temperature": 20.0,
            }
        ).encode(),
    )
    assert "FunctionError" not in reply
    assert aws.host.drain(timeout_s=60)
    items = aws.client("dynamodb").scan(TableName=deployed.table)["Items"]
    assert [i["checked"] for i in items] == [{"BOOL": True}]


def test_functions_on_their_package_need_nothing(aws, project, tmp_path):
    deploy_project(aws, project, tmp_path / "build")
    builds = build_packages(project, tmp_path / "build", cloud="aws")
    target = sandbox_target(aws.endpoint, aws.region)
    said = []
    # No bucket needed: nothing is stale, so nothing is read from it.
    assert repair_stale_code(target, builds, "no-such-bucket", log=said.append) == []
    assert said == []


def test_a_package_missing_from_the_bucket_leaves_the_function_reported(aws, project, tmp_path):
    deploy_project(aws, project, tmp_path / "old")
    (project / "processors/temperature-sensor-2/process.py").write_text(
        "def process(event):\n    return event\n\n# changed\n"
    )
    builds = build_packages(project, tmp_path / "new", cloud="aws")
    aws.client("s3").create_bucket(Bucket=BUCKET)
    target = sandbox_target(aws.endpoint, aws.region)
    still = repair_stale_code(target, builds, BUCKET)
    assert [s.name for s in still] == ["factory-twin-processor-temperature-sensor-2"]


class _Google:
    """A connection of a cloud whose plugin has no code check yet."""

    cloud, is_sandbox = Cloud.GOOGLE, True

    def process_env(self) -> dict:
        return {}

    def describe(self) -> str:
        return "Google Cloud (sandbox)"


def test_a_cloud_without_a_code_check_is_said_not_taken_as_checked(google_without):
    google_without("code_check")
    connections = Connections(
        SANDBOX, {Cloud.AWS: sandbox_target("http://127.0.0.1:9"), Cloud.GOOGLE: _Google()}
    )
    builds = [SimpleNamespace(name="factory-twin-processor", cloud="google", sha256="a" * 64)]
    said = []
    # No AWS function was built and the Google functions cannot be checked: nothing is asked
    # of the (unreachable) AWS, and the log says what was not checked.
    assert check_code(connections, builds, {"functions_bucket_name": BUCKET}, said.append) == []
    assert said == ["the code of the Google Cloud functions cannot be checked yet"]


def test_before_the_package_bucket_exists_there_is_nothing_to_check():
    target = sandbox_target("http://127.0.0.1:9")  # never asked: port 9 answers nothing
    builds = [SimpleNamespace(name="factory-twin-processor", cloud="aws", sha256="a" * 64)]
    assert check_code(target, builds, {}, log=print) == []
