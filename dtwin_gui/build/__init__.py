"""Deterministic function packages and their content-hash cache.

:func:`plan_packages` decides what each function's package holds (:mod:`.packages`),
:mod:`.zipper` turns entries into byte-identical zips, :func:`build_packages` builds them
into a folder and skips what has not changed (:mod:`.cache`), :func:`workspace_dir` is
where a project's builds go by default (:mod:`.workspace`).
"""

from dtwin_gui.build.cache import (
    BUILDER_VERSION,
    BuildOutcome,
    BuildResult,
    StalePackage,
    build_packages,
)
from dtwin_gui.build.packages import BuildError, Entry, PackageSpec, handler_for, plan_packages
from dtwin_gui.build.workspace import build_dir, workspace_dir

__all__ = [
    "BUILDER_VERSION",
    "BuildError",
    "BuildOutcome",
    "BuildResult",
    "Entry",
    "PackageSpec",
    "StalePackage",
    "build_dir",
    "build_packages",
    "handler_for",
    "plan_packages",
    "workspace_dir",
]
