"""``dtwin query``: the twin's most recent records, read back through the deployed hot reader."""

from __future__ import annotations

import json
import sys
from pathlib import Path

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def _fail(message: str, hint: str = "", code: int = EXIT_FAIL) -> int:
    print(f"dtwin: {message}" + (f"; {hint}" if hint else ""), file=sys.stderr)
    return code


def _format(record: dict) -> str:
    values = ", ".join(
        f"{k}={json.dumps(v)}"
        for k, v in record.items()
        if k not in ("device_id", "timestamp", "trace_id")
    )
    return f"{record.get('timestamp', '?')}  {record.get('device_id', '?')}  {values}"


def cmd_query(args) -> int:
    from dtwin_gui.app.deploy import NEVER_DEPLOYED
    from dtwin_gui.app.query import NotQueryable, newest_records
    from dtwin_gui.deploy.query import QueryError

    root = Path(args.path)
    if not root.is_dir():
        return _fail(f"{args.path} is not a folder", "give the path of a project", EXIT_USAGE)
    try:
        result = newest_records(root, args.target, args.device, args.since, args.limit)
    except NotQueryable as exc:
        if exc.reason == NEVER_DEPLOYED:
            return _fail(
                f"nothing deployed from {args.path} on {args.target}",
                f"deploy it first: dtwin deploy {args.path} --target {args.target}",
            )
        return _fail(
            "the sandbox is not running, so the twin deployed to it is gone (the sandbox "
            "keeps everything in memory)",
            f"deploy it again: dtwin deploy {args.path}",
        )
    except QueryError as exc:
        return _fail(exc.message, exc.hint)
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
        return EXIT_OK
    for record in result.records:
        print(_format(record))
    source = result.source
    print(
        f"{len(result.records)} record(s), newest first, from {source.reader} "
        f"({source.cloud}, {source.target}, via {source.via})"
    )
    return EXIT_OK


def _positive(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return value


def _timestamp(text: str) -> str:
    import argparse

    from dtwin_gui.runtime.core.records import RecordError, canonical_timestamp

    try:
        return canonical_timestamp(text)
    except RecordError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO-8601 time (like 2026-11-25T10:00:00Z)"
        ) from None


def register(sub) -> None:
    """Add ``dtwin query`` to the ``dtwin`` parser."""
    p = sub.add_parser("query", help="the most recent records, read through the hot reader")
    p.add_argument("path", help="project folder")
    p.add_argument("--device", help="only this device (default: every device)")
    p.add_argument("--since", type=_timestamp, help="only records at or after this ISO-8601 time")
    p.add_argument("--limit", type=_positive, default=50, help="records to show (default 50)")
    p.add_argument(
        "--target",
        choices=("sandbox", "aws"),
        default="sandbox",
        help="where the twin is deployed (default: the embedded sandbox)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_query)
