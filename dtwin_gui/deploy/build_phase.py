"""The deploy's ``build`` phase: the packages of every connected cloud, into the workspace.

Each cloud's packages are built by the neutral :func:`dtwin_gui.build.build_packages` with
its plugin's ``package`` part (AWS: one zip per function, Azure: one per Function App); an
unchanged package is reused. The result is one :class:`~dtwin_gui.build.cache.BuildOutcome`
over the clouds, in cloud order.
"""

from __future__ import annotations

from dtwin_gui.core.run_events import LogEvent


def unconnected(topology, connections) -> None:
    """Raise ``DeployFailed`` when a cloud that hosts layers has no connection (in the
    sandbox: its emulator is not running), naming the layers and what to do."""
    from dtwin_gui.clouds import plugin
    from dtwin_gui.deploy.run_result import DeployFailed

    missing: dict = {}
    for slot, cloud in topology.providers.items():
        if cloud is not None and cloud not in connections:
            missing.setdefault(cloud, []).append(str(slot))
    if not missing:
        return
    where = "; ".join(f"{plugin(c).label} ({', '.join(s)})" for c, s in missing.items())
    if connections.is_sandbox:
        raise DeployFailed(
            "validate",
            f"the sandbox runs without the emulator of {where}",
            "see why with `dtwin sandbox status`, then restart it with `dtwin sandbox down` "
            "and `dtwin sandbox up`",
        )
    raise DeployFailed(
        "validate",
        f"no sign-in for {where}",
        "sign in to that cloud on the Credentials page and check it",
    )


def build_connected(deployment):
    from dtwin_gui.build import build_packages

    def on_event(item) -> None:
        name = getattr(item, "name", "")
        rebuilt = getattr(item, "rebuilt", None)
        if rebuilt is None:
            deployment._emit(LogEvent("build", "info", f"removed stale package {name}"))
        else:
            word = "built" if rebuilt else "unchanged"
            deployment._emit(LogEvent("build", "info", f"{name}: {word} ({item.size:,} bytes)"))

    outcome = None
    for cloud in deployment.connections.clouds:
        built = build_packages(
            deployment.project_root, deployment.workspace.build_dir, cloud=cloud, on_event=on_event
        )
        if outcome is None:
            outcome = built
        else:
            outcome.extend(built)
            outcome.removed.extend(built.removed)
    if outcome is None:
        from dtwin_gui.build.cache import BuildOutcome

        return BuildOutcome()
    return outcome


def validate_deployment(deployment) -> None:
    """The ``validate`` phase: the project's errors as diagnostics, a cloud this version
    cannot deploy, a cloud in use without a connection."""
    from dtwin_gui.core.project import load_project
    from dtwin_gui.core.providers import DEPLOYABLE_CLOUDS
    from dtwin_gui.core.run_events import DiagnosticEvent
    from dtwin_gui.core.topology import topology_for_project
    from dtwin_gui.core.validation import validate_project
    from dtwin_gui.deploy.run_result import DeployFailed

    report = validate_project(deployment.project_root)
    for problem in report.errors:
        deployment._emit(
            DiagnosticEvent("error", problem.message, problem.hint, problem.location, "project")
        )
    if not report.valid:
        first = report.errors[0]
        more = len(report.errors) - 1
        raise DeployFailed(
            "validate",
            f"the project has {len(report.errors)} error(s)"
            + (f", the first at {first.location}" if more else f": {first.location}")
            + f": {first.message}",
            "fix them (dtwin validate lists them with their place) and deploy again",
        )
    # Validation reports these too (provider-not-deployable); this guard holds when a
    # caller skips it. Which clouds deploy is providers.DEPLOYABLE_CLOUDS's to say.
    topology = topology_for_project(load_project(deployment.project_root))
    refused = [
        f"{slot} on {cloud}"
        for slot, cloud in topology.providers.items()
        if cloud not in DEPLOYABLE_CLOUDS[slot]
    ]
    if refused:
        raise DeployFailed(
            "validate",
            f"this version cannot deploy {', '.join(refused)} yet",
            "choose a cloud this version deploys for those layers on the Layers page",
        )
    unconnected(topology, deployment.connections)
