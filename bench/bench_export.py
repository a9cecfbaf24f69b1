"""Benchmark: ``dtwin export`` of the example and of a large project, and the import back.

Writes bench/results/export.json.

Run: .venv/bin/python bench/bench_export.py
"""

from __future__ import annotations

import json
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from dtwin_gui.core.export import export_project
from dtwin_gui.core.importer import import_project

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "results" / "export.json"
LARGE_FILES = 2000
LARGE_FILE_BYTES = 10_000


def _timed(func, runs: int) -> dict:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return {
        "runs": runs,
        "median_ms": round(statistics.median(samples) * 1000, 1),
        "max_ms": round(max(samples) * 1000, 1),
    }


def main() -> dict:
    work = Path(tempfile.mkdtemp(prefix="dtwin-bench-export-"))
    try:
        small = work / "small"
        shutil.copytree(REPO / "upload" / "template", small)
        large = work / "large"
        shutil.copytree(REPO / "upload" / "template", large)
        assets = large / "scene_assets" / "aws"
        assets.mkdir(parents=True)
        line = b"0123456789abcdef" * 4 + b"\n"
        for index in range(LARGE_FILES):
            folder = assets / f"part-{index // 100:02d}"
            folder.mkdir(exist_ok=True)
            (folder / f"tile-{index:04d}.json").write_bytes(
                (line * (LARGE_FILE_BYTES // len(line)))[:LARGE_FILE_BYTES]
            )
        large_zip = work / "large.zip"
        counter = iter(range(10**6))
        results = {
            "machine": f"{platform.machine()} {platform.python_implementation()} "
            f"{platform.python_version()}",
            "export_template": _timed(lambda: export_project(small, work / "small.zip"), 20),
            "export_large": _timed(lambda: export_project(large, large_zip), 3),
            "large_files": LARGE_FILES + 14,
            "large_bytes": sum(p.stat().st_size for p in large.rglob("*") if p.is_file()),
            "large_zip_bytes": 0,
            "import_large": _timed(
                lambda: import_project(large_zip, work / f"imported-{next(counter)}"), 3
            ),
        }
        results["large_zip_bytes"] = large_zip.stat().st_size
    finally:
        shutil.rmtree(work, ignore_errors=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
