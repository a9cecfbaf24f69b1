"""What goes into each function package — decided here and nowhere else.

One package per function of the project's topology (:func:`topology_for_project`). Each holds:

- the shared engine pieces the runtime may import: ``dtwin_gui/__init__.py``,
  ``dtwin_gui/core/__init__.py``, ``dtwin_gui/core/event_grammar.py``;
- every ``.py`` under ``dtwin_gui/runtime/`` except the adapter folders of *other* clouds
  (a folder named after a cloud is that cloud's adapter; any other folder is shared);
- ``dtwin_function.json``: the project facts the function needs (:class:`FunctionConfig`);
- the user's code under ``user/``: ``user/process.py`` (processor), ``user/action.py``
  (event action) or ``user/feedback.py`` (event feedback), plus every sibling file of that
  folder, sub-folders included.

Never a third-party package: the clouds' runtimes provide their SDKs (boto3 on Lambda), and
the runtime core uses the standard library only.

Which project facts a role gets baked in (so an unrelated edit does not redeploy it):

======================  ==========================================================
every role              role, twin_name, cloud, name, features
processor               its own device (``devices`` holds that one device), device_id
dispatcher, ingestion   all devices, ``routes`` {device id: deployed processor name}
persister, hot-reader,  all devices
adt-updater
event-checker           all devices, ``rules`` (config_events.json as written),
                        ``actions`` {action name: deployed action function name}
action                  action
======================  ==========================================================
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dtwin_gui
from dtwin_gui.core import topology as topo
from dtwin_gui.core.project import (
    EVENTS,
    FEEDBACK_FILE,
    Project,
    action_file,
    load_project,
    processor_file,
)
from dtwin_gui.core.providers import CLOUDS, Cloud, parse_cloud
from dtwin_gui.core.topology import FunctionSpec, Topology, TopologyError, topology_for_project
from dtwin_gui.runtime.core.function_config import FILE_NAME as CONFIG_FILE_NAME
from dtwin_gui.runtime.core.function_config import FunctionConfig

#: Engine files every package carries besides ``dtwin_gui/runtime/``.
SHARED_ENGINE_FILES = ("__init__.py", "core/__init__.py", "core/event_grammar.py")
#: Where the user's code lives inside a package.
USER_DIR = "user"
#: Folder names that must never be packaged from user code: the cloud SDKs the runtimes
#: already provide (a vendored copy would shadow the runtime's and bloat the package).
FORBIDDEN_USER_DIRS = frozenset({"boto3", "botocore", "s3transfer"})

_DEVICES_ALL = frozenset(
    {
        topo.DISPATCHER,
        topo.INGESTION,
        topo.PERSISTER,
        topo.EVENT_CHECKER,
        topo.HOT_READER,
        topo.ADT_UPDATER,
    }
)
_ROUTES = frozenset({topo.DISPATCHER, topo.INGESTION})


class BuildError(ValueError):
    """The project cannot be packaged; the message says what and where, and what to do."""


@dataclass(frozen=True)
class Entry:
    """One file of a package: its path inside the archive and where its bytes come from."""

    arcname: str
    source: Path | bytes

    def read(self) -> bytes:
        if isinstance(self.source, bytes):
            return self.source
        return Path(self.source).read_bytes()


@dataclass(frozen=True)
class PackageSpec:
    """Everything needed to build (and describe) one function package."""

    function: FunctionSpec
    deployed_name: str
    cloud: Cloud
    role: str
    #: Dotted path of the entry point, e.g. ``dtwin_gui.runtime.aws.handlers.persister.handler``.
    handler: str
    config: FunctionConfig
    entries: tuple[Entry, ...]
    #: For a package holding several functions (an Azure Function App per layer): the
    #: package of each function it holds; ``function``/``config`` are then the first one's.
    members: tuple[PackageSpec, ...] = ()

    @property
    def name(self) -> str:
        return self.deployed_name


def role_module(role: str) -> str:
    """The handler module of a role: ``hot-to-cold-mover`` → ``hot_to_cold_mover``."""
    return role.replace("-", "_")


def handler_for(cloud: Cloud, role: str) -> str:
    """The dotted entry point of ``role`` on ``cloud``."""
    return f"dtwin_gui.runtime.{cloud}.handlers.{role_module(role)}.handler"


def source_root() -> Path:
    """The folder of the ``dtwin_gui`` package whose sources are packaged."""
    return Path(dtwin_gui.__file__).resolve().parent


def _skip(name: str) -> bool:
    return name.startswith(".") or name == "__pycache__" or name.endswith((".pyc", ".pyo"))


def runtime_entries(cloud: Cloud, root: Path | None = None) -> list[Entry]:
    """The engine and runtime files a package for ``cloud`` carries (sorted by archive path)."""
    root = root or source_root()
    entries = [Entry(f"dtwin_gui/{rel}", root / rel) for rel in SHARED_ENGINE_FILES]
    runtime = root / "runtime"
    other_clouds = {str(c) for c in CLOUDS if c is not cloud}
    for folder, dirs, files in os.walk(runtime):
        here = Path(folder)
        top_level = here == runtime
        dirs[:] = sorted(d for d in dirs if not _skip(d) and not (top_level and d in other_clouds))
        for name in sorted(files):
            if name.endswith(".py") and not _skip(name):
                path = here / name
                entries.append(Entry(f"dtwin_gui/{path.relative_to(root).as_posix()}", path))
    return sorted(entries, key=lambda e: e.arcname)


def _user_files(folder: Path, project_root: Path) -> Iterator[tuple[str, Path]]:
    """``(relative posix path, file)`` for every packageable file under ``folder``.

    Links are followed only when they stay inside the project: a link to a file elsewhere
    (say, a credentials file) must never end up in a cloud function.
    """
    root_real = project_root.resolve()

    def where(path: Path) -> str:
        return path.relative_to(project_root).as_posix()

    def walk(current: Path, prefix: str, ancestors: frozenset[Path]) -> Iterator[tuple[str, Path]]:
        real = current.resolve()
        if real in ancestors:
            raise BuildError(
                f"{where(current)}: the folder links back into itself; remove the link"
            )
        ancestors = ancestors | {real}
        for child in sorted(current.iterdir(), key=lambda p: p.name):
            if _skip(child.name):
                continue
            rel = f"{prefix}{child.name}"
            if child.is_symlink() and not child.resolve().is_relative_to(root_real):
                raise BuildError(
                    f"{where(child)}: links to {child.resolve()}, outside the project; "
                    "copy the file into the project instead of linking to it"
                )
            if child.is_dir():
                if not prefix and child.name in FORBIDDEN_USER_DIRS:
                    raise BuildError(
                        f"{where(child)}: a vendored copy of {child.name} is not packaged; the "
                        "cloud's function runtime already provides it — delete the folder"
                    )
                yield from walk(child, f"{rel}/", ancestors)
            elif child.is_file():
                yield rel, child

    yield from walk(folder, "", frozenset())


def user_entries(project_root: Path, main_file: str, *, required: bool = True) -> list[Entry]:
    """The user's code for one function: ``main_file`` (project-relative) and its siblings."""
    project_root = Path(project_root)
    main = project_root / main_file
    if not main.is_file():
        if not required:
            return []
        raise BuildError(f"{main_file}: the file is missing; create it (run `dtwin validate`)")
    return [
        Entry(f"{USER_DIR}/{rel}", path) for rel, path in _user_files(main.parent, project_root)
    ]


