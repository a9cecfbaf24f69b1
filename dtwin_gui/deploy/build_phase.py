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
