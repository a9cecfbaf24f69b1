"""How Google packages functions (the ``package`` part of the Google plugin): one zip per
layer that has Google functions, the source every Cloud Function (gen2) of that layer is
built from by Cloud Build. The zip holds the static ``main.py`` (one functions-framework
entry point per role), ``requirements.txt``, the ``dtwin_functions.json`` manifest naming
each function with its role, entry point, signature and baked config, the shared runtime and
each function's user code under ``user/<deployed name>/``. A deployed function sets env
``DTWIN_FUNCTION`` to its topology name. The zips are made and cached by the neutral
:mod:`dtwin_gui.build` (deterministic zipper, content-hash cache)."""

from __future__ import annotations

import json
from pathlib import Path

from dtwin_gui.build.packages import USER_DIR, Entry, PackageSpec, function_package
from dtwin_gui.core.project import Project
from dtwin_gui.core.providers import SLOTS, Cloud
from dtwin_gui.core.topology import FunctionSpec, Topology
from dtwin_gui.runtime.google.entry_points import ENTRY_POINTS

#: The package's role and "handler": the source of several functions, each with its entry
#: point in ``main.py`` (members' ``handler``).
SOURCE_ROLE = "function-source"
SOURCE_HANDLER = "main.py"
MANIFEST = "dtwin_functions.json"
#: What Cloud Build installs for the Python 3.11 runtime (it resolves the versions).
REQUIREMENTS = (
    "functions-framework>=3,<4\n"
    "google-cloud-firestore>=2,<3\n"
    "google-cloud-storage>=2,<4\n"
    "google-cloud-pubsub>=2,<3\n"
    "google-auth>=2,<3\n"
)


def _json_bytes(data: object) -> bytes:
    return (json.dumps(data, sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def _main_source() -> Path:
    import dtwin_gui.runtime.google as runtime_google

    return Path(runtime_google.__file__).resolve().parent / "main.py"


def source_name(twin_name: str, slot) -> str:
    """The layer source package's name: ``<twin>-<layer tag>-functions`` (``l3hot``)."""
    return f"{twin_name}-{str(slot).lower().replace('_', '')}-functions"


def layer_package(
    project: Project,
    topology: Topology,
    slot,
    functions: list[FunctionSpec],
    shared: list[Entry],
) -> PackageSpec:
    """The source package of ``slot``'s Google functions."""
    members = [
        function_package(project, topology, f, [], ENTRY_POINTS[f.role].name) for f in functions
    ]
    entries: list[Entry] = list(shared)
    manifest_functions = []
    for member in members:
        user = [e for e in member.entries if e.arcname.startswith(f"{USER_DIR}/")]
        user_dir = f"{USER_DIR}/{member.deployed_name}" if user else None
        for e in user:
            entries.append(Entry(f"{user_dir}/{e.arcname[len(USER_DIR) + 1 :]}", e.source))
        entry_point = ENTRY_POINTS[member.role]
        manifest_functions.append(
            {
                "name": member.function.name,
                "deployed_name": member.deployed_name,
                "role": member.role,
                "entry_point": entry_point.name,
                "signature": entry_point.signature,
                # Functions call each other by deployed name (their URL's last segment).
                "config": member.config.to_json(),
                "user_dir": user_dir,
            }
        )
    name = source_name(topology.twin_name, slot)
    manifest = {"source": name, "layer": str(slot), "functions": manifest_functions}
    entries += [
        Entry("main.py", _main_source()),
        Entry("requirements.txt", REQUIREMENTS.encode("utf-8")),
        Entry(MANIFEST, _json_bytes(manifest)),
    ]
    first = members[0]
    return PackageSpec(
        function=first.function,
        deployed_name=name,
        cloud=Cloud.GOOGLE,
        role=SOURCE_ROLE,
        handler=SOURCE_HANDLER,
        config=first.config,
        entries=tuple(sorted(entries, key=lambda e: e.arcname)),
        members=tuple(members),
    )


def package(
    project: Project, topology: Topology, functions: list[FunctionSpec], shared: list[Entry]
) -> list[PackageSpec]:
    """One source package per layer that has Google functions, in layer order."""
    by_slot: dict = {}
    for f in functions:
        by_slot.setdefault(f.slot, []).append(f)
    return [
        layer_package(project, topology, slot, by_slot[slot], shared)
        for slot in sorted(by_slot, key=SLOTS.index)
    ]
