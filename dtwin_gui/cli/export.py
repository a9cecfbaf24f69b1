"""``dtwin export``: the project as a reproducible zip, without secrets, workspace or caches."""

from __future__ import annotations

import json
import sys
from pathlib import Path

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def cmd_export(args) -> int:
    from dtwin_gui.core.export import ExportFailed, app_workspaces, export_project

    root = Path(args.path)
    if not root.is_dir():
        print(
            f"dtwin: {args.path} is not a folder; give the folder of a dtwin project",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        result = export_project(root, Path(args.out), exclude=app_workspaces())
    except ExportFailed as exc:
        print(f"dtwin: export failed: {exc}", file=sys.stderr)
        return EXIT_FAIL
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
        return EXIT_OK
    text = result.format_text()
    # What was left out goes to stderr, the summary to stdout.
    *skipped, summary = text.rstrip("\n").split("\n")
    for line in skipped:
        print(line, file=sys.stderr)
    print(summary)
    if result.secrets:
        print(
            f"{len(result.secrets)} file(s) that look like secrets were left out; keep them "
            "out of the project (dtwin keeps secrets in your OS keyring)",
            file=sys.stderr,
        )
    return EXIT_OK


def register(sub) -> None:
    """Add ``export`` to the ``dtwin`` subcommands."""
    p = sub.add_parser(
        "export",
        help="zip a project for a colleague (no secrets, workspace or caches; reproducible)",
    )
    p.add_argument("path", help="project folder")
    p.add_argument("out", help="zip file to write (replaced if it exists; outside the project)")
    p.add_argument("--json", action="store_true", help="machine-readable report")
    p.set_defaults(func=cmd_export)
