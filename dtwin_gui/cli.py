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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
