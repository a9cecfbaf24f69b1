"""How AWS packages functions (the ``package`` part of the AWS plugin): one zip per Lambda
function, started through a dotted handler (``dtwin_gui.runtime.aws.handlers.<role>.handler``),
holding the shared runtime, the function's config and its user code. The zips themselves are
made and cached by the neutral :mod:`dtwin_gui.build` (zipper, content-hash cache)."""

from __future__ import annotations

from dtwin_gui.build.packages import Entry, PackageSpec, function_package, role_module
from dtwin_gui.core.project import Project
from dtwin_gui.core.providers import Cloud
from dtwin_gui.core.topology import FunctionSpec, Topology


def lambda_handler(role: str) -> str:
    """Lambda's dotted entry point of ``role``."""
    return f"dtwin_gui.runtime.{Cloud.AWS}.handlers.{role_module(role)}.handler"


def package(
    project: Project, topology: Topology, functions: list[FunctionSpec], shared: list[Entry]
) -> list[PackageSpec]:
    """One package per AWS function, in the order given."""
    return [
        function_package(project, topology, f, shared, lambda_handler(f.role)) for f in functions
    ]
