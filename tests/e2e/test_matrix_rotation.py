"""`dtwin rotate-secrets` on a deployed hybrid while telemetry flows (issue 16): L1–L2 on
Google, L3–L5 on Azure, so every hop of the data path crosses a signed boundary whose
receiver and sender are both provisioned on the sandbox.

Devices keep publishing while the secrets are rotated and the twin redeployed (the functions
get the new secrets): every message sent lands in the hot store once. After a second
rotation and redeploy the first generation's secret is refused at the receiver, the second
(now previous) still accepted.
"""

from __future__ import annotations

import shutil
import threading
import time

from dtwin_gui.core.providers import Cloud
from tests.e2e.matrix_flow import write_row
from tests.e2e.matrix_rows import MARKS
from tests.e2e.matrix_sides import TWIN, same_time
from tests.helpers import wait_for

pytestmark = MARKS
ROW = ("google", "google", "azure", "azure", "azure", "azure", "azure")
HOT_WRITER = "l2-l3hot-writer"
ALL = "9999-12-31T00:00:00.000Z"  # older_than: every record


def _deploy(deployment) -> None:
    result = deployment.deploy()
    assert result.status == "succeeded", (result.message, result.log_path.read_text()[-3000:])


def _status_with(url: str, secret: str, now) -> int:
    from dtwin_gui.runtime.core.glue_protocol import dump_envelope, make_envelope, signed_headers
    from tests.e2e.matrix_glue import _payload, _post

    body = dump_envelope(
        make_envelope(
            "telemetry", _payload("telemetry", now), source_cloud="google", source_layer="L2"
        )
    )
    return _post(url, body, signed_headers(secret, body)).status_code


def test_rotating_the_glue_secrets_during_traffic_loses_nothing(three_clouds, tmp_path):
    from dtwin_gui.app.secrets import rotate
    from dtwin_gui.deploy.cloud_parts import find_leftovers
    from dtwin_gui.deploy.glue_secrets import GlueSecrets
    from dtwin_gui.deploy.orchestrator import Deployment
    from dtwin_gui.deploy.provision_phase import receiver_urls
    from dtwin_gui.deploy.simulate import simulate
    from tests.conftest import TEMPLATE

    sides, connections = three_clouds
    project = tmp_path / "project"
    shutil.copytree(TEMPLATE, project)
    write_row(project, ROW)
    deployment = Deployment(project, connections)
    _deploy(deployment)
    try:
        hot = sides[Cloud.AZURE].hot(project, {})
        first = GlueSecrets.for_deployment(deployment).get(HOT_WRITER).current

        sent: list = []
        stop = threading.Event()

        def traffic():
            while not stop.is_set():
                now = same_time([sides[Cloud.GOOGLE], sides[Cloud.AZURE]])
                sent.extend(simulate(project, connections, now=now).sent)
                time.sleep(0.2)

        publisher = threading.Thread(target=traffic, daemon=True)
        publisher.start()
        time.sleep(2)
        rotations, _ = rotate(project, "sandbox")
        assert {r.generation for r in rotations} == {2}
        _deploy(Deployment(project, connections))  # the functions get the new secrets
        time.sleep(2)
        stop.set()
        publisher.join(60)
        assert len(sent) >= 6, len(sent)
        keys = {(s.device_id, s.timestamp) for s in sent}

        def stored():
            found = {(r["device_id"], r["timestamp"]) for r in hot.older_than(ALL, limit=9999)}
            return found if keys <= found else None

        try:
            assert wait_for(stored, timeout=90) == keys  # nothing lost, nothing else
        except AssertionError:
            found = {(r["device_id"], r["timestamp"]) for r in hot.older_than(ALL, limit=9999)}
            lost = sorted(keys - found)
            raise AssertionError(f"{len(lost)} of {len(keys)} lost: {lost[:5]}") from None
        second = GlueSecrets.for_deployment(deployment).get(HOT_WRITER).current
        assert second != first

        # The next rotation drops the first generation: refused; the second is the previous.
        rotate(project, "sandbox")
        _deploy(Deployment(project, connections))
        url = receiver_urls(deployment, {})[HOT_WRITER]
        now = same_time([sides[Cloud.AZURE]])
        assert _status_with(url, first, now) == 401
        assert _status_with(url, second, now) == 200
    finally:
        gone = deployment.destroy()
        assert gone.status == "succeeded", gone.message
    assert find_leftovers(connections, TWIN) == {}
