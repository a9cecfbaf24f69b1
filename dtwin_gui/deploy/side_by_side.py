"""Work of several clouds run side by side, each task when what it needs is done (Qt-free).

A deploy's apply, the sandbox provisioners and each cloud's SDK steps are tasks of one
:class:`PhaseGroup`: Terraform applies the root while a provisioned cloud that needs nothing
from it is made on its emulators, and AWS's SDK steps run beside Google's provisioner. A
task names the phase it belongs to (``apply``, ``provision``, ``sdk``) and the tasks it must
wait for; the group emits each phase's events itself: ``started`` when its first task
starts, ``finished`` (or ``skipped``, when every task of it was) when its last one ends,
``failed`` when one of its tasks failed.

A failure stops new tasks from starting; the ones running are waited for (a provisioner
half-way records what it made), then the first failure is raised as :class:`PhaseFailure`
with its phase, so the run reports it as that phase's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from dtwin_gui.core.run_events import LogEvent, PhaseEvent, Sink
from dtwin_gui.deploy.run_result import Cancelled, Skipped


@dataclass
class Task:
    name: str  # unique: "apply", "provision:azure", "sdk:aws"
    phase: str
    run: Callable[[], object]
    after: frozenset[str] = frozenset()


class PhaseFailure(Exception):
    """A task of ``phase`` raised ``error`` (re-raised by the run as that phase's)."""

    def __init__(self, phase: str, error: BaseException, elapsed: float) -> None:
        super().__init__(str(error))
        self.phase = phase
        self.error = error
        self.elapsed = elapsed


@dataclass
class _Phase:
    tasks: set[str]
    started: float | None = None
    skipped: list[str] = field(default_factory=list)
    done: int = 0
    failed: bool = False


class PhaseGroup:
    """Phases whose tasks run side by side; the run calls :meth:`run` in place of a step."""

    def __init__(
        self, phases: Sequence[str], tasks: Callable[[], Sequence[Task]], max_workers: int = 4
    ) -> None:
        #: The phases in the order the run lists them (each has at least one task).
        self.phases = tuple(phases)
        self._tasks = tasks
        #: 1 runs the tasks one after another, in the order they are given (a benchmark's
        #: "each cloud alone").
        self.max_workers = max_workers
        #: ``{task: (started, ended)}`` (monotonic seconds) of the last run's tasks.
        self.timings: dict[str, tuple[float, float]] = {}

    def _busy(self, names) -> float:
        """How long any of ``names`` ran (the union of their runs: a phase's SDK steps on two
        clouds at once count once), so a phase's time is its work, not the wait between."""
        spans = sorted(self.timings[n] for n in names if n in self.timings)
        total, end = 0.0, float("-inf")
        for begun, ended in spans:
            if ended > end:
                total += ended - max(begun, end)
                end = ended
        return total

    def run(self, emit: Sink, skipped_out: list[str]) -> None:
        tasks = {t.name: t for t in self._tasks()}
        unknown = {dep for t in tasks.values() for dep in t.after} - set(tasks)
        if unknown:
            raise ValueError(f"tasks wait for tasks that do not exist: {sorted(unknown)}")
        phases = {p: _Phase({t.name for t in tasks.values() if t.phase == p}) for p in self.phases}
        lock = threading.Lock()
        failure: PhaseFailure | None = None
        finished: set[str] = set()
        running: dict[Future, Task] = {}

        def start(task: Task) -> Future:
            phase = phases[task.phase]
            with lock:
                if phase.started is None:
                    phase.started = time.monotonic()
                    emit(PhaseEvent(task.phase, "started"))
            return pool.submit(timed, task)

        def timed(task: Task):
            begun = time.monotonic()
            try:
                return task.run()
            finally:
                self.timings[task.name] = (begun, time.monotonic())

        def end(task: Task, future: Future) -> None:
            nonlocal failure
            phase = phases[task.phase]
            elapsed = self._busy(phase.tasks)
            error = future.exception()
            outcome = None if error else future.result()
            if error is not None:
                phase.failed = True
                state = "cancelled" if isinstance(error, Cancelled) else "failed"
                emit(PhaseEvent(task.phase, state, elapsed, str(error)))
                if failure is None:
                    failure = PhaseFailure(task.phase, error, elapsed)
                else:  # a second failure is still worth knowing
                    emit(LogEvent("dtwin", "error", f"{task.name} failed too: {error}"))
                return
            if isinstance(outcome, Skipped) or outcome == "skipped":
                phase.skipped.append(outcome.reason if isinstance(outcome, Skipped) else "")
            phase.done += 1
            if phase.done == len(phase.tasks) and not phase.failed:
                if len(phase.skipped) == len(phase.tasks):
                    reason = next((r for r in phase.skipped if r), "no changes")
                    emit(PhaseEvent(task.phase, "skipped", elapsed, reason))
                    skipped_out.append(task.phase)
                else:
                    emit(PhaseEvent(task.phase, "finished", elapsed))

        self.timings = {}
        with ThreadPoolExecutor(self.max_workers, thread_name_prefix="side") as pool:
            waiting = dict(tasks)
            while waiting or running:
                if failure is None:
                    for name, task in list(waiting.items()):
                        if task.after <= finished:
                            del waiting[name]
                            running[start(task)] = task
                if not running:
                    break  # a failure left the rest waiting (or a cycle: reported below)
                done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in done:
                    task = running.pop(future)
                    end(task, future)
                    if future.exception() is None:
                        finished.add(task.name)
        if failure is not None:
            raise failure
        if waiting:
            raise ValueError(f"tasks wait for one another: {sorted(waiting)}")
