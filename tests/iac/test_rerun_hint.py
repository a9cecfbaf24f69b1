"""After Terraform dies, "Running again is safe" is said only when it is (issue 11 item 1)."""

from __future__ import annotations

import sys

import pytest

from dtwin_gui.iac.cli_config import TerraformSettings
from dtwin_gui.iac.runner import Terraform, TerraformError

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="a POSIX shell stand-in")


def crashing_terraform(tmp_path):
    binary = tmp_path / "crashing-terraform"
    binary.write_text("#!/bin/sh\nkill -9 $$\n")  # dies as a killed Terraform would
    binary.chmod(0o755)
    return Terraform(
        tmp_path / "root", settings=TerraformSettings(binary=str(binary), mirror_dir=None)
    )


def test_a_killed_terraform_says_running_again_is_safe_when_the_state_was_saved(tmp_path):
    with pytest.raises(TerraformError) as raised:
        crashing_terraform(tmp_path).apply()
    assert "SIGKILL" in raised.value.summary
    assert "Running again is safe" in raised.value.hint


def test_not_when_terraform_could_not_write_its_state(tmp_path):
    tf = crashing_terraform(tmp_path)
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "errored.tfstate").write_text("{}")
    with pytest.raises(TerraformError) as raised:
        tf.apply()
    hint = raised.value.hint
    assert "Running again is safe" not in hint
    assert "errored.tfstate" in hint and "terraform state push" in hint
