"""Benchmark: how long is the GUI thread blocked while the app deploys and destroys?

A timer-latency probe: a 10 ms QTimer on the GUI thread records how late each tick fires.
Lateness beyond the interval is time the event loop could not run (a stall). The app is
driven as a user would: open the example project, deploy it to the sandbox (the sandbox
daemon, as the app uses it), browse the status page, destroy. Offscreen Qt.
Writes bench/results/gui_stall.json.

Run: .venv/bin/python bench/bench_gui_stall.py
"""

from __future__ import annotations

import gc
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "results" / "gui_stall.json"
INTERVAL_MS = 10


class StallProbe:
    """Records the lateness of a periodic GUI-thread timer, per labelled stage."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.stage = "idle"
        self.samples: dict[str, list[float]] = {}
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        late_ms = (now - self._last) * 1000 - INTERVAL_MS
        self._last = now
        self.samples.setdefault(self.stage, []).append(max(0.0, late_ms))

    def summary(self) -> dict:
        out = {}
        for stage, values in self.samples.items():
            ordered = sorted(values)
            out[stage] = {
                "ticks": len(values),
                "worst_ms": round(ordered[-1], 1),
                "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1], 1),
                "median_ms": round(statistics.median(ordered), 2),
                "over_50ms": sum(1 for v in values if v > 50),
            }
        return out


class StallWatchdog:
    """From a side thread, notes what the GUI thread was running while a tick was overdue.

    Every few milliseconds it checks how long ago the probe last ticked; past
    ``threshold_ms`` it samples the GUI thread's stack (and the other threads', since a
    worker holding the GIL also stalls the GUI). The most frequent frames name the culprit.
    """

    def __init__(self, probe: StallProbe, threshold_ms: float = 40.0) -> None:
        self.probe = probe
        self.threshold_s = (threshold_ms + INTERVAL_MS) / 1000
        self.main_id = threading.main_thread().ident
        self.samples: dict[str, dict[str, int]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stall-watchdog", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            if time.perf_counter() - self.probe._last < self.threshold_s:
                continue
            frames = sys._current_frames()
            main = frames.get(self.main_id)
            if main is None:
                continue
            stack = traceback.extract_stack(main)[-6:]
            key = " <- ".join(
                f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(stack)
            )
            per_stage = self.samples.setdefault(self.probe.stage, {})
            per_stage[key] = per_stage.get(key, 0) + 1

    def top(self, n: int = 5) -> dict[str, list[list]]:
        return {
            stage: [[count, key] for key, count in sorted(s.items(), key=lambda kv: -kv[1])[:n]]
            for stage, s in self.samples.items()
        }


class CollectionLog:
    """Times every garbage collection (``gc.callbacks``): generation and duration per stage."""

    def __init__(self, probe: StallProbe) -> None:
        self.probe = probe
        self.by_stage: dict[str, list[tuple[int, float]]] = {}
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        elapsed_ms = (time.perf_counter() - self._started) * 1000
        self.by_stage.setdefault(self.probe.stage, []).append((info["generation"], elapsed_ms))

    def summary(self) -> dict:
        out = {}
        for stage, runs in self.by_stage.items():
            per_gen = {}
            for generation in (0, 1, 2):
                times = [ms for g, ms in runs if g == generation]
                if times:
                    per_gen[f"gen{generation}"] = {
                        "count": len(times),
                        "worst_ms": round(max(times), 1),
                        "total_ms": round(sum(times), 1),
                    }
            out[stage] = per_gen
        return out


def _wait(app, predicate, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        app.processEvents()
        time.sleep(0.002)


def main() -> dict:
    work = Path(tempfile.mkdtemp(prefix="dtwin-bench-stall-"))
    os.environ["DTWIN_DATA_DIR"] = str(work / "data")
    project = work / "project"
    shutil.copytree(REPO / "upload" / "template", project)

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from dtwin_gui.sandbox import daemon
    from dtwin_gui.ui.app import create_main_window
    from dtwin_gui.ui.main_window import STATUS_STEP
    from dtwin_gui.ui.pyside_fixes import MainThreadGarbageCollector

    app = QApplication.instance() or QApplication([])
    collector = MainThreadGarbageCollector(parent=app)
    collector.start()
    settings = QSettings(str(work / "window.ini"), QSettings.Format.IniFormat)
    window = create_main_window(settings)
    collector.busy = lambda: window.runner.active > 0
    window.show()
    results: dict = {}
    probe = StallProbe()
    watchdog = StallWatchdog(probe)
    collections = CollectionLog(probe)
    gc.callbacks.append(collections)
    try:
        daemon.ensure_running()  # started before timing: the app starts it on first use too
        probe.start()
        watchdog.start()
        probe.stage = "open project"
        window.open_project(project)
        _wait(app, lambda: window.session.report is not None, 30)

        outcome: dict = {}
        window.deploy_page.run_finished.connect(lambda r: outcome.update(result=r))
        probe.stage = "deploy"
        started = time.perf_counter()
        window.start_deploy(None)
        _wait(app, lambda: "result" in outcome, 900)
        results["deploy_s"] = round(time.perf_counter() - started, 1)
        results["deploy_status"] = outcome.pop("result").status

        probe.stage = "status page"
        refreshed: list = []
        window.status_page.refreshed.connect(refreshed.append)
        window.go_to(STATUS_STEP)
        _wait(app, lambda: bool(refreshed), 120)
        traced: list = []
        window.status_page.traced.connect(traced.append)
        window.status_page.send_test_telemetry()
        _wait(app, lambda: bool(traced), 180)

        probe.stage = "destroy"
        started = time.perf_counter()
        window.start_destroy()
        _wait(app, lambda: "result" in outcome, 600)
        results["destroy_s"] = round(time.perf_counter() - started, 1)
        results["destroy_status"] = outcome.pop("result").status

        # Full and middle collections wait for an idle app; leave it idle so the deferred
        # ones run and their stalls are measured too.
        probe.stage = "idle after destroy"
        before = (collector.full_collections, collector.middle_collections)
        idle_until = time.monotonic() + 10
        _wait(app, lambda: time.monotonic() > idle_until, 30)
        results["full_collections_while_idle"] = collector.full_collections - before[0]
        results["full_collections_total"] = collector.full_collections
        results["middle_collections_while_idle"] = collector.middle_collections - before[1]
        results["middle_collections_total"] = collector.middle_collections
    finally:
        probe.timer.stop()
        watchdog.stop()
        gc.callbacks.remove(collections)
        window.ask_about_sandbox = lambda *_: "keep"  # the bench stops the daemon itself
        window.close()
        _wait(app, lambda: window.runner.active == 0, 120)
        collector.stop()
        daemon.down()
        shutil.rmtree(work, ignore_errors=True)
    stages = probe.summary()
    results = {
        "machine": f"{platform.machine()} {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cores",
        "probe_interval_ms": INTERVAL_MS,
        "worst_stall_ms": max(s["worst_ms"] for s in stages.values()),
        "stages": stages,
        **results,
        "garbage_collections": collections.summary(),
        "gui_thread_during_stalls": watchdog.top(),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return results


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
