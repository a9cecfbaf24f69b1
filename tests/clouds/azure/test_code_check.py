"""The verify phase's code check on the sandbox: an app runs exactly the package built."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace

from dtwin_gui.clouds.azure.code_check import check_code
from tests.sandbox.azure.test_functions_host import _package, _settings, sandbox  # noqa: F401


def _build(path, name="twin-l2-fn-x0x0x0"):
    sha = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return SimpleNamespace(cloud="azure", name=name, sha256=sha, path=path)


def test_an_app_running_its_package_passes_and_an_older_one_is_stale(sandbox, tmp_path):  # noqa: F811
    client, gateway, ca = sandbox
    connection = SimpleNamespace(is_sandbox=True, gateway_url=gateway.url, ca_path=ca)
    built = _package(tmp_path / "new.zip")
    client.put_app("twin-l2-fn-sbx", "L2", built, _settings(tmp_path))
    assert check_code(connection, [_build(built)], {}) == []
    newer = _package(
        tmp_path / "newer.zip", "import azure.functions as func\napp = func.FunctionApp()\n"
    )
    [stale] = check_code(connection, [_build(newer)], {})
    assert stale.name == "twin-l2-fn-sbx" and stale.expected != stale.live != ""
    client.delete_app("twin-l2-fn-sbx")
    [gone] = check_code(connection, [_build(built)], {})
    assert gone.live == ""
