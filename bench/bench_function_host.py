"""Benchmark: telemetry through the real AWS functions in the sandbox function host.

dispatcher (sync invoke) → processor → persister → event checker (async, in worker
processes) → DynamoDB in moto. Writes bench/results/function_host.json.

Run: .venv/bin/python bench/bench_function_host.py
"""

from __future__ import annotations

import json
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the small SDK deploy helper the runtime tests use

from helpers_aws import deploy_project  # noqa: E402

from dtwin_gui.clouds.aws.sandbox.emulator import AwsEmulator  # noqa: E402

OUT = REPO / "bench" / "results" / "function_host.json"
MESSAGES = 200


def main() -> dict:
    work = Path(tempfile.mkdtemp(prefix="dtwin-bench-"))
    project = work / "project"
    shutil.copytree(REPO / "upload" / "template", project)
    try:
        with AwsEmulator(workdir=work / "functions") as aws:
            deployed = deploy_project(aws, project, work / "build")
            lam = aws.client("lambda")
            dispatcher = deployed.name("dispatcher")
            devices = ["temperature-sensor-1", "temperature-sensor-2", "pressure-sensor-1"]

            def message(i: int) -> dict:
                device = devices[i % 3]
                base = {
                    "device_id": device,
                    "timestamp": f"2026-11-25T12:{i // 60 % 60:02d}:{i % 60:02d}.{i // 3600:03d}Z",
                }
                if device == "pressure-sensor-1":
                    return base | {"pressure": 1000.0 + i % 50, "valve_open": False}
                return base | {"temperature": 20.0 + i % 10, "humidity": 40.0}

            # Warm every worker once (cold starts are measured separately).
            cold_start = time.perf_counter()
            lam.invoke(FunctionName=dispatcher, Payload=json.dumps(message(0)).encode())
            aws.host.drain(60)
            cold_ms = (time.perf_counter() - cold_start) * 1000

            latencies = []
            started = time.perf_counter()
            for i in range(1, MESSAGES + 1):
                t0 = time.perf_counter()
                lam.invoke(FunctionName=dispatcher, Payload=json.dumps(message(i)).encode())
                latencies.append((time.perf_counter() - t0) * 1000)
            aws.host.drain(300)
            seconds = time.perf_counter() - started
            stored = aws.client("dynamodb").scan(TableName=deployed.table, Select="COUNT")["Count"]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results = {
        "machine": f"{platform.machine()} {platform.python_implementation()} "
        f"{platform.python_version()}",
        "path": "boto3 invoke dispatcher -> processor -> persister -> event checker -> DynamoDB",
        "messages": MESSAGES,
        "stored_in_dynamodb": stored,
        "seconds_until_all_stored": round(seconds, 3),
        "msgs_per_s_end_to_end": round(MESSAGES / seconds, 1),
        "dispatcher_invoke_ms_median": round(statistics.median(latencies), 2),
        "first_message_cold_start_ms": round(cold_ms, 1),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
