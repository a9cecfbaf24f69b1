"""What a deploy depends on, as one comparable fingerprint (no Terraform process needed).

A :class:`Fingerprint` holds one SHA-256 per input: the project folder, the generated root,
the module sources, the function packages, the root variables, the Terraform binary and
providers (lock file, mirror), the target (its name and, per connected cloud, what that
cloud's plugin says identifies the live target: region, endpoint, instance...), dtwin's
version, and the Terraform state (serial + lineage).

Two uses:

* **No-change redeploy** — after a successful deploy its fingerprint is stored in the
  deployment workspace (:func:`store_deployed`); when the next deploy computes the same one,
  Terraform is not run at all ("nothing changed since …"). Any destroy, failed or cancelled
  run, or full deploy clears it first (:func:`clear_deployed`).
* **Reviewed plan** — ``plan_only`` returns a :class:`PlanTicket` (fingerprint + plan file +
  summary); ``deploy(reviewed=ticket)`` applies exactly that plan file while the fingerprint
  still matches, and otherwise says why a new plan is needed (:func:`why_stale`).

For the sandbox, the target part includes what identifies the running instance (for AWS its
gateway's pid and start time when it answers, and when the function bucket was made:
:mod:`dtwin_gui.clouds.aws.identity`), so a restarted, empty sandbox never matches a
deployment made on an earlier one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

#: Parts that belong to the project's side; the others name themselves in reasons.
PROJECT_PARTS = ("project", "root", "modules", "packages", "variables", "providers", "dtwin")
STATE_PART = "state"
TARGET_PART = "target"
#: Folders and files of a project folder that never change what is deployed.
#: Not what is deployed: caches, and the cost estimate's usage numbers (config_usage.json).
_IGNORED_NAMES = frozenset(
    {".git", "__pycache__", ".DS_Store", ".mypy_cache", ".pytest_cache", "config_usage.json"}
)


def _sha(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def _json_sha(value: object) -> str:
    return _sha(json.dumps(value, sort_keys=True, default=str))


def hash_tree(root: Path, *, ignore: frozenset[str] = _IGNORED_NAMES) -> str:
    """SHA-256 over every file's relative path and content under ``root`` (sorted walk)."""
    digest = hashlib.sha256()
    root = Path(root)
    if not root.is_dir():
        return _sha("missing:" + str(root))
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in ignore)
        for name in sorted(files):
            if name in ignore or name.endswith((".pyc", ".swp", "~")):
                continue
            path = Path(folder) / name
            rel = path.relative_to(root).as_posix()
            try:
                content = path.read_bytes()
            except OSError:
                content = b"<unreadable>"
            digest.update(rel.encode("utf-8") + b"\0" + _sha(content).encode() + b"\n")
    return digest.hexdigest()


def _file_sha(path: Path) -> str:
    try:
        return _sha(Path(path).read_bytes())
    except OSError:
        return "missing"


# --- the parts -----------------------------------------------------------------------------------
def root_part(terraform_dir: Path) -> str:
    """The generated root: every ``*.tf`` / ``*.tf.json`` file of the Terraform folder."""
    terraform_dir = Path(terraform_dir)
    files = sorted(
        p for p in terraform_dir.glob("*") if p.is_file() and p.name.endswith((".tf", ".tf.json"))
    )
    return _json_sha({p.name: _file_sha(p) for p in files})


def packages_part(builds: Iterable) -> str:
    """The function packages by deployed name and content hash."""
    return _json_sha(sorted((b.name, b.cloud, b.sha256) for b in builds))


def variables_part(env: Mapping[str, str]) -> str:
    """The root variables Terraform reads from ``TF_VAR_*`` (values hashed, never stored)."""
    return _json_sha({k: _sha(v) for k, v in sorted(env.items()) if k.startswith("TF_VAR_")})


def _binary_identity(binary: str) -> dict:
    found = shutil.which(binary) or binary
    try:
        stat = Path(found).stat()
        return {"path": str(Path(found).resolve()), "size": stat.st_size, "mtime": stat.st_mtime}
    except OSError:
        return {"path": found, "missing": True}


def _mirror_listing(mirror: Path | None) -> list:
    if mirror is None or not Path(mirror).is_dir():
        return []
    listing = []
    for folder, dirs, files in os.walk(mirror):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            try:
                stat = path.stat()
            except OSError:
                continue
            listing.append((path.relative_to(mirror).as_posix(), stat.st_size, stat.st_mtime))
    return listing


def providers_part(terraform_dir: Path, settings) -> str:
    """Terraform itself and its providers: lock file, binary, mirror, whether init ran."""
    terraform_dir = Path(terraform_dir)
    return _json_sha(
        {
            "lock": _file_sha(terraform_dir / ".terraform.lock.hcl"),
            "initialised": (terraform_dir / ".terraform").is_dir(),
            "binary": _binary_identity(str(getattr(settings, "binary", "terraform"))),
            "mirror": str(getattr(settings, "mirror_dir", None)),
            "mirror_files": _mirror_listing(getattr(settings, "mirror_dir", None)),
        }
    )


def state_part(terraform_dir: Path) -> str:
    """The Terraform state's serial and lineage (a changed state never matches)."""
    from dtwin_gui.iac.state import state_path

    path = state_path(Path(terraform_dir))
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return _json_sha({"state": "none"})
    try:
        document = json.loads(text) if text.strip() else {}
    except ValueError:
        return _json_sha({"state": "unreadable", "sha": _sha(text)})
    return _json_sha({"serial": document.get("serial"), "lineage": document.get("lineage")})


