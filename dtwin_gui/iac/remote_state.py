"""The workspace's copy of a remote Terraform state, and which backend a root was set up with.

With a remote backend (S3, azurerm, GCS) the state lives in the bucket; the workspace keeps
only a *cache* of it, ``.terraform/dtwin-remote.tfstate`` (0600), written after every command
that may change the state (init, apply, destroy, import) from ``terraform state pull``. The
status browser, adoption and the fingerprint read it through
:func:`dtwin_gui.iac.state.state_path` exactly as they read a local state, without a
Terraform process. Terraform itself never reads the cache.

:func:`initialised_backend` reads ``.terraform/terraform.tfstate`` (Terraform's record of the
backend ``init`` set up; it holds no resources for a remote backend).
"""

from __future__ import annotations

import json
from pathlib import Path

from dtwin_gui.core.fsutil import atomic_write_json

CACHE_NAME = "dtwin-remote.tfstate"


def initialised_backend(workdir: Path) -> tuple[str, dict]:
    """``(type, config)`` of the backend ``terraform init`` last set up in ``workdir``
    (``("local", {})`` when none, or never initialised)."""
    try:
        data = json.loads((Path(workdir) / ".terraform" / "terraform.tfstate").read_text())
    except (OSError, ValueError):
        return "local", {}
    backend = data.get("backend") if isinstance(data, dict) else None
    if not isinstance(backend, dict) or not backend.get("type"):
        return "local", {}
    return str(backend["type"]), dict(backend.get("config") or {})


def is_remote(workdir: Path) -> bool:
    return initialised_backend(workdir)[0] != "local"


def cache_path(workdir: Path) -> Path:
    """Where the workspace caches the remote state (inside Terraform's ``.terraform/``)."""
    return Path(workdir) / ".terraform" / CACHE_NAME


def write_cache(workdir: Path, document: dict) -> Path:
    """Save ``document`` (``terraform state pull``) as the cache, owner-only."""
    path = cache_path(workdir)
    atomic_write_json(path, document or {}, mode=0o600)
    return path


def drop_cache(workdir: Path) -> None:
    cache_path(workdir).unlink(missing_ok=True)


def empty_local_state(workdir: Path) -> bool:
    """True when ``terraform.tfstate`` is absent, empty or lists no resource (what a
    migration to a remote backend leaves behind)."""
    path = Path(workdir) / "terraform.tfstate"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return True
    if not text.strip():
        return True
    try:
        return not (json.loads(text).get("resources") or [])
    except (ValueError, AttributeError):
        return False
