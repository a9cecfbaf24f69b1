"""``dtwin rotate-secrets``: a new glue secret per cross-cloud boundary (never printed)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def cmd_rotate_secrets(args) -> int:
    from dtwin_gui.app.secrets import rotate
    from dtwin_gui.core.topology import TopologyError
    from dtwin_gui.deploy.glue_secrets import GlueSecretsError

    try:
        rotations, where = rotate(Path(args.path), args.target)
    except TopologyError as exc:
        print(f"dtwin: cannot rotate the glue secrets of {args.path}: {exc}", file=sys.stderr)
        print(f"    hint: run `dtwin validate {args.path}` and fix what it lists", file=sys.stderr)
        return EXIT_FAIL
    except GlueSecretsError as exc:
        print(f"dtwin: cannot rotate the glue secrets: {exc}", file=sys.stderr)
        return EXIT_FAIL
    target = "" if args.target == "sandbox" else f" --target {args.target}"
    if args.json:
        report = {
            "target": args.target,
            "kept_in": where,
            "rotated": [
                {
                    "secret": r.id,
                    "boundaries": list(r.boundaries),
                    "generation": r.generation,
                    "created": r.created,
                    "dropped_oldest": r.dropped_oldest,
                }
                for r in rotations
            ],
        }
        print(json.dumps(report, indent=2))
        return EXIT_OK
    if not rotations:
        print(
            f"{args.path}: no cross-cloud boundary (every layer is on the same cloud), so there "
            "are no glue secrets to rotate"
        )
        return EXIT_OK
    print(f"Rotated {len(rotations)} glue secret(s) of {args.path} ({args.target}):")
    for rotation in rotations:
        print(f"  {rotation.describe()}")
    print(f"Kept in {where}.")
    print(
        f"Deploy again (dtwin deploy {args.path}{target}) to hand the new secrets to the "
        "functions; receivers accept the previous secret until the next rotation."
    )
    return EXIT_OK


def register(sub) -> None:
    """Add ``rotate-secrets`` to the ``dtwin`` subcommands."""
    p = sub.add_parser(
        "rotate-secrets",
        help="roll a new HMAC secret per cross-cloud boundary (the previous stays accepted)",
    )
    p.add_argument("path", help="project folder")
    p.add_argument(
        "--target", choices=["sandbox", "aws"], default="sandbox", help="deployment target"
    )
    p.add_argument("--json", action="store_true", help="machine-readable report (no secrets)")
    p.set_defaults(func=cmd_rotate_secrets)
