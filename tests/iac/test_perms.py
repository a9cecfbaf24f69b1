"""Terraform's own files (state, backup, plan, ``.terraform/``) are owner-only, like the rest
of the workspace: the child runs with umask 077, and older workspaces are tightened."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from dtwin_gui.deploy.workspace import DeploymentWorkspace
from dtwin_gui.iac.cli_config import TerraformSettings
from dtwin_gui.iac.perms import tighten
from dtwin_gui.iac.runner import Terraform

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")

ROOT = """
module "aws_l2" {
  source = "./items"
}
"""
MODULE = """
resource "terraform_data" "item" {
  count = 2
  input = "v${count.index}"
}
"""


def modes(root: Path) -> dict[str, int]:
    """Permission bits of everything under ``root`` (symlinks left out)."""
    out = {}
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = Path(folder) / name
            info = path.lstat()
            if not stat.S_ISLNK(info.st_mode):
                out[str(path.relative_to(root))] = stat.S_IMODE(info.st_mode)
    return out


@pytest.fixture
def open_umask():
    """The usual desktop umask (022), as dtwin gets it from the session."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_init_plan_apply_leave_only_private_files(tmp_path, open_umask):
    workdir = tmp_path / "terraform"
    (workdir / "items").mkdir(parents=True)
    (workdir / "main.tf").write_text(ROOT)
    (workdir / "items" / "main.tf").write_text(MODULE)
    for path in (workdir, workdir / "items", workdir / "main.tf", workdir / "items/main.tf"):
        os.chmod(path, 0o700 if path.is_dir() else 0o600)
    terraform = Terraform(workdir, settings=TerraformSettings(mirror_dir=None))
    terraform.init()
    plan = terraform.plan(workdir / "tfplan")
    assert plan.has_changes
    terraform.apply(workdir / "tfplan")
    terraform.plan(workdir / "tfplan", destroy=True)
    terraform.apply(workdir / "tfplan")  # a second apply: terraform.tfstate.backup appears
    found = modes(workdir)
    for name in ("terraform.tfstate", "terraform.tfstate.backup", "tfplan", ".terraform"):
        assert name in found, name
    assert {name: oct(mode) for name, mode in found.items() if mode & 0o077} == {}


def test_older_workspaces_are_tightened_once_opened(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    workspace = DeploymentWorkspace(project, "sandbox")
    terraform_dir = workspace.terraform_dir
    (terraform_dir / ".terraform" / "providers").mkdir(parents=True)
    os.chmod(terraform_dir / ".terraform", 0o755)
    plugin = terraform_dir / ".terraform" / "providers" / "terraform-provider-aws"
    plugin.write_text("binary")
    os.chmod(plugin, 0o755)
    state = terraform_dir / "terraform.tfstate"
    state.write_text("{}")
    os.chmod(state, 0o644)
    elsewhere = tmp_path / "shared-cache"
    elsewhere.write_text("not ours")
    os.chmod(elsewhere, 0o644)
    (terraform_dir / ".terraform" / "cache-link").symlink_to(elsewhere)

    assert tighten(terraform_dir) == 4  # .terraform, providers, the plugin, the state
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    assert stat.S_IMODE((terraform_dir / ".terraform").stat().st_mode) == 0o700
    assert stat.S_IMODE(plugin.stat().st_mode) == 0o700  # still executable by the owner
    assert stat.S_IMODE(elsewhere.stat().st_mode) == 0o644  # a symlink's target is not ours

    os.chmod(state, 0o644)  # a workspace opened by a new process is tightened on access
    from dtwin_gui.iac import perms

    perms._tightened.clear()
    assert DeploymentWorkspace(project, "sandbox").terraform_dir == terraform_dir
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
