"""Who is changing one deployment right now: an OS file lock per project and target.

Every run of :class:`~dtwin_gui.deploy.orchestrator.Deployment` (deploy, plan, destroy)
holds ``<workspace>/targets/<target>/run.lock`` *shared* while it runs, so runs of the
same deployment keep meeting where they always met (Terraform's state lock). A one-function
update (:mod:`dtwin_gui.deploy.update_function`) needs the deployment to itself: it takes
the lock *exclusive* and without waiting, so it refuses while any run is going, and a run
started during an update waits the few seconds the update takes (saying so in its log).

The lock is the kernel's (``flock``): it dies with its process, so a crash never leaves it
behind. Without ``fcntl`` (Windows) only runs of this process are seen.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

LOCK_FILE = "run.lock"
#: Beside the lock: what holds it exclusively (for the message of the one refused).
HOLDER_FILE = "run.lock.json"
_POLL_S = 0.2

try:
    import fcntl
except ImportError:  # Windows: an in-process lock stands in
    fcntl = None  # type: ignore[assignment]

_local = threading.Lock()
_local_holders: dict[str, int] = {}  # path -> shared count, -1 when held exclusively


class RunBusy(Exception):
    """Another run of this deployment holds the lock; the message says which, if known."""


def _open(root: Path) -> int:
    path = Path(root) / LOCK_FILE
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)


def _try(fd: int, path: str, exclusive: bool) -> bool:
    if fcntl is not None:
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except OSError:
            return False
        return True
    with _local:
        held = _local_holders.get(path, 0)
        if held < 0 or (exclusive and held > 0):
            return False
        _local_holders[path] = -1 if exclusive else held + 1
        return True


def _release(fd: int, path: str) -> None:
    if fcntl is None:
        with _local:
            held = _local_holders.get(path, 0)
            _local_holders[path] = 0 if held < 0 else max(0, held - 1)
    os.close(fd)  # closing the descriptor releases the flock


def holder(root: Path) -> str:
    """What holds the lock exclusively, in words ("" when not known)."""
    try:
        data = json.loads((Path(root) / HOLDER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    return str(data.get("what", "")) if isinstance(data, dict) else ""


@contextlib.contextmanager
def exclusive(root: Path, what: str) -> Iterator[None]:
    """Hold the deployment to ourselves, or raise :class:`RunBusy` at once."""
    root = Path(root)
    fd = _open(root)
    path = str(root / LOCK_FILE)
    if not _try(fd, path, exclusive=True):
        os.close(fd)
        raise RunBusy("a deploy, plan or destroy of this twin is running")
    info = root / HOLDER_FILE
    try:
        fd_info = os.open(info, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd_info, "w", encoding="utf-8") as handle:
            json.dump({"what": what, "pid": os.getpid()}, handle)
        yield
    finally:
        info.unlink(missing_ok=True)
        _release(fd, path)


@contextlib.contextmanager
def shared(
    root: Path,
    log: Callable[[str], None] = lambda message: None,
    cancelled: Callable[[], bool] = lambda: False,
) -> Iterator[None]:
    """Hold the lock shared for a run; while an update holds it, wait (logging why) until
    it is done or the run is cancelled (then the run goes on unlocked and stops at its
    first cancel check)."""
    root = Path(root)
    fd = _open(root)
    path = str(root / LOCK_FILE)
    locked = _try(fd, path, exclusive=False)
    if not locked:
        busy = holder(root) or "a one-function update"
        log(f"waiting for {busy} of this twin to finish")
        while not locked and not cancelled():
            time.sleep(_POLL_S)
            locked = _try(fd, path, exclusive=False)
    try:
        yield
    finally:
        if locked:
            _release(fd, path)
        else:
            os.close(fd)


def during_run(deployment, log) -> contextlib.AbstractContextManager:
    """The lock a run of ``deployment`` holds (none when the run is an update that holds it
    exclusively already)."""
    if getattr(deployment, "holds_run_lock", False):
        return contextlib.nullcontext()
    from dtwin_gui.core.run_events import LogEvent

    return shared(
        deployment.workspace.root,
        lambda message: log(LogEvent("dtwin", "warning", message)),
        deployment._cancel.is_set,
    )
