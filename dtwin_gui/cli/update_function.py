"""``dtwin update-function PATH NAME``: one function's new code live, without a full deploy."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from dtwin_gui.clouds.base import CLOUD_TARGET_NAME, SANDBOX

EXIT_OK, EXIT_FAIL = 0, 1
#: ``--target``: the sandbox, or the real clouds ("cloud"; "aws" is its older name).
TARGET_NAMES = {SANDBOX: SANDBOX, "cloud": CLOUD_TARGET_NAME, CLOUD_TARGET_NAME: CLOUD_TARGET_NAME}


def _refuse(message: str, hint: str = "") -> int:
    print(f"dtwin: {message}", file=sys.stderr)
    if hint:
        print(f"    hint: {hint}", file=sys.stderr)
    return EXIT_FAIL


def cmd_update_function(args) -> int:
    from dtwin_gui.cli.deploy import _not_deployed, _printer, _run_cancellable, resolve_target
    from dtwin_gui.deploy.update_function import FunctionUpdate, UpdateRefused, check_name

    try:
        check_name(Path(args.path), args.name)
    except UpdateRefused as exc:
        return _refuse(exc.message, exc.hint)
    target = TARGET_NAMES[args.target]
    args.target = target  # what _not_deployed and resolve_target name
    refusal = _not_deployed(args)  # before the sandbox would be started for nothing
    if refusal:
        return _refuse(refusal)
    update = FunctionUpdate(
        Path(args.path), resolve_target(target), args.name, sink=_printer(args.json)
    )
    try:
        result = _run_cancellable(update, update.run)
    except UpdateRefused as exc:
        if args.json:
            print(json.dumps({"status": "refused", "message": exc.message, "hint": exc.hint}))
        return _refuse(exc.message, exc.hint)
    if args.json:
        print(json.dumps({"type": "update", **result.to_json()}), flush=True)
    elif result.status == "succeeded":
        live = f" (live after {result.live_after_s:.1f} s)" if result.live_after_s else ""
        print(f"updated {', '.join(result.functions)} in {result.elapsed_s:.1f} s{live}")
    return result.exit_code


def register(sub) -> None:
    """Add ``dtwin update-function`` to the ``dtwin`` parser."""
    p = sub.add_parser(
        "update-function",
        help="put one function's new code live in seconds (no full deploy)",
        description="Build the package the function lives in, upload it through the cloud's "
        "SDK (or Terraform targeted at that one resource where the code is a Terraform "
        "input), verify the live code hash and record it, so the next deploy shows no change.",
    )
    p.add_argument("path", help="project folder")
    p.add_argument(
        "name",
        help="the function: processor-<device>, action-<name>, any function of `dtwin "
        "topology PATH`, or a device id / action name",
    )
    p.add_argument(
        "--target",
        choices=sorted(TARGET_NAMES),
        default=SANDBOX,
        help="where the twin is deployed: the embedded sandbox (default) or the real clouds "
        f"(cloud, also called {CLOUD_TARGET_NAME})",
    )
    p.add_argument("--json", action="store_true", help="print events as JSON Lines")
    p.set_defaults(func=cmd_update_function)
