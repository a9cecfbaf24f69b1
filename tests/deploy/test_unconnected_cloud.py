"""A deploy whose layers sit on a cloud it has no connection to says so before anything runs
(in the sandbox: that cloud's emulator is not running), instead of failing deep inside."""

from __future__ import annotations

import json

from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.deploy.orchestrator import Deployment


def test_a_layer_on_a_cloud_the_sandbox_does_not_run_is_named(project):
    path = project / "config_providers.json"
    providers = json.loads(path.read_text())
    providers["layer_3_hot_provider"] = "azure"
    path.write_text(json.dumps(providers))
    result = Deployment(project, sandbox_target("http://127.0.0.1:9", "us-east-1")).deploy()
    assert result.status == "failed"
    assert "the sandbox runs without the emulator of Azure (L3_hot)" in result.message
    assert "dtwin sandbox status" in result.hint
