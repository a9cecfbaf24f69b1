"""``dtwin backend show|set|create`` and the backend options of ``deploy`` / ``destroy`` /
``unlock`` (``--backend URL``, ``--migrate-state``, ``--lock-wait``, ``--create-backend``).

URLs: ``local``, ``s3://BUCKET/KEY[?region=R&lock=dynamodb:TABLE&kms=KEY]``,
``azurerm://ACCOUNT/CONTAINER/KEY[?resource_group=RG]``, ``gcs://BUCKET/PREFIX``. No
credential ever goes into one: they come from the target's usual sign-in.
"""

from __future__ import annotations

import argparse
import json
import sys

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2

BACKEND_HELP = (
    "where the Terraform state and dtwin's records live for this run: local, s3://BUCKET/KEY "
    "(?region=&lock=dynamodb:TABLE&kms=), azurerm://ACCOUNT/CONTAINER/KEY or gcs://BUCKET/PREFIX"
    " (default: the target's backend in Settings, else local)"
)


def _backend_url(text: str):
    from dtwin_gui.iac.backend import BackendError, parse_backend

    try:
        return parse_backend(text)
    except BackendError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_backend_options(p, *, deploy: bool = False) -> None:
    """The backend options of a command that runs on a deployment's state."""
    p.add_argument("--backend", type=_backend_url, metavar="URL", help=BACKEND_HELP)
    if not deploy:
        return
    p.add_argument(
        "--migrate-state",
        action="store_true",
        help="when this twin's state is in another backend (or the workspace), move it to this "
        "one (Terraform's state and dtwin's records); without it such a run stops and says so",
    )
    p.add_argument(
        "--lock-wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait that long for another run of this twin to release its deploy lock "
        "(default: stop at once and name who holds it)",
    )


def team_options(args) -> dict:
    """The Deployment's backend options from the parsed arguments (empty: from Settings)."""
    options: dict = {}
    if getattr(args, "backend", None) is not None:
        options["backend"] = args.backend
    if getattr(args, "migrate_state", False):
        options["migrate_state"] = True
    if getattr(args, "lock_wait", 0.0):
        options["lock_wait_s"] = max(0.0, float(args.lock_wait))
    return options


def create_first(args, connections) -> int | None:
    """``--create-backend``: make the backend before the run; an exit code when it failed."""
    from dtwin_gui.app.backend import BackendProblem, create_backend

    if not getattr(args, "create_backend", False):
        return None
    config = args.backend or _configured(args.target)
    try:
        report = create_backend(config, connections, log=lambda line: print(f"   backend: {line}"))
    except BackendProblem as exc:
        print(f"dtwin: the backend could not be made: {exc}", file=sys.stderr)
        return EXIT_FAIL
    for weakness in report.weaknesses:
        print(f"dtwin: warning: {config.describe()}: {weakness}", file=sys.stderr)
    return None


def _configured(target: str):
    from dtwin_gui.settings import load_settings

    return load_settings().backend_for(target)


# --- dtwin backend ... --------------------------------------------------------------------------
def cmd_backend(args) -> int:
    from dtwin_gui.app.backend import BackendProblem, check_backend, create_backend, save_backend
    from dtwin_gui.settings import load_settings

    if args.action == "show":
        settings = load_settings()
        config = settings.backend_for(args.target)
        if args.json:
            data = {"target": args.target, "backend": config.to_url()}
            print(json.dumps({**data, "move_existing": settings.moves_state(args.target)}))
        else:
            print(f"{args.target}: {config.describe()}")
        return EXIT_OK
    if args.url is None:
        print(f"dtwin: backend {args.action} needs the backend URL", file=sys.stderr)
        return EXIT_USAGE
    if args.action == "set":
        try:
            where = save_backend(args.target, args.url, move_existing=args.move_existing)
        except BackendProblem as exc:
            print(f"dtwin: {exc}", file=sys.stderr)
            return EXIT_FAIL
        print(f"{args.target} now keeps its state in {args.url.describe()} (saved in {where})")
        return EXIT_OK
    from dtwin_gui.cli.deploy import resolve_target

    connections = resolve_target(args.target)
    try:
        if args.action == "create":
            report = create_backend(args.url, connections, log=lambda line: print(f"  {line}"))
        else:
            report = check_backend(args.url, connections)
    except BackendProblem as exc:
        print(f"dtwin: {exc}", file=sys.stderr)
        return EXIT_FAIL
    if args.json:
        print(json.dumps({"done": report.done, "settings": report.settings}, indent=2))
    for weakness in report.weaknesses:
        print(f"dtwin: warning: {args.url.describe()}: {weakness}", file=sys.stderr)
    if args.action == "check" and not report.weaknesses:
        print(f"{args.url.describe()}: versioned, encrypted, not public")
    return EXIT_FAIL if report.weaknesses else EXIT_OK


def register(sub) -> None:
    p = sub.add_parser(
        "backend", help="where a target keeps its Terraform state (for working as a team)"
    )
    p.add_argument("action", choices=("show", "set", "create", "check"))
    p.add_argument("url", nargs="?", type=_backend_url, help="the backend (see dtwin deploy -h)")
    p.add_argument("--target", choices=("sandbox", "aws"), default="sandbox")
    p.add_argument(
        "--move-existing",
        action="store_true",
        help="set: a deploy that finds the state elsewhere moves it here",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_backend)
