"""Terraform settings and the CLI config: mirror discovery, file contents, real init."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from dtwin_gui.core.run_events import LogEvent
from dtwin_gui.iac.cli_config import (
    TerraformSettings,
    cli_config_text,
    find_mirror,
    mirrored_providers,
    write_cli_config,
)
from dtwin_gui.iac.runner import Terraform

needs_terraform = pytest.mark.skipif(
    shutil.which("terraform") is None, reason="terraform is not installed"
)


def fake_mirror(root: Path, *providers: str) -> Path:
    (root / "registry.terraform.io").mkdir(parents=True, exist_ok=True)
    for provider in providers:
        (root / "registry.terraform.io" / provider / "1.0.0" / "linux_amd64").mkdir(parents=True)
    return root


def test_find_mirror_needs_a_registry_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DTWIN_TF_MIRROR", raising=False)
    plain, mirror = tmp_path / "plain", fake_mirror(tmp_path / "mirror")
    plain.mkdir()
    assert find_mirror((plain, mirror)) == mirror
    assert find_mirror((plain,)) is None
    monkeypatch.setenv("DTWIN_TF_MIRROR", str(mirror))
    assert find_mirror() == mirror


def test_settings_default_to_the_detected_mirror(monkeypatch, tmp_path):
    mirror = fake_mirror(tmp_path / "m")
    monkeypatch.setenv("DTWIN_TF_MIRROR", str(mirror))
    settings = TerraformSettings()
    assert settings.mirror_dir == mirror
    assert settings.binary == "terraform" and settings.plugin_cache_dir is None
    assert settings.grace_period == 30.0 and settings.lock_timeout == "0s"


def test_config_routes_mirrored_providers_to_the_mirror_only(tmp_path):
    mirror = fake_mirror(tmp_path / "mirror", "hashicorp/aws", "hashicorp/random")
    assert mirrored_providers(mirror) == [
        "registry.terraform.io/hashicorp/aws",
        "registry.terraform.io/hashicorp/random",
    ]
    cache = tmp_path / "cache"
    path = tmp_path / "cfg" / "cli.tfrc"
    env = write_cli_config(TerraformSettings(mirror_dir=mirror, plugin_cache_dir=cache), path)
    assert env == {
        "TF_CLI_CONFIG_FILE": str(path),
        "TF_PLUGIN_CACHE_DIR": str(cache),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
    }
    assert cache.is_dir()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    patterns = '["registry.terraform.io/hashicorp/aws", "registry.terraform.io/hashicorp/random"]'
    assert f"include = {patterns}" in text and f"exclude = {patterns}" in text
    assert f'path    = "{mirror}"' in text
    assert f'plugin_cache_dir = "{cache}"' in text


def test_empty_mirror_claims_all_hashicorp_providers(tmp_path):
    text = cli_config_text(TerraformSettings(mirror_dir=fake_mirror(tmp_path)))
    assert 'include = ["registry.terraform.io/hashicorp/*"]' in text


def test_no_mirror_no_cache_means_default_installation(tmp_path):
    env = write_cli_config(TerraformSettings(mirror_dir=None), tmp_path / "cli.tfrc")
    assert (tmp_path / "cli.tfrc").read_text().strip() == ""
    assert "TF_PLUGIN_CACHE_DIR" not in env


@needs_terraform
def test_terraform_accepts_the_config_even_for_awkward_paths(tmp_path):
    """Quotes, backslashes and "${" in paths must survive as HCL strings."""
    awkward = tmp_path / 'we"ird ${dir} \\ name'
    mirror = fake_mirror(awkward / "mirror", "hashicorp/aws")
    settings = TerraformSettings(mirror_dir=mirror, plugin_cache_dir=awkward / "cache")
    workdir = tmp_path / "root"
    workdir.mkdir()
    (workdir / "main.tf").write_text('resource "terraform_data" "x" {}\n')
    events = []
    Terraform(workdir, settings=settings, sink=events.append).init()
    warnings = [e for e in events if isinstance(e, LogEvent) and e.level != "debug"]
    assert not [e for e in warnings if "CLI configuration" in e.message]
    assert not [e for e in warnings if e.level in ("warning", "error")]


@pytest.mark.slow
@needs_terraform
def test_real_aws_provider_installs_offline_from_the_mirror(tmp_path):
    """CI must have the provider mirror: deploys cannot work without it (no internet)."""
    mirror = find_mirror()
    assert mirror is not None, "no provider mirror found: set DTWIN_TF_MIRROR"
    assert "registry.terraform.io/hashicorp/aws" in mirrored_providers(mirror)
    workdir = tmp_path / "root"
    workdir.mkdir()
    (workdir / "main.tf").write_text(
        'terraform {\n  required_providers {\n    aws = {\n      source = "hashicorp/aws"\n'
        "    }\n  }\n}\n"
    )
    settings = TerraformSettings(mirror_dir=mirror, plugin_cache_dir=tmp_path / "cache")
    tf = Terraform(workdir, settings=settings)
    tf.init()
    lock = (workdir / ".terraform.lock.hcl").read_text()
    assert 'provider "registry.terraform.io/hashicorp/aws"' in lock
    assert "hashicorp/aws" in " ".join(tf.version()["provider_selections"])
    assert any((tmp_path / "cache" / "registry.terraform.io" / "hashicorp" / "aws").iterdir())
