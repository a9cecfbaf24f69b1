"""End to end on the sandbox: deploy the example twin, use it, cancel, redeploy, destroy.

Real Terraform (aws provider from the filesystem mirror), real function packages executed by
the sandbox function host, moto behind the gateway. Never skipped in CI.
"""

from __future__ import annotations

import json
import threading
import urllib.request

import pytest

from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.clouds.aws.leftovers import find_leftovers
from dtwin_gui.core.run_events import PhaseEvent, ResourceEvent
from dtwin_gui.deploy.orchestrator import Deployment
from dtwin_gui.deploy.query import query_hot
from dtwin_gui.deploy.simulate import simulate
from tests.helpers import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

AWS_LAYERS = ("L1", "L2", "L3_hot", "L3_cold", "L3_archive", "L4", "L5")


def post_json(url: str, data: dict) -> dict:
    request = urllib.request.Request(
        url,
        data=json.dumps(data).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=120) as reply:
        return json.loads(reply.read())


class Recorder:
    def __init__(self):
        self.events = []

    def __call__(self, event):
        self.events.append(event)

    def phases(self):
        return {(e.phase, e.state) for e in self.events if isinstance(e, PhaseEvent)}


def test_example_twin_lives_and_dies_on_the_sandbox(aws, project):
    target = sandbox_target(aws.endpoint, aws.region)
    recorder = Recorder()
    deployment = Deployment(project, target, sink=recorder)

    # 1. Deploy.
    first = deployment.deploy()
    assert first.status == "succeeded", first.message + " / " + first.hint
    assert first.applied
    report = deployment.status()
    assert {layer: report.layers[layer].state for layer in AWS_LAYERS} == dict.fromkeys(
        AWS_LAYERS, "deployed"
    )
    assert first.log_path.is_file()

    # 2. Telemetry for every device, through IoT Core's topic rule to DynamoDB.
    sent = simulate(project, target)
    devices = {s.device_id for s in sent.sent}
    assert devices == {"temperature-sensor-1", "temperature-sensor-2", "pressure-sensor-1"}
    table = report.outputs["hot_table_name"]
    dynamodb = aws.client("dynamodb")
    items = wait_for(
        lambda: (lambda i: i if len(i) == len(sent.sent) else None)(
            dynamodb.scan(TableName=table)["Items"]
        )
    )
    keys = {(i["device_id"]["S"], i["timestamp"]["S"]) for i in items}
    assert keys == {(s.device_id, s.timestamp) for s in sent.sent}

    # 3. The hot reader returns them.
    reader = aws.gateway.function_url(report.outputs["hot_reader_function_name"])
    with urllib.request.urlopen(f"{reader}?device_id=temperature-sensor-1") as reply:
        page = json.loads(reply.read())
    assert [i["temperature"] for i in page["items"]] == [22.5, 42.0]
    # `dtwin query`'s engine call: every record, newest first, through the deployed reader.
    queried = query_hot(project, target)
    assert [(r["device_id"], r["timestamp"]) for r in queried.records] == sorted(
        ((s.device_id, s.timestamp) for s in sent.sent), key=lambda k: k[1], reverse=True
    )
    assert queried.source.reader == report.outputs["hot_reader_function_name"]
    assert (queried.source.via, queried.source.target) == ("invoke", "sandbox")

    # 4. The event rule's action ran and the device got its feedback.
    from moto.backends import get_backend

    def feedback():
        published = get_backend("iot-data")["123456789012"][aws.region].published_payloads
        return [t for t, _ in published if t.endswith("/feedback")]

    assert wait_for(feedback) == ["dtwin/factory-twin/temperature-sensor-1/feedback"]

    # 5. Time passes: hot → cold, then cold → archive.
    s3 = aws.client("s3")
    post_json(f"{aws.endpoint}/_dtwin/clock/advance", {"days": 32})
    cold = report.outputs["cold_bucket_name"]
    cold_objects = s3.list_objects_v2(Bucket=cold).get("Contents", [])
    assert len(cold_objects) == 3  # one per device and day
    assert dynamodb.scan(TableName=table)["Items"] == []
    post_json(f"{aws.endpoint}/_dtwin/clock/advance", {"days": 92})
    archive = report.outputs["archive_bucket_name"]
    assert "Contents" not in s3.list_objects_v2(Bucket=cold)
    archived = s3.list_objects_v2(Bucket=archive)["Contents"]
    assert sorted(o["Key"] for o in archived) == sorted(o["Key"] for o in cold_objects)

    # 6. Redeploy without change: no apply.
    recorder.events.clear()
    again = deployment.deploy()
    assert again.status == "succeeded" and not again.applied
    assert ("apply", "skipped") in recorder.phases()

    # 7. Cancel a deploy mid-apply, then rerun to convergence.
    (project / "processors/temperature-sensor-2/process.py").write_text(
        "def process(event):\n    event['checked'] = True\n    return event\n"
    )
    cancelled_deployment = Deployment(project, target)
    started = threading.Event()

    def watch(event):
        if isinstance(event, ResourceEvent) and event.state in ("updating", "creating"):
            started.set()

    cancelled_deployment._sink = watch
    outcome = {}
    runner = threading.Thread(target=lambda: outcome.update(r=cancelled_deployment.deploy()))
    runner.start()
    assert started.wait(120), "apply never started"
    cancelled_deployment.cancel()
    runner.join(180)
    assert outcome["r"].status == "cancelled"
    rerun = Deployment(project, target).deploy()
    assert rerun.status == "succeeded", rerun.message
    assert Deployment(project, target).plan_only().plan.has_changes is False
    # The changed processor is what runs now (its package was uploaded again).
    simulate(project, target)
    checked = wait_for(
        lambda: [
            i
            for i in dynamodb.scan(TableName=table)["Items"]
            if i["device_id"]["S"] == "temperature-sensor-2"
        ]
    )
    assert all(i["checked"] == {"BOOL": True} for i in checked)

    # 8. Destroy: nothing of the twin is left in the emulator, service by service.
    gone = Deployment(project, target).destroy()
    assert gone.status == "succeeded", gone.message
    assert find_leftovers(target, "factory-twin") == {}
    assert Deployment(project, target).status().empty
