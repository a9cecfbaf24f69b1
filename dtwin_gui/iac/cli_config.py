"""Terraform settings and the CLI configuration file every Terraform run uses.

Offline machines get providers from a *filesystem mirror* (a folder laid out as
``<hostname>/<namespace>/<type>/<version>/<os_arch>/``); the mirror location, the plugin cache
and the grace period for a cancel are user settings. :func:`write_cli_config` turns them into
a CLI config file plus the environment variables that point Terraform at it. Nothing secret
goes into that file: credentials travel only in the child process environment.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

#: Where a provider mirror is looked for when the settings do not name one.
MIRROR_CANDIDATES: tuple[Path, ...] = (
    Path("/opt/tf-plugins"),
    Path.home() / ".terraform.d" / "plugins",
    Path("/usr/local/share/terraform/plugins"),
    Path("/usr/share/terraform/plugins"),
)
REGISTRY = "registry.terraform.io"
#: Environment variable naming a mirror, checked before :data:`MIRROR_CANDIDATES`.
MIRROR_ENV = "DTWIN_TF_MIRROR"


def find_mirror(candidates: tuple[Path, ...] | None = None) -> Path | None:
    """The first folder that holds a provider mirror (has ``registry.terraform.io/``), or None.

    ``$DTWIN_TF_MIRROR`` is tried first, then :data:`MIRROR_CANDIDATES`.
    """
    if candidates is None:
        named = os.environ.get(MIRROR_ENV)
        candidates = ((Path(named),) if named else ()) + MIRROR_CANDIDATES
    for candidate in candidates:
        if (candidate / REGISTRY).is_dir():
            return candidate
    return None


def mirrored_providers(mirror_dir: Path) -> list[str]:
    """Provider addresses (``registry.terraform.io/hashicorp/aws``) present in a mirror."""
    found = []
    for host in sorted(p for p in mirror_dir.iterdir() if p.is_dir()):
        for namespace in sorted(p for p in host.iterdir() if p.is_dir()):
            for provider in sorted(p for p in namespace.iterdir() if p.is_dir()):
                found.append(f"{host.name}/{namespace.name}/{provider.name}")
    return found


@dataclass(frozen=True)
class TerraformSettings:
    """How Terraform is run. All fields are user settings (Settings dialog / CLI flags)."""

    binary: str = "terraform"
    #: Filesystem mirror of providers; auto-detected (see :func:`find_mirror`).
    mirror_dir: Path | None = field(default_factory=find_mirror)
    #: Shared plugin cache, so several workspaces do not each unpack the providers.
    plugin_cache_dir: Path | None = None
    #: Seconds between SIGINT and SIGKILL on cancel; Terraform needs them to save state.
    grace_period: float = 30.0
    #: ``-lock-timeout`` for commands that lock the state; "0s" reports a held lock at once.
    lock_timeout: str = "0s"


def _hcl_string(value: str) -> str:
    # JSON string escapes are valid HCL; "${" / "%{" would start a template, so double them.
    return json.dumps(value).replace("${", "$${").replace("%{", "%%{")


def cli_config_text(settings: TerraformSettings) -> str:
    """The CLI configuration (HCL) for ``settings``.

    Providers present in the mirror are installed only from it (so no registry is ever
    contacted for them); every other provider is installed directly from its registry.
    """
    lines = []
    if settings.plugin_cache_dir is not None:
        lines.append(f"plugin_cache_dir = {_hcl_string(str(settings.plugin_cache_dir))}")
    if settings.mirror_dir is not None:
        providers = mirrored_providers(settings.mirror_dir) or [f"{REGISTRY}/hashicorp/*"]
        patterns = ", ".join(_hcl_string(p) for p in providers)
        lines += [
            "provider_installation {",
            "  filesystem_mirror {",
            f"    path    = {_hcl_string(str(settings.mirror_dir))}",
            f"    include = [{patterns}]",
            "  }",
            "  direct {",
            f"    exclude = [{patterns}]",
            "  }",
            "}",
        ]
    return "\n".join(lines) + "\n"


def write_cli_config(settings: TerraformSettings, path: Path) -> dict[str, str]:
    """Write the CLI config to ``path`` and return the environment variables that use it.

    The returned variables also disable prompts and the version check, and tell Terraform it
    runs under automation (shorter messages, no "run terraform apply" advice).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(cli_config_text(settings), encoding="utf-8")
    path.chmod(0o600)
    env = {
        "TF_CLI_CONFIG_FILE": str(path),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
    }
    if settings.plugin_cache_dir is not None:
        Path(settings.plugin_cache_dir).mkdir(parents=True, exist_ok=True)
        env["TF_PLUGIN_CACHE_DIR"] = str(settings.plugin_cache_dir)
    return env
