"""Benchmark: validation and event-rule speed. Writes bench/results/validation.json.

Run: .venv/bin/python bench/bench_validation.py
"""

from __future__ import annotations

import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from dtwin_gui.core.event_grammar import parse_condition
from dtwin_gui.core.validation import validate_project

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "results" / "validation.json"


def _timed(func, runs: int) -> dict:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return {
        "runs": runs,
        "median_ms": round(statistics.median(samples) * 1000, 3),
        "p95_ms": round(sorted(samples)[int(runs * 0.95) - 1] * 1000, 3),
        "max_ms": round(max(samples) * 1000, 3),
    }


def main() -> dict:
    template = REPO / "upload" / "template"
    condition = (
        "temperature-sensor-1.temperature > DOUBLE(40.5) and "
        "(humidity-2.rh <= 80 or not door-3.open == true)"
    )
    parsed = parse_condition(condition)
    values = {
        ("temperature-sensor-1", "temperature"): 41.0,
        ("humidity-2", "rh"): 70,
        ("door-3", "open"): False,
    }
    results = {
        "machine": f"{platform.machine()} {platform.python_implementation()} "
        f"{platform.python_version()}",
        "validate_template_first_call": _timed(lambda: validate_project(template), 1),
        "validate_template": _timed(lambda: validate_project(template), 200),
        "parse_condition_100_chars": _timed(lambda: parse_condition(condition), 2000),
        "evaluate_condition": _timed(lambda: parsed.evaluate(values), 20000),
        # A user's view: the whole `dtwin validate` process, interpreter start included.
        "cli_validate_process": _timed(
            lambda: subprocess.run(
                [sys.executable, "-m", "dtwin_gui.cli", "validate", str(template)],
                check=True,
                capture_output=True,
            ),
            10,
        ),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
