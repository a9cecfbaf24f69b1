"""The ``dtwin`` command: the engine's headless face."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dtwin_gui import __version__
from dtwin_gui.core.problems import Problem, ValidationReport

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def _print_problem(problem: Problem, out) -> None:
    label = "error" if problem.severity == "error" else "warning"
    print(f"{label}: {problem.location}: {problem.message}", file=out)
    if problem.hint:
        print(f"    hint: {problem.hint}", file=out)


def _print_report(report: ValidationReport, out) -> None:
    for problem in report.errors + report.warnings:
        _print_problem(problem, out)
    verdict = "valid" if report.valid else "NOT valid"
    print(
        f"{report.root}: {verdict} — {len(report.errors)} error(s), "
        f"{len(report.warnings)} warning(s)",
        file=out,
    )


def _project_root(raw: str) -> Path:
    root = Path(raw)
    if not root.is_dir():
        raise SystemExit(_usage_error(f"{raw} is not a folder; give the path of a project"))
    return root


def _usage_error(message: str) -> int:
    print(f"dtwin: {message}", file=sys.stderr)
    return EXIT_USAGE


def cmd_validate(args) -> int:
    from dtwin_gui.core.validation import validate_project

    report = validate_project(_project_root(args.path))
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        _print_report(report, sys.stdout)
    return EXIT_OK if report.valid else EXIT_FAIL


def cmd_topology(args) -> int:
    from dtwin_gui.core.project import load_project
    from dtwin_gui.core.topology import TopologyError, topology_for_project

    project = load_project(_project_root(args.path))
    try:
        topology = topology_for_project(project)
    except TopologyError as exc:
        print(f"dtwin: cannot compute the topology: {exc}", file=sys.stderr)
        print("    hint: run `dtwin validate` to see every problem", file=sys.stderr)
        return EXIT_FAIL
    if args.json:
        print(json.dumps(topology.to_json(), indent=2))
        return EXIT_OK
    print("Layers:")
    for slot, cloud in topology.providers.items():
        print(f"  {slot:<11} {cloud}")
    for slot in topology.left_out:  # L4/L5 "none" (issue 15)
        print(f"  {slot:<11} none: not part of this twin")
    print("Cross-cloud hops:" if topology.boundaries else "Cross-cloud hops: none")
    for b in topology.boundaries:
        print(
            f"  {b.spec.source} → {b.spec.target}  {b.source_cloud}:{b.spec.sender} → "
            f"{b.target_cloud}:{b.spec.receiver}  ({b.spec.description})"
        )
    for cloud in topology.clouds:
        names = ", ".join(f.name for f in topology.functions_on(cloud))
        print(f"Functions on {cloud}: {names}")
    return EXIT_OK


def cmd_new(args) -> int:
    from dtwin_gui.core.scaffold import ScaffoldError, new_project

    if args.from_ != "template":
        return _usage_error(f"unknown source {args.from_!r}; the only source is 'template'")
    dest = Path(args.name)
    try:
        new_project(dest, twin_name=args.twin_name)
    except ScaffoldError as exc:
        print(f"dtwin: {exc}", file=sys.stderr)
        return EXIT_FAIL
    print(f"Created {dest} from the example project. Next: dtwin validate {dest}")
    return EXIT_OK


def cmd_import(args) -> int:
    from dtwin_gui.core.importer import ImportFailed, import_project

    try:
        report = import_project(Path(args.src), Path(args.dest))
    except ImportFailed as exc:
        print(f"dtwin: import failed: {exc}", file=sys.stderr)
        return EXIT_FAIL
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        print(report.format_text())
    return EXIT_OK


def cmd_build(args) -> int:
    from dtwin_gui.build import BuildError, build_dir, build_packages
    from dtwin_gui.core.validation import validate_project

    root = _project_root(args.path)
    report = validate_project(root)
    if not report.valid:
        for problem in report.errors:
            _print_problem(problem, sys.stderr)
        print(
            f"dtwin: {root} is NOT valid ({len(report.errors)} error(s)); nothing was built",
            file=sys.stderr,
        )
        print("    hint: fix the errors above (`dtwin validate` lists them)", file=sys.stderr)
        return EXIT_FAIL
    out_dir = Path(args.out) if args.out else build_dir(root)
    try:
        outcome = build_packages(root, out_dir, cloud=args.cloud)
    except BuildError as exc:
        print(f"dtwin: cannot build: {exc}", file=sys.stderr)
        return EXIT_FAIL
    for stale in outcome.removed:
        print(f"removed stale package {stale.cloud}/{stale.name}", file=sys.stderr)
    if args.json:
        print(json.dumps([r.to_json() for r in outcome], indent=2))
        return EXIT_OK
    if not outcome:
        print(f"no functions run on {args.cloud or 'any cloud'} in this project; nothing to build")
        return EXIT_OK
    width = max((len(r.name) for r in outcome), default=4)
    print(f"{'cloud':<7}{'name':<{width + 2}}{'sha256':<14}{'size':>10}  status")
    for r in outcome:
        status = "built" if r.rebuilt else "unchanged"
        print(f"{r.cloud:<7}{r.name:<{width + 2}}{r.sha256[:12]:<14}{r.size:>10,}  {status}")
    built = sum(r.rebuilt for r in outcome)
    unchanged = len(outcome) - built
    print(f"{len(outcome)} package(s) in {out_dir}: {built} built, {unchanged} unchanged")
    return EXIT_OK


def cmd_sandbox(args) -> int:
    from dtwin_gui.sandbox import daemon

    if args.action == "up":
        try:
            info, started = daemon.up()
        except daemon.SandboxError as exc:
            print(f"dtwin: cannot start the sandbox: {exc}", file=sys.stderr)
            return EXIT_FAIL
        if args.json:
            print(
                json.dumps(
                    {"state": "started" if started else "already running", **info.to_json()},
                    indent=2,
                )
            )
        else:
            verb = "started" if started else "already running"
            where = info.endpoint or ", ".join(info.endpoints.values())
            print(f"Sandbox {verb}: {where} (pid {info.pid}, region {info.region})")
            for cloud, why in info.failed().items():
                print(f"  {cloud}: emulator not running: {why}")
        return EXIT_OK
    if args.action == "down":
        info = daemon.down()
        if args.json:
            print(
                json.dumps(
                    {"stopped": info is not None, **(info.to_json() if info else {})}, indent=2
                )
            )
        else:
            print(f"Sandbox stopped (pid {info.pid})" if info else "Sandbox is not running")
        return EXIT_OK
    report = daemon.status()
    if args.json:
        print(json.dumps(report, indent=2))
    elif report["state"] == "not running":
        print("Sandbox: not running (start it with `dtwin sandbox up`)")
    else:
        print(f"Sandbox: {report['state']}")
        if report.get("endpoint"):
            print(f"  endpoint  {report['endpoint']}")
        print(f"  region    {report['region']}")
        print(f"  pid       {report['pid']}")
        if "uptime_s" in report:
            hours, rest = divmod(int(report["uptime_s"]), 3600)
            print(f"  uptime    {hours}:{rest // 60:02d}:{rest % 60:02d}")
        for cloud, emulator in (report.get("emulators") or {}).items():
            print(f"  {cloud:<9} {_emulator_line(emulator)}")
        counts = report.get("counts") or {}
        if counts:
            shown = ", ".join(f"{'?' if n is None else n} {name}" for name, n in counts.items())
            print(f"  contents  {shown}")
    return EXIT_OK if report["state"] == "running" else EXIT_FAIL


def _emulator_line(emulator: dict) -> str:
    """``running · Terraform applied · moto + … (http://…)`` or ``failed: why``."""
    state = emulator.get("state", "?")
    if emulator.get("error"):
        state = f"{state}: {emulator['error']}"
    parts = [state, emulator.get("path_label", ""), emulator.get("label", "")]
    where = ", ".join((emulator.get("endpoints") or {}).values())
    line = " · ".join(p for p in parts if p)
    return f"{line} ({where})" if where else line


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dtwin", description="Deploy an IoT digital twin across AWS, Azure and Google Cloud."
    )
    parser.add_argument("--version", action="version", version=f"dtwin {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check a project and list every problem")
    p.add_argument("path", help="project folder")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("topology", help="show which cloud hosts what, and the cross-cloud glue")
    p.add_argument("path", help="project folder")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_topology)

    p = sub.add_parser("new", help="create a project from the example")
    p.add_argument("name", help="folder to create")
    p.add_argument("--from", dest="from_", default="template", help="source (default: template)")
    p.add_argument("--twin-name", help="twin name (default: derived from the folder name)")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("import", help="import a project of the older deployer (folder or zip)")
    p.add_argument("src", help="older project folder or .zip")
    p.add_argument("dest", help="new project folder (must not exist)")
    p.add_argument("--json", action="store_true", help="machine-readable report")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("build", help="package the cloud functions (deterministic, cached)")
    p.add_argument("path", help="project folder")
    p.add_argument("--out", help="output folder (default: the project's workspace build folder)")
    p.add_argument("--cloud", choices=["aws", "azure", "google"], help="only this cloud")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_build)
    from dtwin_gui.cli.deploy import register as register_deploy

    register_deploy(sub)
    from dtwin_gui.cli.query import register as register_query

    register_query(sub)
    from dtwin_gui.cli.logs import register as register_logs

    register_logs(sub)
    from dtwin_gui.cli.export import register as register_export

    register_export(sub)
    from dtwin_gui.cli.secrets import register as register_secrets

    register_secrets(sub)
    from dtwin_gui.cli.update_function import register as register_update_function

    register_update_function(sub)
    from dtwin_gui.cli.cost import register as register_cost

    register_cost(sub)
    from dtwin_gui.cli.backend import register as register_backend

    register_backend(sub)
    p = sub.add_parser("sandbox", help="the local emulated AWS (no account needed)")
    p.add_argument("action", choices=["up", "down", "status"], help="start, stop or inspect it")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_sandbox)
    return parser


