"""The Lambda workers' fork server: an interpreter that has imported boto3 once, forked for
each new worker (a cold start forks a warm interpreter instead of starting one and importing
boto3 again: ~0.2 s of CPU per worker start).

Executed by file path (``python worker_zygote.py FD PADDING``), like ``lambda_worker.py``,
so that it imports nothing from the dtwin installation: a worker must import the ``dtwin_gui``
of its own package, which is first on its ``sys.path``. Standard library and boto3 only.

Protocol on the UNIX socket ``FD`` (from :mod:`.fork_server`): the host sends one JSON
request (``{"worker", "code_dir", "handler", "env"}``) with the worker's stdin, stdout and
stderr pipes attached; the zygote forks and answers ``{"pid": ...}`` with the child's pidfd
attached (how the host, not its parent, sees it end). The child becomes what
``python lambda_worker.py CODE_DIR HANDLER`` would be: its own session, those pipes as fds
0-2, the code folder as working directory, exactly the function's environment, the same
``sys.path`` and command line; then it runs ``lambda_worker.py`` as ``__main__``.

The first line on the socket lists the top-level modules imported here; the host starts a
worker the usual way when its package has a module of such a name (the package's own would
not be imported).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import socket
import sys

#: How often an idle zygote reaps the workers that ended.
REAP_EVERY_S = 1.0


def _preload() -> None:
    """Import what a function's first boto3 client imports, without reading any settings."""
    os.environ["AWS_CONFIG_FILE"] = os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    import boto3
    import boto3.dynamodb.conditions
    import boto3.dynamodb.types
    import botocore.config  # noqa: F401

    session = boto3.session.Session(
        aws_access_key_id="zygote", aws_secret_access_key="zygote", region_name="us-east-1"
    )
    # Clients import their machinery lazily (endpoint rules, retries, parsers, signers).
    for service in ("lambda", "dynamodb", "s3", "iot-data"):
        session.client(service, endpoint_url="http://127.0.0.1:9")
    session.resource("dynamodb", endpoint_url="http://127.0.0.1:9")
    del session
    del os.environ["AWS_CONFIG_FILE"], os.environ["AWS_SHARED_CREDENTIALS_FILE"]


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _set_cmdline(args: list[str]) -> None:
    """Show ``args`` as this process's command line (``ps``, ``/proc/PID/cmdline``): written
    over the zygote's own, which a padding argument made long enough. The rest of that
    room is spaces after the first argument (the interpreter's path): NULs would read as
    empty arguments after the last, and the last argument stays exact."""
    import ctypes

    with open("/proc/self/stat", "rb") as stat:
        fields = stat.read().rsplit(b")", 1)[1].split()
    start, end = int(fields[45]), int(fields[46])  # arg_start, arg_end (fields 48, 49)
    rest = b"\0" + b"\0".join(a.encode() for a in args[1:]) + b"\0"
    room = end - start - len(rest)
    first = args[0].encode()
    if room < len(first):
        return  # too long to fit: the zygote's command line stays
    ctypes.memmove(start, first.ljust(room) + rest, end - start)


def _child(request: dict, fds: list[int], server: socket.socket) -> None:
    """In the forked child: become the worker; never returns."""
    code = 1
    try:
        server.close()
        os.setsid()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        worker, code_dir = request["worker"], request["code_dir"]
        os.chdir(code_dir)
        os.environ.clear()
        os.environ.update(request["env"])
        import time

        time.tzset()  # (random reseeds itself in a forked child: os.register_at_fork)
        args = [worker, code_dir, request["handler"]]
        _set_cmdline([sys.executable, *args])
        sys.argv = args
        import runpy

        try:
            runpy.run_path(worker, run_name="__main__")
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


def serve(server: socket.socket) -> None:
    modules = sorted({name.partition(".")[0] for name in sys.modules})
    server.sendall((json.dumps({"modules": modules}) + "\n").encode())
    while True:
        if not select.select([server], [], [], REAP_EVERY_S)[0]:
            _reap()
            continue
        message, fds, _, _ = socket.recv_fds(server, 1 << 16, 3)
        if not message:
            return  # the host closed its end (stopped or gone)
        request = json.loads(message)
        pid = os.fork()
        if pid == 0:
            _child(request, fds, server)
        for fd in fds:
            os.close(fd)
        # Opened before any reaping: the child (a zombie at worst) cannot be gone yet.
        pidfd = os.pidfd_open(pid)
        try:
            socket.send_fds(server, [(json.dumps({"pid": pid}) + "\n").encode()], [pidfd])
        finally:
            os.close(pidfd)
        _reap()


def main() -> int:
    server = socket.socket(fileno=int(sys.argv[1]))
    _preload()
    try:
        serve(server)
    except (ConnectionError, OSError):
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