def _device_types(project: Project) -> dict[str, dict[str, str]]:
    return {
        d.id: {p.name: p.data_type for p in (*d.properties, *d.const_properties)}
        for d in project.devices
    }


def _raw_rules(project_root: Path) -> list[dict]:
    """``config_events.json`` exactly as written (the checker parses the conditions)."""
    try:
        data = json.loads((project_root / EVENTS).read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise BuildError(f"{EVENTS}: cannot be read ({exc}); run `dtwin validate`") from None
    return [r for r in data if isinstance(r, dict)] if isinstance(data, list) else []


def function_config(project: Project, topology: Topology, function: FunctionSpec) -> FunctionConfig:
    """The project facts baked into ``function``'s package (see the module table)."""
    role = function.role
    devices = _device_types(project)
    if role == topo.PROCESSOR:
        baked_devices = {function.device_id: devices.get(function.device_id, {})}
    elif role in _DEVICES_ALL:
        baked_devices = devices
    else:
        baked_devices = {}
    routes = {}
    if role in _ROUTES:
        routes = {
            f.device_id: topology.deployed_name(f)
            for f in topology.functions
            if f.role == topo.PROCESSOR and f.device_id
        }
    rules, actions = [], {}
    if role == topo.EVENT_CHECKER:
        rules = _raw_rules(project.root)
        actions = {
            f.action: topology.deployed_name(f)
            for f in topology.functions
            if f.role == topo.EVENT_ACTION and f.action
        }
    return FunctionConfig(
        role=role,
        twin_name=topology.twin_name,
        cloud=str(function.cloud),
        name=function.name,
        device_id=function.device_id,
        action=function.action,
        devices=baked_devices,
        routes=routes,
        rules=rules,
        actions=actions,
        features=dict(sorted(project.features.items())),
    )


def _user_code(project_root: Path, function: FunctionSpec) -> list[Entry]:
    if function.role == topo.PROCESSOR:
        return user_entries(project_root, processor_file(function.device_id))
    if function.role == topo.EVENT_ACTION:
        return user_entries(project_root, action_file(function.action))
    if function.role == topo.EVENT_FEEDBACK:
        return user_entries(project_root, FEEDBACK_FILE, required=False)
    return []


def wanted_cloud(cloud: Cloud | str | None) -> Cloud | None:
    """``cloud`` as a :class:`Cloud` (aliases accepted); None stays None (every cloud)."""
    if cloud is None or isinstance(cloud, Cloud):
        return cloud
    parsed = parse_cloud(cloud)
    if parsed is None:
        raise BuildError(f"unknown cloud {cloud!r}; use one of {', '.join(map(str, CLOUDS))}")
    return parsed


def function_package(
    project: Project,
    topology: Topology,
    function: FunctionSpec,
    shared: list[Entry],
    handler: str,
) -> PackageSpec:
    """The package of one function: ``shared`` runtime files, its config, its user code,
    started through ``handler`` (the cloud's form of entry point)."""
    config = function_config(project, topology, function)
    entries = [
        *shared,
        Entry(CONFIG_FILE_NAME, config.dumps().encode("utf-8")),
        *_user_code(project.root, function),
    ]
    return PackageSpec(
        function=function,
        deployed_name=topology.deployed_name(function),
        cloud=function.cloud,
        role=function.role,
        handler=handler,
        config=config,
        entries=tuple(sorted(entries, key=lambda e: e.arcname)),
    )


def per_function_packages(
    project: Project, topology: Topology, functions: list[FunctionSpec], shared: list[Entry]
) -> list[PackageSpec]:
    """One package per function with the dotted handler of :func:`handler_for`: how a cloud
    without a ``package`` part of its own is packaged (AWS's part is this, for Lambda)."""
    return [
        function_package(project, topology, f, shared, handler_for(f.cloud, f.role))
        for f in functions
    ]


def _cloud_packager(cloud: Cloud):
    from dtwin_gui.clouds.base import plugin

    return plugin(cloud).part("package") or per_function_packages


def plan_packages(project_root: Path, *, cloud: Cloud | str | None = None) -> list[PackageSpec]:
    """The packages the project's topology needs, in topology order.

    Each cloud in use packages its functions its own way (the ``package`` part of its
    plugin: AWS one zip per function; clouds without one get one package per function).
    ``cloud`` limits the plan to that cloud. Raises :class:`BuildError` when the topology
    cannot be computed or user code is missing.
    """
    root = Path(project_root)
    wanted = wanted_cloud(cloud)
    project = load_project(root)
    try:
        topology = topology_for_project(project)
    except TopologyError as exc:
        raise BuildError(f"cannot compute the topology: {exc}; run `dtwin validate`") from None
    by_function: dict[tuple[Cloud, str], PackageSpec] = {}
    for each in topology.clouds:
        functions = topology.functions_on(each)
        if (wanted is not None and each is not wanted) or not functions:
            continue
        package = _cloud_packager(each)
        for spec in package(project, topology, functions, runtime_entries(each)):
            by_function[(spec.cloud, spec.function.name)] = spec
    order = {(f.cloud, f.name): i for i, f in enumerate(topology.functions)}
    return sorted(by_function.values(), key=lambda s: order[(s.cloud, s.function.name)])
