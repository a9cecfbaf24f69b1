"""Benchmark: the importer's secret screening (content patterns) per MB of assets.

Binary assets (random bytes, like a .glb's buffers) and JSON-like text (like a scene file).
Writes bench/results/import_screening.json.

Run: .venv/bin/python bench/bench_import_screening.py
"""

from __future__ import annotations

import json
import platform
import random
import statistics
import time
from pathlib import Path

from dtwin_gui.core.importer.screening import secret_in_content

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "results" / "import_screening.json"
MB = 1024 * 1024
SIZE_MB = 8


def _per_mb(data: bytes, runs: int = 5) -> dict:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        assert secret_in_content(data) is None
        samples.append(time.perf_counter() - start)
    size = len(data) / MB
    return {
        "runs": runs,
        "mb": round(size, 1),
        "median_ms_per_mb": round(statistics.median(samples) * 1000 / size, 1),
        "max_ms_per_mb": round(max(samples) * 1000 / size, 1),
    }


def main() -> dict:
    binary = random.Random(1).randbytes(SIZE_MB * MB)
    line = b'{"type": "mesh", "name": "tile-0001", "uri": "tiles/0001.bin", "size": 4096}\n'
    text = line * (SIZE_MB * MB // len(line))
    results = {
        "machine": f"{platform.machine()} {platform.python_implementation()} "
        f"{platform.python_version()}",
        "binary": _per_mb(binary),
        "json_text": _per_mb(text),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
