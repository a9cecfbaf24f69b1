"""The deployment workspace of one project and target (DESIGN.md §4).

``<workspace>/targets/<target>/`` holds the generated Terraform root and its state, the event
log of every run, outputs, device certificates, the record of SDK-created objects and the
fingerprint of the last successful deploy.
Folders are 0700 and files 0600 (Terraform's own files too: its child runs with umask 077);
nothing here ever goes into the project folder. With a remote backend the records that are
state (:data:`~dtwin_gui.deploy.state_store.SHARED_RECORDS`) also go to ``store``: the
workspace's files are then caches (:mod:`dtwin_gui.deploy.state_store`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dtwin_gui.build.cache import ensure_private_dir
from dtwin_gui.build.workspace import workspace_dir
from dtwin_gui.core.fsutil import atomic_write_json
from dtwin_gui.iac.perms import tighten

TARGETS = ("sandbox", "aws")


@dataclass(frozen=True)
class DeploymentWorkspace:
    project_root: Path
    target: str
    #: Where the shared records also live (None: only here; see :mod:`.state_store`).
    store: Any = field(default=None, compare=False, repr=False)

    @property
    def root(self) -> Path:
        return ensure_private_dir(workspace_dir(self.project_root) / "targets" / self.target)

    @property
    def build_dir(self) -> Path:
        return ensure_private_dir(workspace_dir(self.project_root) / "build")

    @property
    def terraform_dir(self) -> Path:
        """The Terraform root; what an older version left readable by others (state, plans,
        ``.terraform/``) is made owner-only once per process (see :mod:`dtwin_gui.iac.perms`)."""
        path = ensure_private_dir(self.root / "terraform")
        tighten(path, once=True)
        return path

    @property
    def runs_dir(self) -> Path:
        return ensure_private_dir(self.root / "runs")

    @property
    def devices_dir(self) -> Path:
        return ensure_private_dir(self.root / "devices")

    @property
    def outputs_file(self) -> Path:
        return self.root / "outputs.json"

    @property
    def sdk_state_file(self) -> Path:
        return self.root / "sdk_state.json"

    @property
    def fingerprint_file(self) -> Path:
        """The last successful deploy's fingerprint (:mod:`dtwin_gui.deploy.fingerprint`)."""
        return self.root / "fingerprint.json"

    def read_json(self, path: Path, default):
        try:
            return json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return default

    def write_json(self, path: Path, data) -> None:
        atomic_write_json(path, data, mode=0o600)
        if self._shared(path):
            self.store.write(Path(path).name, data)

    def remove_json(self, path: Path) -> None:
        """Remove a record file (and, for a shared record, its remote copy)."""
        Path(path).unlink(missing_ok=True)
        if self._shared(path):
            self.store.delete(Path(path).name)

    def _shared(self, path: Path) -> bool:
        from dtwin_gui.deploy.state_store import SHARED_RECORDS

        path = Path(path)
        return self.store is not None and path.name in SHARED_RECORDS and path.parent == self.root

    def run_logs(self) -> list[Path]:
        """Event logs of past runs, oldest first."""
        return sorted(self.runs_dir.glob("*.jsonl"))
