"""How Azure packages functions (the ``package`` part of the Azure plugin): one zip per
Function App, i.e. per layer that has Azure functions. The zip holds the static
``function_app.py`` (Functions Python v2 model), ``host.json``, ``requirements.txt``, the
``dtwin_app.json`` manifest naming each function with its role and baked config, the shared
runtime and each function's user code under ``user/<function>/``. A glue receiver's entry
names the boundaries it serves (``glue_boundaries``): one app has one environment, so the
secrets it checks are app settings named for their boundary and the function reads only its
own (runtime/azure/function.py). The zips are made and
cached by the neutral :mod:`dtwin_gui.build` (deterministic zipper, content-hash cache)."""

from __future__ import annotations

import json
from pathlib import Path

from dtwin_gui.build.packages import USER_DIR, Entry, PackageSpec, function_package
from dtwin_gui.core.project import Project
from dtwin_gui.core.providers import SLOTS, Cloud
from dtwin_gui.core.resource_names import ResourceKind
from dtwin_gui.core.topology import FunctionSpec, Topology

#: The package's role and entry point: the Functions host imports ``function_app.app``.
APP_ROLE = "function-app"
APP_HANDLER = "function_app.app"
MANIFEST = "dtwin_app.json"
#: What the app's Python worker installs (the remote build resolves the versions).
REQUIREMENTS = (
    "azure-functions\nazure-cosmos\nazure-storage-blob\nazure-digitaltwins-core\nazure-identity\n"
)
HOST_JSON = {
    "version": "2.0",
    "extensionBundle": {
        "id": "Microsoft.Azure.Functions.ExtensionBundle",
        "version": "[4.*, 5.0.0)",
    },
    "functionTimeout": "00:05:00",
    "logging": {"logLevel": {"default": "Information"}},
}


def _json_bytes(data: object) -> bytes:
    return (json.dumps(data, sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def _function_app_source() -> Path:
    import dtwin_gui.runtime.azure as runtime_azure

    return Path(runtime_azure.__file__).resolve().parent / "function_app.py"


def served_boundaries(topology: Topology, role: str) -> list[str]:
    """The crossing boundaries whose receiver on Azure is ``role``, sorted."""
    return sorted(
        b.name
        for b in topology.boundaries
        if b.spec.receiver == role and b.target_cloud is Cloud.AZURE
    )


def local_names(config: dict, topology: Topology) -> dict:
    """``config`` with the functions it calls (processor routes, event actions) named as
    the Function Apps name them: by topology name, not the twin-prefixed deployed name."""
    short = {topology.deployed_name(f): f.name for f in topology.functions}
    for key in ("routes", "actions"):
        if isinstance(config.get(key), dict):
            config[key] = {k: short.get(v, v) for k, v in config[key].items()}
    return config


def app_package(
    project: Project,
    topology: Topology,
    slot,
    functions: list[FunctionSpec],
    shared: list[Entry],
) -> PackageSpec:
    """The Function App package of ``slot``'s Azure functions."""
    members = [function_package(project, topology, f, [], APP_HANDLER) for f in functions]
    app_name = topology.name_of(ResourceKind.FUNCTION_APP.of(slot), Cloud.AZURE)
    entries: list[Entry] = list(shared)
    manifest_functions = []
    for member in members:
        user = [e for e in member.entries if e.arcname.startswith(f"{USER_DIR}/")]
        user_dir = f"{USER_DIR}/{member.deployed_name}" if user else None
        for e in user:
            entries.append(Entry(f"{user_dir}/{e.arcname[len(USER_DIR) + 1 :]}", e.source))
        manifest_functions.append(
            {
                # Inside an app a function is named by the topology (the app's name carries
                # the twin's): its route, the intent's and the modules' function names.
                "name": member.function.name,
                "role": member.role,
                "config": local_names(member.config.to_json(), topology),
                "user_dir": user_dir,
                "glue_boundaries": served_boundaries(topology, member.role),
            }
        )
    manifest = {"app": app_name, "layer": str(slot), "functions": manifest_functions}
    entries += [
        Entry("function_app.py", _function_app_source()),
        Entry("host.json", _json_bytes(HOST_JSON)),
        Entry("requirements.txt", REQUIREMENTS.encode("utf-8")),
        Entry(MANIFEST, _json_bytes(manifest)),
    ]
    first = members[0]
    return PackageSpec(
        function=first.function,
        deployed_name=app_name,
        cloud=Cloud.AZURE,
        role=APP_ROLE,
        handler=APP_HANDLER,
        config=first.config,
        entries=tuple(sorted(entries, key=lambda e: e.arcname)),
        members=tuple(members),
    )


def package(
    project: Project, topology: Topology, functions: list[FunctionSpec], shared: list[Entry]
) -> list[PackageSpec]:
    """One package per layer that has Azure functions, in layer order."""
    by_slot: dict = {}
    for f in functions:
        by_slot.setdefault(f.slot, []).append(f)
    return [
        app_package(project, topology, slot, by_slot[slot], shared)
        for slot in sorted(by_slot, key=SLOTS.index)
    ]