#: Exit code after the reader of our output went away (``dtwin status --json | head``):
#: 128 + SIGPIPE, as a shell reports a command killed by it.
EXIT_BROKEN_PIPE = 141


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors (argparse printed them)
        return int(exc.code or 0) if isinstance(exc.code, int | None) else EXIT_USAGE
    try:
        if getattr(args, "path", None) is not None:  # every command on a project folder
            _project_root(args.path)
        return args.func(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as exc:  # a folder that cannot be written, a disk full...
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"dtwin: {where}{exc.strerror or exc}", file=sys.stderr)
        print(
            "    hint: check that the folder exists and that you may write there", file=sys.stderr
        )
        return EXIT_FAIL
    except Exception as exc:  # never a traceback: one line, the details only on request
        return _internal_error(exc)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _internal_error(exc: BaseException) -> int:
    import os
    import traceback

    if os.environ.get("DTWIN_DEBUG"):
        traceback.print_exception(exc, file=sys.stderr)
    text = str(exc).splitlines()[0] if str(exc) else ""
    try:
        print(
            f"dtwin: unexpected error: {type(exc).__name__}: {text}".rstrip(": "), file=sys.stderr
        )
        print(
            "    hint: this is a bug in dtwin; run again with DTWIN_DEBUG=1 to see the traceback "
            "and report it",
            file=sys.stderr,
        )
    except OSError:
        pass
    return EXIT_FAIL
