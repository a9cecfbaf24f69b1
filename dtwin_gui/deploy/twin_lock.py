"""The deploy lock of one twin: one deploy or destroy at a time, across machines.

Terraform's own state lock covers each plan and apply; a deploy also runs SDK steps and
provisioners outside Terraform, which must not run twice at once for one twin either. With a
remote backend the whole deploy or destroy holds :class:`TwinLock`, one object beside the
state (``<state>.dtwin/deploy.lock``, :func:`dtwin_gui.iac.backend.records_prefix`), made
with a conditional write that fails when it exists (S3 ``If-None-Match: *``, Azure Blob the
same, GCS ``ifGenerationMatch=0``)::

    {"lock_id", "who": "user@host", "operation": "deploy", "since", "refreshed", "pid",
     "run_id", "stale_after_s"}

While held, a heartbeat thread rewrites ``refreshed`` every quarter of ``stale_after_s``
(conditionally on its own version, so a lock someone broke is never written back). It is
released when the run ends, also when it fails (the run's ``finish``). A holder that died
(killed, crashed, lost the network) stops refreshing: once ``refreshed`` is older than
``stale_after_s`` the lock is reported *stale*, naming who held it and since when, with the
command that releases it (:func:`break_lock`, ``dtwin unlock PATH LOCK_ID``). A stale lock is
never taken over silently: a slow network can make a live holder look dead.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from dtwin_gui.deploy.remote_objects import ObjectConflict, ObjectStore, ObjectStoreError

LOCK_NAME = "deploy.lock"
#: A lock whose holder has not refreshed it for this long is stale (10 minutes).
DEFAULT_STALE_AFTER_S = 600.0
POLL_S = 2.0


def who_am_i() -> str:
    """``user@host`` of this process."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name (some containers)
        user = str(os.getuid()) if hasattr(os, "getuid") else "someone"
    return f"{user}@{socket.gethostname()}"


def _iso(at: float) -> str:
    stamp = datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


def _seconds(iso: str) -> float | None:
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except (ValueError, AttributeError):
        return None


