"""Benchmark: messages per second through dispatcher → processor → persister, in process.

Uses the example project's processors over the in-memory ports (every invocation still
crosses as JSON). A second figure adds the event checker, actions and feedback. Writes
bench/results/pipeline.json.

Run: .venv/bin/python bench/bench_pipeline.py
"""

from __future__ import annotations

import json
import platform
import statistics
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dtwin_gui.runtime.core.memory import MemoryLog
from dtwin_gui.runtime.core.pipeline import LocalPipeline, config_from_project
from dtwin_gui.runtime.core.processing import load_action, load_feedback, load_processor
from dtwin_gui.runtime.core.records import format_timestamp

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "upload" / "template"
OUT = REPO / "bench" / "results" / "pipeline.json"
MESSAGES = 20_000
RUNS = 3


def _messages(count: int) -> list[dict]:
    base = json.loads((TEMPLATE / "payloads.json").read_text(encoding="utf-8"))
    start = datetime(2026, 3, 1, tzinfo=UTC)
    return [
        {**base[i % len(base)], "timestamp": format_timestamp(start + timedelta(milliseconds=i))}
        for i in range(count)
    ]


def _pipeline(events: bool) -> LocalPipeline:
    config = config_from_project(TEMPLATE)
    config = replace(config, features={**config.features, "use_event_checking": events})
    processors = {
        d: load_processor(TEMPLATE / "processors" / d / "process.py") for d in config.devices
    }
    actions = {n: load_action(TEMPLATE / "event_actions" / n / "action.py") for n in config.actions}
    return LocalPipeline(
        config,
        processors,
        actions=actions,
        feedback=load_feedback(TEMPLATE / "event_feedback" / "feedback.py"),
        log=MemoryLog("bench", level="WARNING"),
        record_calls=False,
    )


def _measure(events: bool, messages: list[dict]) -> dict:
    rates, seconds = [], []
    for _ in range(RUNS):
        pipeline = _pipeline(events)
        began = time.perf_counter()
        for message in messages:
            pipeline.send(message)
        elapsed = time.perf_counter() - began
        assert len(pipeline.hot) == len(messages), "every message must reach hot storage"
        assert not pipeline.invoker.errors and not pipeline.log.entries
        seconds.append(elapsed)
        rates.append(len(messages) / elapsed)
    best = seconds.index(min(seconds))
    return {
        "msgs": len(messages),
        "seconds": round(seconds[best], 4),
        "msgs_per_s": round(rates[best]),
        "median_msgs_per_s": round(statistics.median(rates)),
        "runs": RUNS,
    }


def main() -> dict:
    messages = _messages(MESSAGES)
    core = _measure(False, messages)
    results = {
        "machine": f"{platform.machine()} {platform.python_implementation()} "
        f"{platform.python_version()}",
        "path": "dispatcher -> processor -> persister (memory ports, JSON per hop)",
        **core,
        "with_events": {
            "path": "... -> event checker -> actions + feedback (40% of messages fire a rule)",
            **_measure(True, messages),
        },
        "target_msgs_per_s": 1000,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return results


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
