"""Build function packages into a folder, rebuilding only what changed.

Each package is keyed by an *input hash*: SHA-256 over the builder version and every entry's
archive path and content. ``<cloud>/<deployed-name>.zip`` is rebuilt only when its manifest
records a different input hash (or the zip is missing or does not match its recorded
SHA-256). Packages live in one sub-folder per cloud because a deployed name is unique only
per cloud (a hot-reader proxy can exist on two clouds under the same name).

Beside each zip, ``<deployed-name>.manifest.json`` lists the files, the hashes, the handler
and the function's environment contract — what Terraform generation and the deploy step
read. Every write is atomic (temporary file + rename); folders we create are 0700, files
0600 (the deployment workspace rule of DESIGN.md §4). Packages of functions that are no
longer in the topology are removed and reported.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dtwin_gui.build import zipper
from dtwin_gui.build.packages import BuildError, PackageSpec, plan_packages, wanted_cloud
from dtwin_gui.core.providers import CLOUDS, Cloud
from dtwin_gui.runtime.core.contracts import contract_for

#: Part of every input hash; bump it whenever the builder would produce different bytes.
BUILDER_VERSION = f"dtwin-build/1 {zipper.FORMAT_ID}"
ZIP_SUFFIX = ".zip"
MANIFEST_SUFFIX = ".manifest.json"
DIR_MODE = 0o700
FILE_MODE = 0o600


@dataclass(frozen=True)
class BuildResult:
    """One built (or reused) package."""

    #: Deployed function name (``<twin>-<topology name>``).
    name: str
    #: Topology name (``processor-<device>``, ``persister``, ...).
    function: str
    role: str
    cloud: str
    handler: str
    path: Path
    manifest: Path
    sha256: str
    size: int
    input_hash: str
    rebuilt: bool

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "role": self.role,
            "cloud": self.cloud,
            "sha256": self.sha256,
            "size": self.size,
            "rebuilt": self.rebuilt,
            "path": str(self.path),
        }


@dataclass(frozen=True)
class StalePackage:
    """A package of a function that is no longer in the topology, removed from the folder."""

    name: str
    cloud: str
    paths: tuple[Path, ...]


class BuildOutcome(list[BuildResult]):
    """The results, in topology order; ``removed`` lists the stale packages deleted."""

    def __init__(self, results=(), removed=()):
        super().__init__(results)
        self.removed: list[StalePackage] = list(removed)


BuildEvent = BuildResult | StalePackage


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def input_hash(spec: PackageSpec, contents: dict[str, bytes]) -> str:
    """SHA-256 over the builder version, the handler and every (archive path, content)."""
    digest = hashlib.sha256()
    digest.update(f"{BUILDER_VERSION}\0{spec.handler}\0".encode())
    for arcname in sorted(contents):
        data = contents[arcname]
        digest.update(f"{arcname}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def manifest_for(
    spec: PackageSpec, contents: dict[str, bytes], ihash: str, zip_data: bytes
) -> dict:
    """The manifest of one package (no timestamps: identical inputs, identical manifest)."""
    f = spec.function
    if spec.members:
        return _app_manifest(spec, contents, ihash, zip_data)
    contract = contract_for(spec.role)
    return {
        "builder": BUILDER_VERSION,
        "name": spec.deployed_name,
        "function": f.name,
        "role": spec.role,
        "cloud": str(spec.cloud),
        "slot": str(f.slot),
        "device_id": f.device_id,
        "action": f.action,
        "glue": f.glue,
        "handler": spec.handler,
        "input_hash": ihash,
        "sha256": _sha256(zip_data),
        "size": len(zip_data),
        "files": [
            {"path": arc, "sha256": _sha256(data), "size": len(data)}
            for arc, data in sorted(contents.items())
        ],
        "env": contract.to_json(),
        "one_of": [list(group) for group in contract.one_of],
    }


def _app_manifest(spec: PackageSpec, contents: dict[str, bytes], ihash: str, zip_data: bytes):
    """The manifest of a package of several functions: theirs, and the union of their env."""
    first = manifest_for(spec.members[0], contents, ihash, zip_data)
    env: dict[str, dict] = {}
    for member in spec.members:
        for var in contract_for(member.role).to_json():
            known = env.setdefault(var["name"], var)
            known["required"] = known["required"] or var["required"]  # any function needs it
    return {
        **first,
        "name": spec.deployed_name,
        "role": spec.role,
        "handler": spec.handler,
        "functions": [
            {"name": m.deployed_name, "function": m.function.name, "role": m.role}
            for m in spec.members
        ],
        "env": [env[name] for name in sorted(env)],
        "one_of": sorted({tuple(g) for m in spec.members for g in contract_for(m.role).one_of}),
    }


def _dumps(manifest: dict) -> bytes:
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) as 0700; existing folders are left as they are."""
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
        os.chmod(folder, DIR_MODE)
    return path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (mode 0600) via a temporary file and a rename."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_manifest(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("builder") == BUILDER_VERSION else None