def _span(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


@dataclass(frozen=True)
class LockHolder:
    """Who holds the deploy lock, as written in the lock object."""

    lock_id: str
    who: str
    operation: str
    since: str
    refreshed: str
    pid: int = 0
    run_id: str = ""
    stale_after_s: float = DEFAULT_STALE_AFTER_S

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> LockHolder:
        """The holder in a lock object; an unreadable one is a holder nobody can name (and
        stale, so it can be released)."""
        try:
            raw = json.loads(data)
            return cls(
                lock_id=str(raw["lock_id"]),
                who=str(raw.get("who") or "someone"),
                operation=str(raw.get("operation") or "deploy"),
                since=str(raw.get("since") or ""),
                refreshed=str(raw.get("refreshed") or raw.get("since") or ""),
                pid=int(raw.get("pid") or 0),
                run_id=str(raw.get("run_id") or ""),
                stale_after_s=float(raw.get("stale_after_s") or DEFAULT_STALE_AFTER_S),
            )
        except (ValueError, TypeError, KeyError):
            return cls("unreadable", "someone (the lock object is unreadable)", "deploy", "", "")

    def silent_for(self, now: float) -> float | None:
        """Seconds since the holder last refreshed the lock (None: unknown)."""
        refreshed = _seconds(self.refreshed)
        return None if refreshed is None else now - refreshed

    def is_stale(self, now: float, stale_after_s: float | None = None) -> bool:
        silent = self.silent_for(now)
        limit = self.stale_after_s if stale_after_s is None else stale_after_s
        return silent is None or silent > limit

    def describe(self) -> str:
        run = f", run {self.run_id}" if self.run_id else ""
        pid = f", pid {self.pid}" if self.pid else ""
        return f"{self.who} ({self.operation} since {self.since or 'an unknown time'}{run}{pid})"


class TwinLocked(Exception):
    """Another run holds the twin's deploy lock (``stale``: its holder stopped refreshing)."""

    def __init__(self, holder: LockHolder, where: str, *, stale: bool, now: float) -> None:
        self.holder, self.where, self.stale = holder, where, stale
        if stale:
            silent = holder.silent_for(now)
            quiet = "never" if silent is None else f"last {_span(silent)} ago"
            message = (
                f"the twin's deploy lock at {where} is stale: it is held by "
                f"{holder.describe()}, which refreshed it {quiet} (the timeout is "
                f"{_span(holder.stale_after_s)}); that run has most likely stopped"
            )
            self.hint = (
                "if no deploy or destroy of this twin is running on any computer, release the "
                f"lock: dtwin unlock PATH {holder.lock_id} (then run again)"
            )
        else:
            message = (
                f"the twin is locked: {holder.describe()} holds its deploy lock at {where}; "
                "one deploy or destroy runs at a time"
            )
            self.hint = (
                "wait for that run to finish, then run again (dtwin deploy --lock-wait SECONDS "
                "waits for it)"
            )
        super().__init__(message)


class NoTwinLock(LookupError):
    """Nothing holds the deploy lock."""


class TwinLock:
    """The deploy lock of the twin whose lock object is ``key`` in ``objects``."""

    def __init__(
        self,
        objects: ObjectStore,
        key: str,
        *,
        operation: str = "deploy",
        run_id: str = "",
        stale_after_s: float = DEFAULT_STALE_AFTER_S,
        who: str | None = None,
        log: Callable[[str, str], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.objects, self.key = objects, key
        self.operation, self.run_id = operation, run_id
        self.stale_after_s = float(stale_after_s)
        self.who = who or who_am_i()
        self._log = log or (lambda level, message: None)
        self._clock = clock
        self._version = ""
        self._holder: LockHolder | None = None
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None
        self._guard = threading.Lock()
        #: Set when someone else's lock replaced ours while we held it.
        self.lost: LockHolder | None = None

    @property
    def held(self) -> bool:
        return self._holder is not None

    @property
    def holder(self) -> LockHolder | None:
        return self._holder

    def where(self) -> str:
        return self.objects.where(self.key)

    # --- acquire / release ---------------------------------------------------------------------
    def acquire(
        self,
        *,
        wait_s: float = 0.0,
        poll_s: float = POLL_S,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> LockHolder:
        """Take the lock, waiting up to ``wait_s`` for a live holder to release it.

        Raises :class:`TwinLocked` (at once for a stale lock, after ``wait_s`` for a live one),
        :class:`InterruptedError` when ``cancelled()`` while waiting, or
        :class:`~dtwin_gui.deploy.remote_objects.ObjectStoreError`.
        """
        deadline = time.monotonic() + max(0.0, wait_s)
        announced = ""
        while True:
            now = self._clock()
            mine = LockHolder(
                uuid.uuid4().hex[:12], self.who, self.operation, _iso(now), _iso(now),
                os.getpid(), self.run_id, self.stale_after_s,
            )  # fmt: skip
            try:
                self._version = self.objects.put(self.key, mine.to_bytes(), if_absent=True)
            except ObjectConflict:
                found = self.objects.get(self.key)
                if found is None:  # released between our write and our read: try again
                    continue
                other = LockHolder.from_bytes(found.data)
                if other.is_stale(now):
                    raise TwinLocked(other, self.where(), stale=True, now=now) from None
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TwinLocked(other, self.where(), stale=False, now=now) from None
                if announced != other.lock_id:
                    announced = other.lock_id
                    self._log(
                        "warning",
                        f"waiting up to {_span(remaining)} for the deploy lock held by "
                        f"{other.describe()}",
                    )
                end = time.monotonic() + min(poll_s, remaining)
                while time.monotonic() < end:
                    if cancelled():
                        raise InterruptedError(
                            "cancelled while waiting for the deploy lock"
                        ) from None
                    time.sleep(min(0.2, poll_s))
                continue
            self._holder = mine
            self._start_heartbeat()
            self._log("info", f"holding the twin's deploy lock {mine.lock_id} at {self.where()}")
            return mine

    def release(self) -> bool:
        """Remove our lock (only ours); True when it was ours to remove."""
        self._stop.set()
        if self._beat is not None:
            self._beat.join(timeout=30)
        with self._guard:
            holder, self._holder = self._holder, None
            if holder is None:
                return False
            try:
                self.objects.delete(self.key, if_version=self._version)
            except ObjectConflict:
                found = self.objects.get(self.key)
                other = LockHolder.from_bytes(found.data) if found else None
                self._log(
                    "warning",
                    "the deploy lock was no longer this run's when it ended"
                    + (f" (now held by {other.describe()})" if other else "")
                    + ": it was left as it is",
                )
                return False
            except ObjectStoreError as exc:
                self._log(
                    "warning",
                    f"the deploy lock {holder.lock_id} could not be released ({exc}); it turns "
                    f"stale after {_span(self.stale_after_s)}, or release it: dtwin unlock PATH "
                    f"{holder.lock_id}",
                )
                return False
        self._log("info", f"released the twin's deploy lock {holder.lock_id}")
        return True

    def __enter__(self) -> TwinLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    # --- heartbeat -----------------------------------------------------------------------------
    def _start_heartbeat(self) -> None:
        self._stop.clear()
        self._beat = threading.Thread(target=self._heartbeat, name="twin-lock", daemon=True)
        self._beat.start()

    def _heartbeat(self) -> None:
        interval = max(0.05, self.stale_after_s / 4)
        while not self._stop.wait(interval):
            with self._guard:
                holder = self._holder
                if holder is None:
                    return
                fresh = LockHolder(**{**asdict(holder), "refreshed": _iso(self._clock())})
                try:
                    self._version = self.objects.put(
                        self.key, fresh.to_bytes(), if_version=self._version
                    )
                    self._holder = fresh
                except ObjectConflict:
                    found = self.objects.get(self.key)
                    self.lost = LockHolder.from_bytes(found.data) if found else holder
                    self._holder = None
                    self._log(
                        "error",
                        "this run's deploy lock was released by someone else"
                        + (f" and is now held by {self.lost.describe()}" if found else "")
                        + "; stop other runs of this twin before deploying again",
                    )
                    return
                except ObjectStoreError as exc:  # keep trying: the network may come back
                    self._log("warning", f"the deploy lock could not be refreshed: {exc}")


def read_holder(objects: ObjectStore, key: str) -> LockHolder | None:
    """Who holds the lock at ``key`` (None: nobody)."""
    found = objects.get(key)
    return LockHolder.from_bytes(found.data) if found else None


def break_lock(objects: ObjectStore, key: str, lock_id: str) -> LockHolder:
    """Remove the deploy lock ``lock_id`` (and only that one) after its run died.

    Raises :class:`NoTwinLock` when nothing holds it and :class:`ValueError` when another
    lock holds it (its id is in the message)."""
    found = objects.get(key)
    if found is None:
        raise NoTwinLock(f"nothing holds the deploy lock at {objects.where(key)}")
    holder = LockHolder.from_bytes(found.data)
    if holder.lock_id != lock_id:
        raise ValueError(
            f"the deploy lock at {objects.where(key)} is {holder.lock_id}, held by "
            f"{holder.describe()}, not {lock_id}: refusing to release it"
        )
    objects.delete(key, if_version=found.version)
    return holder
