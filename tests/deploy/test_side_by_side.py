"""Phases whose tasks run side by side: what a user sees in the stage strip and the run's
outcome when clouds' work overlaps, waits for what it needs, fails or is cancelled."""

from __future__ import annotations

import threading
import time

import pytest

from dtwin_gui.core.run_events import PhaseEvent
from dtwin_gui.deploy.run_result import Cancelled, DeployFailed, Skipped
from dtwin_gui.deploy.side_by_side import PhaseFailure, PhaseGroup, Task


class Recorder:
    def __init__(self) -> None:
        self.events: list = []
        self.lock = threading.Lock()
        self.log: list[str] = []

    def __call__(self, event) -> None:
        with self.lock:
            self.events.append(event)

    def note(self, what: str) -> None:
        with self.lock:
            self.log.append(what)

    def phases(self) -> list[tuple[str, str]]:
        return [(e.phase, e.state) for e in self.events if isinstance(e, PhaseEvent)]


def _work(rec: Recorder, name: str, seconds: float = 0.0, result=None):
    def run():
        rec.note(f"{name} start")
        time.sleep(seconds)
        rec.note(f"{name} end")
        return result

    return run


def test_independent_clouds_overlap_and_a_dependent_one_waits() -> None:
    rec = Recorder()
    group = PhaseGroup(
        ["apply", "provision", "sdk"],
        lambda: [
            Task("apply", "apply", _work(rec, "apply", 0.3)),
            Task("provision:azure", "provision", _work(rec, "azure", 0.3)),
            Task("provision:google", "provision", _work(rec, "google", 0.1), frozenset({"apply"})),
            Task("sdk:aws", "sdk", _work(rec, "aws sdk", 0.1), frozenset({"apply"})),
        ],
    )
    started = time.monotonic()
    group.run(rec, [])
    took = time.monotonic() - started

    # Azure is made while Terraform applies; Google (it needs AWS's outputs) only after
    assert rec.log.index("azure start") < rec.log.index("apply end")
    assert rec.log.index("google start") > rec.log.index("apply end")
    assert took < 0.3 + 0.3  # the two 0.3 s tasks overlapped (0.6 s one after the other)
    assert ("provision", "started") in rec.phases()
    assert rec.phases()[-1][1] == "finished"
    assert sorted(rec.phases()) == sorted(
        [(p, s) for p in ("apply", "provision", "sdk") for s in ("started", "finished")]
    )


def test_a_failure_stops_what_waits_for_it_and_names_its_phase() -> None:
    rec = Recorder()

    def broken():
        time.sleep(0.05)
        raise DeployFailed("apply", "terraform apply failed", "look at the log")

    group = PhaseGroup(
        ["apply", "provision", "sdk"],
        lambda: [
            Task("apply", "apply", broken),
            Task("provision:azure", "provision", _work(rec, "azure", 0.2)),
            Task("sdk:aws", "sdk", _work(rec, "aws sdk"), frozenset({"apply"})),
        ],
    )
    with pytest.raises(PhaseFailure) as failure:
        group.run(rec, [])
    assert failure.value.phase == "apply"
    assert isinstance(failure.value.error, DeployFailed)
    assert "aws sdk start" not in rec.log  # it needed the apply
    assert "azure end" in rec.log  # a provisioner already running was waited for
    assert ("apply", "failed") in rec.phases()
    assert ("sdk", "started") not in rec.phases()


def test_a_cancelled_task_ends_its_phase_cancelled() -> None:
    rec = Recorder()

    def cancelled():
        raise Cancelled("cancelled by the user")

    group = PhaseGroup(["apply"], lambda: [Task("apply", "apply", cancelled)])
    with pytest.raises(PhaseFailure) as failure:
        group.run(rec, [])
    assert isinstance(failure.value.error, Cancelled)
    assert rec.phases() == [("apply", "started"), ("apply", "cancelled")]


def test_a_phase_whose_every_task_skipped_is_skipped_with_the_reason() -> None:
    rec, skipped = Recorder(), []
    group = PhaseGroup(
        ["apply", "sdk"],
        lambda: [
            Task("apply", "apply", lambda: Skipped("nothing changed since 10:00")),
            Task("sdk:aws", "sdk", lambda: None, frozenset({"apply"})),
        ],
    )
    group.run(rec, skipped)
    assert skipped == ["apply"]
    skip = next(e for e in rec.events if isinstance(e, PhaseEvent) and e.state == "skipped")
    assert skip.message == "nothing changed since 10:00"
    assert ("sdk", "finished") in rec.phases()


def test_tasks_waiting_for_each_other_or_for_nothing_known_are_refused() -> None:
    cycle = PhaseGroup(
        ["provision"],
        lambda: [
            Task("a", "provision", lambda: None, frozenset({"b"})),
            Task("b", "provision", lambda: None, frozenset({"a"})),
        ],
    )
    with pytest.raises(ValueError, match="wait for one another"):
        cycle.run(Recorder(), [])
    unknown = PhaseGroup(["sdk"], lambda: [Task("a", "sdk", lambda: None, frozenset({"x"}))])
    with pytest.raises(ValueError, match="do not exist"):
        unknown.run(Recorder(), [])


def test_a_phase_takes_the_time_its_tasks_ran_not_the_wait_between_them() -> None:
    rec = Recorder()
    group = PhaseGroup(
        ["apply", "sdk"],
        lambda: [
            Task("sdk:azure", "sdk", _work(rec, "azure sdk", 0.1)),
            Task("apply", "apply", _work(rec, "apply", 0.3)),
            Task("sdk:aws", "sdk", _work(rec, "aws sdk", 0.1), frozenset({"apply"})),
        ],
    )
    group.run(rec, [])
    sdk = next(e for e in rec.events if e.phase == "sdk" and e.state == "finished")
    (a0, a1), (b0, b1) = group.timings["sdk:azure"], group.timings["sdk:aws"]
    # the stage strip's "SDK steps 0.2 s": both clouds' steps, not the apply between them
    assert sdk.elapsed == pytest.approx((a1 - a0) + (b1 - b0))
    assert sdk.elapsed < b1 - a0
