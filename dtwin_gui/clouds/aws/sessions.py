"""boto3 sessions and clients reused per target, for a few minutes.

A new ``boto3.session.Session`` parses the service's JSON model again (tens of thousands of
dicts) for every client it makes, and the session is a web of reference cycles: a deploy,
a status refresh or a leftovers scan that made fresh clients left a few hundred thousand
objects that only the cyclic collector frees. In the desktop app that collector runs on the
GUI thread, and the window stalled for 100-200 ms each time (``bench/bench_gui_stall.py``).

Here one session per target key lives for :data:`MAX_AGE_S` (so a changed profile or a
renewed SSO sign-in is picked up within minutes, and at once after :func:`forget`), and its
clients are reused: boto3 clients are safe to share between threads. A session is not, so
making a client or a resource from it holds that session's lock. Resources (not shareable
between threads) are made fresh on each call, from the cached session's parsed models.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

#: How long a session and its clients are reused, in seconds.
MAX_AGE_S = 600.0
#: How many target keys are kept (tests make a new sandbox endpoint each time).
MAX_ENTRIES = 16


@dataclass
class _Entry:
    session: object
    born: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    clients: dict[Hashable, object] = field(default_factory=dict)


_entries: OrderedDict[Hashable, _Entry] = OrderedDict()
_lock = threading.Lock()


def _entry(key: Hashable, make_session: Callable[[], object]) -> _Entry:
    now = time.monotonic()
    with _lock:
        entry = _entries.get(key)
        if entry is None or now - entry.born >= MAX_AGE_S:
            entry = _entries[key] = _Entry(make_session(), now)
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
        return entry


def client(
    key: Hashable,
    make_session: Callable[[], object],
    name: Hashable,
    make: Callable[[object], object],
):
    """The client ``name`` of the session for ``key``; ``make(session)`` creates it once."""
    entry = _entry(key, make_session)
    with entry.lock:
        found = entry.clients.get(name)
        if found is None:
            found = entry.clients[name] = make(entry.session)
        return found


def resource(key: Hashable, make_session: Callable[[], object], make: Callable[[object], object]):
    """A new ``make(session)`` (a boto3 resource) from the cached session for ``key``."""
    entry = _entry(key, make_session)
    with entry.lock:
        return make(entry.session)


def forget() -> None:
    """Drop every cached session and client (after the user changed credentials)."""
    with _lock:
        _entries.clear()