def _reusable(zip_path: Path, manifest: dict | None, ihash: str) -> bytes | None:
    """The existing zip's bytes when it was built from the same inputs and is intact."""
    if manifest is None or manifest.get("input_hash") != ihash:
        return None
    try:
        data = zip_path.read_bytes()
    except OSError:
        return None
    return data if _sha256(data) == manifest.get("sha256") else None


@dataclass
class _Reader:
    """Reads each source file once per build (runtime files are shared by every package)."""

    cache: dict[Path, bytes] = field(default_factory=dict)

    def contents(self, spec: PackageSpec) -> dict[str, bytes]:
        out = {}
        for entry in spec.entries:
            if isinstance(entry.source, bytes):
                out[entry.arcname] = entry.source
                continue
            if entry.source not in self.cache:
                try:
                    self.cache[entry.source] = entry.read()
                except OSError as exc:
                    raise BuildError(f"cannot read {entry.source}: {exc.strerror}") from None
            out[entry.arcname] = self.cache[entry.source]
        return out


def build_one(spec: PackageSpec, folder: Path, reader: _Reader | None = None) -> BuildResult:
    """Build ``spec`` into ``folder`` (which must exist) unless an identical build is there."""
    contents = (reader or _Reader()).contents(spec)
    ihash = input_hash(spec, contents)
    zip_path = folder / f"{spec.deployed_name}{ZIP_SUFFIX}"
    manifest_path = folder / f"{spec.deployed_name}{MANIFEST_SUFFIX}"
    old_manifest = _read_manifest(manifest_path)
    data = _reusable(zip_path, old_manifest, ihash)
    rebuilt = data is None
    if rebuilt:
        try:
            data = zipper.zip_bytes(contents.items())
        except ValueError as exc:
            raise BuildError(f"{spec.deployed_name}: {exc}") from None
        atomic_write_bytes(zip_path, data)
    manifest = manifest_for(spec, contents, ihash, data)
    if rebuilt or manifest != old_manifest:
        atomic_write_bytes(manifest_path, _dumps(manifest))
    return BuildResult(
        name=spec.deployed_name,
        function=spec.function.name,
        role=spec.role,
        cloud=str(spec.cloud),
        handler=spec.handler,
        path=zip_path,
        manifest=manifest_path,
        sha256=manifest["sha256"],
        size=manifest["size"],
        input_hash=ihash,
        rebuilt=rebuilt,
    )


def _remove_stale(out_dir: Path, clouds: list[Cloud], keep: set[Path]) -> list[StalePackage]:
    """Delete packages we built earlier (they have our manifest) that are not in ``keep``."""
    removed = []
    for cloud in clouds:
        folder = out_dir / str(cloud)
        if not folder.is_dir():
            continue
        for manifest_path in sorted(folder.glob(f"*{MANIFEST_SUFFIX}")):
            if manifest_path in keep or _read_manifest(manifest_path) is None:
                continue
            name = manifest_path.name[: -len(MANIFEST_SUFFIX)]
            zip_path = folder / f"{name}{ZIP_SUFFIX}"
            paths = tuple(p for p in (zip_path, manifest_path) if p.exists())
            for path in paths:
                path.unlink()
            removed.append(StalePackage(name, str(cloud), paths))
    return removed


def build_packages(
    project_root: Path,
    out_dir: Path,
    *,
    cloud: Cloud | str | None = None,
    on_event: Callable[[BuildEvent], None] | None = None,
) -> BuildOutcome:
    """Build every package of the project into ``out_dir/<cloud>/``; reuse unchanged ones.

    With ``cloud``, only that cloud's packages are built (and only its stale ones removed).
    ``on_event`` receives each :class:`BuildResult` and :class:`StalePackage` as it happens.
    Raises :class:`BuildError` when the project cannot be packaged.
    """
    specs = plan_packages(project_root, cloud=cloud)
    out_dir = ensure_private_dir(Path(out_dir))
    reader = _Reader()
    results = []
    for spec in specs:
        folder = ensure_private_dir(out_dir / str(spec.cloud))
        result = build_one(spec, folder, reader)
        results.append(result)
        if on_event:
            on_event(result)
    wanted = wanted_cloud(cloud)
    clouds = list(CLOUDS) if wanted is None else [wanted]
    removed = _remove_stale(out_dir, clouds, {r.manifest for r in results})
    if on_event:
        for stale in removed:
            on_event(stale)
    return BuildOutcome(results, removed)
