"""``dtwin logs``: what the deployed functions printed, errors first."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
#: How often ``--follow`` reads the logs again.
FOLLOW_EVERY_S = 2.0


def _fail(message: str, hint: str = "", code: int = EXIT_FAIL) -> int:
    print(f"dtwin: {message}" + (f"; {hint}" if hint else ""), file=sys.stderr)
    return code


def format_line(line) -> str:
    when = (line.time or "—")[11:23] if line.time else "         —  "
    level = "print" if line.level == "PRINT" else line.level.lower()
    trace = f"  [trace {line.trace_id}]" if line.trace_id else ""
    text = line.text.replace("\n", "\n      ")
    return f"{when}  {line.function:<28} {level:<7} {text}{trace}"


def _show(logs, *, errors_first: bool) -> None:
    errors = logs.errors
    if errors_first and errors:
        print(f"errors ({len(errors)}, newest first):")
        for line in errors:
            print("  " + format_line(line))
        print("all lines (oldest first):")
    for line in logs.lines:
        print(("  " if errors_first and errors else "") + format_line(line))
    for name, why in logs.unread.items():
        print(f"  {name}: not read ({why})", file=sys.stderr)


def cmd_logs(args) -> int:
    from dtwin_gui.cli.deploy import _not_deployed, resolve_target
    from dtwin_gui.deploy.function_logs import LogsError, deployment_logs, parse_since

    try:
        since_s = parse_since(args.since)
    except LogsError as exc:
        return _fail(exc.message, exc.hint, EXIT_USAGE)
    refusal = _not_deployed(args)
    if refusal:
        return _fail(refusal)
    from dtwin_gui.app.deploy import open_deployment

    deployment = open_deployment(Path(args.path), resolve_target(args.target))
    try:
        logs = deployment_logs(deployment, function=args.function, since_s=since_s)
    except LogsError as exc:
        return _fail(exc.message, exc.hint)
    if args.json and not args.follow:
        print(json.dumps(logs.to_json(), indent=2))
        return EXIT_OK
    if args.json:  # --follow --json: one line per log line, as they come
        seen = set()
        for line in logs.lines:
            seen.add(line)
            print(json.dumps(line.to_json()), flush=True)
    else:
        _show(logs, errors_first=True)
        if not logs.lines:
            print(f"no line logged since {logs.since}", file=sys.stderr)
        seen = set(logs.lines)
    if not args.follow:
        return EXIT_OK
    print("following (Ctrl+C to stop)…", file=sys.stderr, flush=True)
    while True:
        time.sleep(FOLLOW_EVERY_S)
        since = min([time.time() - 60, *(_seconds(line.time) for line in logs.lines[-1:])])
        logs = deployment_logs(deployment, function=args.function, since_s=since)
        fresh = [line for line in logs.lines if line not in seen]
        for line in fresh:
            seen.add(line)
            print(json.dumps(line.to_json()) if args.json else format_line(line), flush=True)


def _seconds(moment: str | None) -> float:
    from datetime import datetime

    if not moment:
        return time.time() - 60
    return datetime.fromisoformat(moment.replace("Z", "+00:00")).timestamp() - 1


def register(sub) -> None:
    """Add ``dtwin logs`` to the ``dtwin`` parser."""
    p = sub.add_parser("logs", help="what the deployed functions printed, errors first")
    p.add_argument("path", help="project folder")
    p.add_argument("--function", help="only this function (its name, e.g. processor-pump-1)")
    p.add_argument(
        "--since", help="how far back: 10m, 2h, 1d or an ISO-8601 time (default: the last hour)"
    )
    p.add_argument("--follow", action="store_true", help="keep printing new lines as they come")
    p.add_argument(
        "--target",
        choices=("sandbox", "aws"),
        default="sandbox",
        help="where the twin is deployed (default: the embedded sandbox)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_logs)