def target_part(connections, outputs: Mapping | None = None) -> str:
    """The target: its name and, per connected cloud, what its plugin's ``identity`` part
    says identifies it (AWS: region, endpoint kind and endpoint, profile, the function
    bucket, the sandbox instance; see the module docstring). ``connections`` may be a single
    connection (a one-cloud deployment)."""
    from dtwin_gui.deploy.cloud_parts import target_identity

    return _json_sha(target_identity(connections, outputs))


def dtwin_part() -> str:
    from dtwin_gui import __version__
    from dtwin_gui.build import BUILDER_VERSION

    return _json_sha({"dtwin": __version__, "builder": BUILDER_VERSION})


# --- the fingerprint -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Fingerprint:
    """One SHA-256 per input (see :data:`PROJECT_PARTS`, ``target`` and ``state``)."""

    parts: Mapping[str, str]

    @property
    def digest(self) -> str:
        return _json_sha(dict(self.parts))

    def changed(self, other: Fingerprint | None) -> list[str]:
        """The parts that differ from ``other`` (all of them when there is none)."""
        if other is None:
            return sorted(self.parts)
        names = set(self.parts) | set(other.parts)
        return sorted(n for n in names if self.parts.get(n) != other.parts.get(n))

    def to_json(self) -> dict:
        return dict(sorted(self.parts.items()))

    @classmethod
    def from_json(cls, data: object) -> Fingerprint | None:
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            return None
        return cls(dict(data))


def compute(
    *,
    project_root: Path,
    terraform_dir: Path,
    modules_dir: Path,
    builds: Iterable,
    env: Mapping[str, str],
    settings,
    target,
    outputs: Mapping | None = None,
) -> Fingerprint:
    """The fingerprint of a deploy whose root has been generated into ``terraform_dir``;
    ``target``: the deployment's Connections (or its one connection)."""
    return Fingerprint(
        {
            "project": hash_tree(project_root),
            "root": root_part(terraform_dir),
            "modules": hash_tree(modules_dir),
            "packages": packages_part(builds),
            "variables": variables_part(env),
            "providers": providers_part(terraform_dir, settings),
            "dtwin": dtwin_part(),
            TARGET_PART: target_part(target, outputs),
            STATE_PART: state_part(terraform_dir),
        }
    )


def why_stale(changed: list[str], *, since: str = "the review") -> str:
    """Why a fingerprint taken at ``since`` no longer holds, in words."""
    reasons = []
    project = [p for p in changed if p in PROJECT_PARTS]
    if project:
        reasons.append(f"the project changed since {since} ({', '.join(project)})")
    if TARGET_PART in changed:
        reasons.append(f"the target changed since {since}")
    if STATE_PART in changed:
        reasons.append(f"the state changed since {since}")
    others = [p for p in changed if p not in (*PROJECT_PARTS, TARGET_PART, STATE_PART)]
    if others:
        reasons.append(f"{', '.join(others)} changed since {since}")
    return "; ".join(reasons) or f"nothing changed since {since}"


# --- the last successful deploy ------------------------------------------------------------------
@dataclass(frozen=True)
class DeployedRecord:
    """The fingerprint of the last successful deploy, and when it finished."""

    fingerprint: Fingerprint
    deployed_at: str  # ISO-8601 UTC
    run_id: str = ""

    @property
    def when(self) -> str:
        """``deployed_at`` in the local time zone, for messages."""
        return local_time(self.deployed_at)


def local_time(iso: str) -> str:
    """An ISO-8601 UTC time as local time for messages (``2026-12-01 22:50:12``)."""
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def load_deployed(workspace) -> DeployedRecord | None:
    data = workspace.read_json(workspace.fingerprint_file, None)
    if not isinstance(data, dict):
        return None
    fingerprint = Fingerprint.from_json(data.get("fingerprint"))
    if fingerprint is None or not isinstance(data.get("deployed_at"), str):
        return None
    return DeployedRecord(fingerprint, data["deployed_at"], str(data.get("run_id", "")))


def store_deployed(workspace, fingerprint: Fingerprint, run_id: str = "") -> DeployedRecord:
    record = DeployedRecord(fingerprint, now_iso(), run_id)
    workspace.write_json(
        workspace.fingerprint_file,
        {
            "fingerprint": fingerprint.to_json(),
            "deployed_at": record.deployed_at,
            "run_id": run_id,
        },
    )
    return record


def clear_deployed(workspace) -> None:
    """Forget the last deploy's fingerprint: the next deploy runs Terraform in full."""
    workspace.remove_json(workspace.fingerprint_file)


# --- a reviewed plan -----------------------------------------------------------------------------
@dataclass(frozen=True)
class PlanTicket:
    """A plan as the user reviewed it: hand it to ``Deployment.deploy(reviewed=...)``."""

    fingerprint: Fingerprint
    plan_file: Path
    plan_sha256: str
    plan: object  # the PlanSummary shown for review
    made_at: str
    target: str

    @property
    def when(self) -> str:
        """When the plan was made, in local time."""
        return local_time(self.made_at)

    def plan_file_intact(self) -> bool:
        return _file_sha(self.plan_file) == self.plan_sha256


def make_ticket(fingerprint: Fingerprint, plan, plan_file: Path, target: str) -> PlanTicket:
    return PlanTicket(fingerprint, Path(plan_file), _file_sha(plan_file), plan, now_iso(), target)
