"""The twin's deploy lock (issue 17): one deploy or destroy at a time, who holds it, stale
locks, release only of one's own, a SIGKILLed holder.

The lock logic is tested on :class:`MemoryObjects` (a complete store in memory, not a mock)
and on S3 in the emulated AWS (moto behind the sandbox gateway: real conditional writes).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.clouds.aws.state_backend import state_backend
from dtwin_gui.deploy.remote_objects import MemoryObjects, ObjectConflict
from dtwin_gui.deploy.twin_lock import (
    LockHolder,
    NoTwinLock,
    TwinLock,
    TwinLocked,
    break_lock,
    read_holder,
    who_am_i,
)
from dtwin_gui.iac.backend import parse_backend

KEY = "dtwin/factory/terraform.tfstate.dtwin/deploy.lock"


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_one_holder_at_a_time_and_the_refusal_names_it():
    objects = MemoryObjects("s3")
    first = TwinLock(objects, KEY, operation="deploy", run_id="run-1", who="alice@laptop")
    held = first.acquire()
    assert held.who == "alice@laptop" and read_holder(objects, KEY) == held
    with pytest.raises(TwinLocked) as refused:
        TwinLock(objects, KEY, operation="destroy", who="bob@desk").acquire()
    assert not refused.value.stale
    message = str(refused.value)
    assert "alice@laptop (deploy since " in message and "run run-1" in message
    assert "s3://" + KEY in message
    assert "--lock-wait" in refused.value.hint
    assert first.release() is True
    assert objects.get(KEY) is None
    second = TwinLock(objects, KEY, who="bob@desk")
    assert second.acquire().who == "bob@desk"
    second.release()


def test_a_waiter_gets_the_lock_when_the_holder_releases_it():
    objects = MemoryObjects()
    holder = TwinLock(objects, KEY, who="alice@laptop")
    holder.acquire()
    lines: list[str] = []
    timer = threading.Timer(0.5, holder.release)
    timer.start()
    waiter = TwinLock(objects, KEY, who="bob@desk", log=lambda level, m: lines.append(m))
    started = time.monotonic()
    assert waiter.acquire(wait_s=10, poll_s=0.1).who == "bob@desk"
    assert 0.3 < time.monotonic() - started < 5
    assert any("waiting up to" in line and "alice@laptop" in line for line in lines)
    timer.join()
    waiter.release()


def test_waiting_ends_with_the_holder_named_or_when_cancelled():
    objects = MemoryObjects()
    TwinLock(objects, KEY, who="alice@laptop").acquire()
    with pytest.raises(TwinLocked, match="alice@laptop"):
        TwinLock(objects, KEY).acquire(wait_s=0.3, poll_s=0.1)
    with pytest.raises(InterruptedError):
        TwinLock(objects, KEY).acquire(wait_s=30, poll_s=0.1, cancelled=lambda: True)


def test_a_lock_not_refreshed_within_its_timeout_is_stale_and_says_how_to_release_it():
    objects, clock = MemoryObjects(), Clock()
    dead = TwinLock(objects, KEY, who="alice@laptop", stale_after_s=60, clock=clock)
    dead.acquire()
    dead._stop.set()  # the holder dies: no more heartbeats
    clock.now += 30
    with pytest.raises(TwinLocked) as fresh:
        TwinLock(objects, KEY, clock=clock).acquire()
    assert not fresh.value.stale
    clock.now += 61
    with pytest.raises(TwinLocked) as stale:
        TwinLock(objects, KEY, clock=clock).acquire(wait_s=60)  # a stale lock is not waited on
    assert stale.value.stale
    lock_id = stale.value.holder.lock_id
    assert "is stale: it is held by alice@laptop (deploy since" in str(stale.value)
    assert "refreshed it last 91 s ago (the timeout is 60 s)" in str(stale.value)
    assert f"dtwin unlock PATH {lock_id}" in stale.value.hint
    # never taken over silently: the stale lock is still there
    assert read_holder(objects, KEY).lock_id == lock_id


def test_the_heartbeat_keeps_a_long_run_fresh():
    objects = MemoryObjects()
    lock = TwinLock(objects, KEY, stale_after_s=1.0)
    held = lock.acquire()
    time.sleep(2.5)  # longer than the timeout: only the heartbeat keeps it fresh
    now = read_holder(objects, KEY)
    assert now.lock_id == held.lock_id and now.since == held.since
    assert not now.is_stale(time.time())
    with pytest.raises(TwinLocked) as refused:
        TwinLock(objects, KEY).acquire()
    assert not refused.value.stale
    lock.release()


def test_a_release_removes_only_its_own_lock():
    objects = MemoryObjects()
    lines: list[str] = []
    mine = TwinLock(objects, KEY, who="alice@laptop", log=lambda level, m: lines.append(m))
    held = mine.acquire()
    break_lock(objects, KEY, held.lock_id)  # someone released it, and bob took it
    bob = TwinLock(objects, KEY, who="bob@desk")
    bob.acquire()
    assert mine.release() is False
    assert read_holder(objects, KEY).who == "bob@desk"
    assert any("no longer this run's" in line and "bob@desk" in line for line in lines)
    bob.release()


def test_the_heartbeat_notices_a_lock_taken_over():
    objects = MemoryObjects()
    lines: list[str] = []
    mine = TwinLock(objects, KEY, stale_after_s=0.4, log=lambda level, m: lines.append(m))
    held = mine.acquire()
    break_lock(objects, KEY, held.lock_id)
    TwinLock(objects, KEY, who="bob@desk").acquire()
    deadline = time.monotonic() + 5
    while mine.lost is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert mine.lost is not None and mine.lost.who == "bob@desk"
    assert read_holder(objects, KEY).who == "bob@desk"  # never written back over bob's
    assert any("released by someone else" in line for line in lines)


def test_break_lock_needs_the_right_id():
    objects = MemoryObjects()
    with pytest.raises(NoTwinLock):
        break_lock(objects, KEY, "abc")
    held = TwinLock(objects, KEY, who="alice@laptop").acquire()
    with pytest.raises(ValueError, match=f"is {held.lock_id}, held by alice@laptop"):
        break_lock(objects, KEY, "not-it")
    assert break_lock(objects, KEY, held.lock_id).who == "alice@laptop"
    assert objects.get(KEY) is None


def test_an_unreadable_lock_object_is_stale_and_can_be_released():
    objects = MemoryObjects()
    objects.put(KEY, b"not json")
    with pytest.raises(TwinLocked) as refused:
        TwinLock(objects, KEY).acquire()
    assert refused.value.stale and refused.value.holder.lock_id == "unreadable"
    break_lock(objects, KEY, "unreadable")


def test_who_am_i_is_user_at_host():
    user, _, host = who_am_i().partition("@")
    assert user and host


def test_on_s3_the_lock_is_a_conditional_write(aws):
    connection = sandbox_target(aws.endpoint, aws.region)
    backend = state_backend(parse_backend("s3://team-state/dtwin/f/terraform.tfstate"), connection)
    backend.create()
    objects = backend.objects()
    lock = TwinLock(objects, KEY, who="alice@laptop", run_id="r1")
    held = lock.acquire()
    with pytest.raises(ObjectConflict):  # S3 itself refuses a second lock object
        objects.put(KEY, b"{}", if_absent=True)
    with pytest.raises(TwinLocked, match="alice@laptop"):
        TwinLock(objects, KEY).acquire()
    stored = json.loads(aws.client("s3").get_object(Bucket="team-state", Key=KEY)["Body"].read())
    assert stored["lock_id"] == held.lock_id and stored["who"] == "alice@laptop"
    assert lock.release()
    assert objects.get(KEY) is None


HOLDER = textwrap.dedent(
    """
    import sys, time
    from dtwin_gui.clouds.aws.connection import sandbox_target
    from dtwin_gui.clouds.aws.state_backend import state_backend
    from dtwin_gui.deploy.twin_lock import TwinLock
    from dtwin_gui.iac.backend import parse_backend

    connection = sandbox_target(sys.argv[1], "us-east-1")
    backend = state_backend(parse_backend("s3://team-state/dtwin/f/terraform.tfstate"), connection)
    held = TwinLock(backend.objects(), sys.argv[2], stale_after_s=float(sys.argv[3])).acquire()
    print(held.lock_id, flush=True)
    time.sleep(600)
    """
)


def test_a_holder_killed_with_sigkill_leaves_a_lock_reported_stale_after_the_timeout(aws):
    connection = sandbox_target(aws.endpoint, aws.region)
    backend = state_backend(parse_backend("s3://team-state/dtwin/f/terraform.tfstate"), connection)
    backend.create()
    objects = backend.objects()
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, aws.endpoint, KEY, "3"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    try:
        lock_id = child.stdout.readline().strip()
        assert lock_id, "the holder did not take the lock"
        time.sleep(1.5)  # a heartbeat or two
        with pytest.raises(TwinLocked) as alive:
            TwinLock(objects, KEY).acquire()
        assert not alive.value.stale and alive.value.holder.pid == child.pid
        assert who_am_i() in str(alive.value)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        killed_at = time.monotonic()
        with pytest.raises(TwinLocked) as just_killed:  # not stale yet: within the timeout
            TwinLock(objects, KEY).acquire()
        assert not just_killed.value.stale
        time.sleep(max(0.0, 4.0 - (time.monotonic() - killed_at)))
        with pytest.raises(TwinLocked) as stale:
            TwinLock(objects, KEY).acquire()
        assert stale.value.stale and stale.value.holder.lock_id == lock_id
        assert f"pid {child.pid}" in str(stale.value) and "has most likely stopped" in str(
            stale.value
        )
        assert isinstance(read_holder(objects, KEY), LockHolder)  # still there until released
        break_lock(objects, KEY, lock_id)
        assert TwinLock(objects, KEY).acquire().lock_id != lock_id
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
        child.stdout.close()
