"""``dtwin deploy | status | destroy | simulate | unlock``: the deployment commands."""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path

from dtwin_gui.core.run_events import (
    DiagnosticEvent,
    Event,
    LogEvent,
    OutcomeEvent,
    PhaseEvent,
    ResourceEvent,
)

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130


def resolve_target(name: str):
    """The :class:`~dtwin_gui.clouds.base.Connections` of ``--target name``; the sandbox is
    started when needed (and the start announced on stderr)."""
    from dtwin_gui.app import connections

    def starting() -> None:  # say so: starting it takes seconds, and it is a side effect
        print("starting the sandbox…", file=sys.stderr, flush=True)

    def ready(where: str) -> None:
        print(f"sandbox ready on {where}", file=sys.stderr, flush=True)

    try:
        return connections.for_target(name, starting=starting, ready=ready)
    except connections.SandboxUnavailable as exc:
        print(f"dtwin: cannot start the sandbox: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_FAIL) from None


def _printer(as_json: bool):
    def show(event: Event) -> None:
        if as_json:
            print(json.dumps(event.to_json()), flush=True)
            return
        if isinstance(event, PhaseEvent):
            if event.state in ("finished", "skipped", "failed", "cancelled"):
                extra = f" ({event.message})" if event.message else ""
                print(f"== {event.phase}: {event.state} in {event.elapsed:.1f}s{extra}", flush=True)
            else:
                print(f"== {event.phase}", flush=True)
        elif isinstance(event, ResourceEvent):
            if event.state not in ("pending",):
                error = f" — {event.error}" if event.error else ""
                print(f"   [{event.layer}] {event.address}: {event.state}{error}", flush=True)
        elif isinstance(event, DiagnosticEvent):
            where = f"{event.address}: " if event.address else ""  # file:line:col, resource
            print(f"   {event.severity}: {where}{event.summary}", flush=True)
            if event.detail:
                print(f"      {event.detail}", flush=True)
        elif isinstance(event, LogEvent):
            if event.level in ("warning", "error") or event.source in ("build", "dtwin"):
                print(f"   {event.source}: {event.message}", flush=True)
        elif isinstance(event, OutcomeEvent):
            print(f"{event.status.upper()}: {event.message}", flush=True)
            if event.hint:
                print(f"   hint: {event.hint}", flush=True)

    return show


def _run_cancellable(deployment, action):
    """Run ``action`` so that Ctrl+C cancels the deployment safely (exit code 130)."""
    result: dict = {}

    def work() -> None:
        try:
            result["value"] = action()
        except BaseException as exc:  # re-raised below, in the main thread
            result["error"] = exc

    worker = threading.Thread(target=work, name="deploy")
    previous = signal.signal(signal.SIGINT, lambda *_: deployment.cancel())
    try:
        worker.start()
        while worker.is_alive():
            worker.join(0.2)
    finally:
        signal.signal(signal.SIGINT, previous)
    if "error" in result:
        raise result["error"]
    return result["value"]


def cmd_deploy(args) -> int:
    from dtwin_gui.app.deploy import open_deployment
    from dtwin_gui.cli.backend import create_first, team_options

    connections = resolve_target(args.target)
    failed = create_first(args, connections)
    if failed is not None:
        return failed
    deployment = open_deployment(
        Path(args.path), connections, sink=_printer(args.json), **team_options(args)
    )

    def confirm(plan) -> bool:
        if args.auto_approve:
            return True
        if not sys.stdin.isatty():
            print("dtwin: the plan needs confirmation; run with --auto-approve", file=sys.stderr)
            return False
        print(f"Plan: {plan.add} to add, {plan.change} to change, {plan.destroy} to destroy.")
        return input("Apply? [y/N] ").strip().lower() in ("y", "yes")

    refresh = bool(getattr(args, "refresh", False))
    result = _run_cancellable(
        deployment, lambda: deployment.deploy(confirm=confirm, refresh=refresh)
    )
    return result.exit_code


def cmd_destroy(args) -> int:
    from dtwin_gui.app.deploy import open_deployment
    from dtwin_gui.cli.backend import team_options

    if not args.yes:
        if not sys.stdin.isatty():
            print("dtwin: destroy needs confirmation; run with --yes", file=sys.stderr)
            return EXIT_USAGE
        answer = input(f"Destroy everything deployed from {args.path}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            return EXIT_CANCELLED
    deployment = open_deployment(
        Path(args.path), resolve_target(args.target), sink=_printer(args.json), **team_options(args)
    )
    return _run_cancellable(deployment, deployment.destroy).exit_code


def _hops(deployment, report) -> list:
    """Each cross-cloud hop's health, or none when nothing is deployed or the logs cannot
    be read (the status stands without them)."""
    from dtwin_gui.deploy.hop_health import deployment_hops

    if report.empty:
        return []
    try:
        return deployment_hops(deployment)
    except Exception as exc:  # one line, not a traceback: the layers were still checked
        print(f"the cross-cloud hops could not be read: {exc}", file=sys.stderr)
        return []


def cmd_status(args) -> int:
    from dtwin_gui.app.deploy import open_deployment

    deployment = open_deployment(Path(args.path), resolve_target(args.target))
    report = deployment.status()
    hops = _hops(deployment, report)
    # Something deployed that the cloud no longer has is a failure (exit 1): deploy repairs it.
    code = EXIT_FAIL if report.incomplete else EXIT_OK
    if args.json:
        print(json.dumps({**report.to_json(), "hops": [h.to_json() for h in hops]}, indent=2))
        return code
    print(f"{report.twin_name} on {report.target}:")
    for layer, status in report.layers.items():
        cloud = f" ({status.cloud})" if status.cloud else ""
        print(f"  {layer:<11}{cloud:<9} {status.summary}  [{len(status.resources)} resources]")
        for missing in status.missing:
            print(f"      missing: {missing}")
    if report.setup:
        gone = report.missing_setup
        what = f"{len(gone)} of {len(report.setup)} missing" if gone else "shared by all layers"
        print(f"  {'setup':<11}{' (aws)':<9} {what}  [{len(report.setup)} resources]")
        for resource in gone:
            print(f"      missing: {resource.kind} {resource.name} ({resource.address})")
    if hops:
        print("cross-cloud hops (from the glue logs since the deploy):")
    for hop in hops:
        last = f"last message {hop.last_ok}" if hop.last_ok else "no message"
        line = f"  {hop.title:<15} {hop.source_cloud}->{hop.target_cloud:<7} {hop.state:<8} {last}"
        print(line + (f", {hop.failed} failed" if hop.failed else ""))
        if hop.failures:
            print(
                f"      latest failure: {hop.failures[0].time} {hop.failures[0].side}: "
                f"{hop.failures[0].message}"
            )
        elif hop.detail and hop.state != "idle":
            print(f"      {hop.detail}")
    if report.incomplete:
        target = "" if args.target == "sandbox" else f" --target {args.target}"
        print(
            "resources of this twin are missing in the cloud; deploy again to recreate them: "
            f"dtwin deploy {args.path}{target} (Deploy page in the app)",
            file=sys.stderr,
        )
    return code


def cmd_simulate(args) -> int:
    from dtwin_gui.app.deploy import simulate
    from dtwin_gui.deploy.simulate import SimulationError

    refusal = _not_deployed(args)
    if refusal:
        print(f"dtwin: {refusal}", file=sys.stderr)
        return EXIT_FAIL
    try:
        result = simulate(
            Path(args.path), resolve_target(args.target), count=args.count, listen_s=args.listen
        )
    except SimulationError as exc:
        print(f"dtwin: {exc}", file=sys.stderr)
        return EXIT_FAIL
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        for sent in result.sent:
            print(f"sent {sent.device_id} at {sent.timestamp} (trace {sent.trace_id})")
        print(f"{len(result.sent)} message(s) published")
        for item in result.feedback:
            print(f"feedback to {item.device_id}: {item.text}")
        if args.listen:
            print(f"{len(result.feedback)} feedback message(s) in {args.listen:g} s")
    return EXIT_OK


def cmd_unlock(args) -> int:
    from dtwin_gui.app import connections
    from dtwin_gui.app.deploy import LockStillHeld, NoLockHeld, UnlockFailed, unlock

    # The sandbox is not started for it: the lock of a local state is a file.
    from dtwin_gui.cli.backend import team_options

    made = connections.lock_sandbox() if args.target == "sandbox" else resolve_target(args.target)
    try:
        unlock(Path(args.path), made, args.lock_id, **team_options(args))
    except NoLockHeld:
        print(
            f"dtwin: no state lock {args.lock_id} is held (the state of {args.path} on "
            f"{args.target} is not locked); nothing to release",
            file=sys.stderr,
        )
        return EXIT_FAIL
    except LockStillHeld:
        print(
            f"dtwin: state lock {args.lock_id} is held by a run that is still going; "
            "let it finish or cancel it (nothing was released)",
            file=sys.stderr,
        )
        return EXIT_FAIL
    except UnlockFailed as exc:
        print(f"dtwin: {exc}", file=sys.stderr)
        return EXIT_FAIL
    print(f"state lock {args.lock_id} released")
    return EXIT_OK


def _not_deployed(args) -> str | None:
    """Why a command that needs a deployed twin cannot run (None when it can); no cloud call,
    and the sandbox is not started for it."""
    from dtwin_gui.app.deploy import NEVER_DEPLOYED, why_not_deployed

    why = why_not_deployed(Path(args.path), args.target)
    if why == NEVER_DEPLOYED:
        return (
            f"nothing is deployed from this project to {args.target}: deploy first "
            f"(dtwin deploy {args.path}"
            + ("" if args.target == "sandbox" else " --target aws")
            + ")"
        )
    if why is not None:
        return (
            "the sandbox is not running, so the twin deployed to it is gone (the sandbox "
            f"keeps everything in memory): deploy again (dtwin deploy {args.path})"
        )
    return None


def register(sub) -> None:
    """Add the deployment subcommands to the ``dtwin`` parser."""
    from dtwin_gui.cli.backend import add_backend_options

    def common(p, *, json_help="print events as JSON Lines"):
        p.add_argument("path", help="project folder")
        p.add_argument(
            "--target",
            choices=("sandbox", "aws"),
            default="sandbox",
            help="where to deploy (default: the embedded sandbox)",
        )
        p.add_argument("--json", action="store_true", help=json_help)

    p = sub.add_parser("deploy", help="deploy the project (Terraform + SDK steps)")
    common(p)
    p.add_argument("--auto-approve", action="store_true", help="apply without asking")
    p.add_argument(
        "--refresh",
        action="store_true",
        help="run the full Terraform plan even when nothing changed since the last deploy "
        "(finds and repairs drift in the cloud)",
    )
    add_backend_options(p, deploy=True)
    p.add_argument(
        "--create-backend",
        action="store_true",
        help="first make the backend's bucket (versioned, encrypted, not public) if missing",
    )
    p.set_defaults(func=cmd_deploy)

    p = sub.add_parser("status", help="what is deployed, per layer")
    common(p, json_help="machine-readable output")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("destroy", help="remove everything deployed from the project")
    common(p)
    p.add_argument("--yes", action="store_true", help="do not ask")
    add_backend_options(p, deploy=True)
    p.set_defaults(func=cmd_destroy)

    p = sub.add_parser("simulate", help="send test telemetry from payloads.json through L1")
    common(p, json_help="machine-readable output")
    p.add_argument("--count", type=int, default=None, help="messages to send")
    p.add_argument(
        "--listen",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="then listen that long for the devices' feedback and show it",
    )
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser(
        "unlock", help="release a stuck Terraform state lock or twin deploy lock (after a crash)"
    )
    p.add_argument("path", help="project folder")
    p.add_argument("lock_id", help="the lock id shown by the failed run")
    p.add_argument("--target", choices=("sandbox", "aws"), default="sandbox")
    add_backend_options(p)
    p.set_defaults(func=cmd_unlock)
