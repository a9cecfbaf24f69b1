"""What a one-function update (:mod:`dtwin_gui.deploy.update_function`) refuses before it
touches anything, and how it finds the function: an unknown name (with the closest names),
nothing deployed, the function's cloud not connected or not provisioned, a Terraform of this
twin still running or holding the state lock, an error in the project's configuration or in
the code of a function sharing the package (another package's broken code is not this
update's business). No cloud call: the workspace's files and the project only."""

from __future__ import annotations

from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path

from dtwin_gui.clouds import plugin
from dtwin_gui.core import topology as topo
from dtwin_gui.core.project import FEEDBACK_FILE, action_file, processor_file


class UpdateRefused(Exception):
    """The update cannot start (nothing was touched): what and why, and what to do."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def resolve(topology, name: str) -> list:
    """The functions ``name`` means: a topology name or deployed name (on every cloud that
    has it), else a device id (its processor) or an action name. Raises
    :class:`UpdateRefused` with the closest names."""
    name = (name or "").strip()
    functions = list(topology.functions)
    found = [f for f in functions if name in (f.name, topology.deployed_name(f))]
    found = found or [
        f
        for f in functions
        if (f.role == topo.PROCESSOR and f.device_id == name)
        or (f.role == topo.EVENT_ACTION and f.action == name)
    ]
    if found:
        return found
    names = sorted({f.name for f in functions})
    close = get_close_matches(name, names, n=3, cutoff=0.5)
    raise UpdateRefused(
        f"this twin has no function {name!r}",
        (f"did you mean {', '.join(close)}? " if close else "")
        + f"its functions: {', '.join(names)}",
    )


def check_name(project_root: Path, name: str) -> list:
    """:func:`resolve` on the project's topology (no cloud, no workspace): the front ends ask
    first, so a mistyped name is answered before anything starts."""
    from dtwin_gui.core.project import load_project
    from dtwin_gui.core.topology import TopologyError, topology_for_project

    try:
        topology = topology_for_project(load_project(Path(project_root)))
    except TopologyError as exc:
        raise UpdateRefused(
            f"the twin's layout cannot be computed: {exc}", "run dtwin validate PATH"
        ) from None
    return resolve(topology, name)


def code_function(topology, kind: str, name: str) -> str | None:
    """The topology name of the function running a Code page file (``kind``: processor,
    action or feedback; ``name``: device id, action name), None when the twin has none."""
    for f in topology.functions:
        if (
            (kind == "processor" and f.role == topo.PROCESSOR and f.device_id == name)
            or (kind == "action" and f.role == topo.EVENT_ACTION and f.action == name)
            or (kind == "feedback" and f.role == topo.EVENT_FEEDBACK)
        ):
            return f.name
    return None


def _code_folder(function) -> str | None:
    """The project folder packaged as ``function``'s user code (``processors/<id>/``)."""
    if function.role == topo.PROCESSOR:
        main = processor_file(function.device_id)
    elif function.role == topo.EVENT_ACTION:
        main = action_file(function.action)
    elif function.role == topo.EVENT_FEEDBACK:
        main = FEEDBACK_FILE
    else:
        return None
    return main.rsplit("/", 1)[0] + "/"


@dataclass
class Checked:
    """What passed the checks: the project, its topology, the functions asked for and
    ``(PackageSpec, cloud)`` of each package holding one."""

    project: object
    topology: object
    functions: list
    specs: list


def check(deployment, name: str) -> Checked:
    """Every refusal before an update touches anything; what the update works on."""
    from dtwin_gui.build.packages import BuildError, plan_packages
    from dtwin_gui.core.project import load_project
    from dtwin_gui.core.topology import TopologyError, topology_for_project
    from dtwin_gui.deploy.query import nothing_deployed

    d = deployment
    project = load_project(d.project_root)
    try:
        topology = topology_for_project(project)
    except TopologyError as exc:
        raise UpdateRefused(
            f"the twin's layout cannot be computed: {exc}", "run dtwin validate PATH"
        ) from None
    functions = resolve(topology, name)
    target = d.connections.name
    for f in functions:
        if f.cloud not in d.connections:
            label = plugin(f.cloud).label
            raise UpdateRefused(
                f"{f.name} runs on {label}, and this {target} deployment has no {label} connection",
                "sign in to it on the Credentials page"
                if not d.connections.is_sandbox
                else "restart the sandbox (dtwin sandbox down, dtwin sandbox up) and "
                "deploy the twin again",
            )
    if nothing_deployed(d.project_root, target):
        raise UpdateRefused(
            f"nothing is deployed from this project to {target}",
            "deploy the twin first (a full deploy); afterwards single functions update in seconds",
        )
    _check_provisioned(d, topology, functions)
    _check_terraform_lock(d, topology)
    try:
        specs = [
            (spec, f.cloud)
            for cloud in dict.fromkeys(f.cloud for f in functions)
            for spec in plan_packages(d.project_root, cloud=cloud)
            for f in functions
            if f.cloud is cloud and holds(spec, f)
        ]
    except BuildError as exc:
        raise UpdateRefused(f"the package cannot be built: {exc}", "") from None
    specs = list({(s.deployed_name, c): (s, c) for s, c in specs}.values())
    _check_problems(d, topology, [s for s, _ in specs])
    return Checked(project, topology, functions, specs)


def _check_provisioned(d, topology, functions) -> None:
    from dtwin_gui.deploy.provision_phase import INCOMPLETE, load_state, provisioned_clouds

    saved = load_state(d.workspace)
    for cloud in provisioned_clouds(topology, d.connections):
        if any(f.cloud is cloud for f in functions):
            record = saved.get(str(cloud))
            if not record or record.get(INCOMPLETE):
                raise UpdateRefused(
                    f"{plugin(cloud).label} was not completely provisioned by the last deploy",
                    "deploy the twin again (a full deploy), then update single functions",
                )


def _check_terraform_lock(d, topology) -> None:
    from dtwin_gui.iac import process
    from dtwin_gui.iac.root import clouds_in_root

    if not clouds_in_root(topology, d.connections):
        return
    folder = d.workspace.terraform_dir
    running = process.running_previous(folder)
    if running is not None:
        raise UpdateRefused(
            f"a Terraform {running.command} of this twin is still running (pid "
            f"{running.pid}, since {running.started})",
            "wait for it to finish (or deploy again, which waits for it), then update",
        )
    lock = d._terraform_runner().lock_info()
    if lock is not None and lock.held:
        raise UpdateRefused(
            f"the Terraform state is locked by a running {lock.operation} ({lock.who})",
            "wait for that run to finish, then update again",
        )


def _check_problems(d, topology, specs) -> None:
    from dtwin_gui.core.validation import validate_project

    members = {f.name for s in specs for f in [m.function for m in (s.members or (s,))]}
    folders = {f.name: _code_folder(f) for f in topology.functions}
    report = validate_project(d.project_root)
    for problem in report.errors:
        owner = next(
            (n for n, folder in folders.items() if folder and problem.file.startswith(folder)),
            None,
        )
        if owner is None or owner in members:  # the configuration, or this package's code
            raise UpdateRefused(
                f"{problem.location}: {problem.message}",
                (problem.hint + "; " if problem.hint else "")
                + "fix it (dtwin validate lists every problem), then update again",
            )


def holds(spec, function) -> bool:
    """Whether package ``spec`` holds ``function`` (one of its members, or itself)."""
    members = spec.members or (spec,)
    return spec.cloud is function.cloud and any(m.function.name == function.name for m in members)
