"""Benchmark: telemetry end to end through the sandbox, read back with ``dtwin query``.

Deploys the example twin once (real Terraform against the sandbox daemon, as `dtwin sandbox
up` runs it: its own process, apart from this one's simulator and queries), warms the
functions with one message per payload, then, ROUNDS times: publishes 200 messages through
IoT Core (the simulator, ``dtwin simulate``'s engine call) and polls the hot reader
(``dtwin query``'s engine call, :func:`dtwin_gui.deploy.query.query_hot`) until all 200 are
readable, polling while the messages are being published. A poll asks each device only for
its records from its oldest message not yet seen (``since``), so it reads the round's new
tail, not all of it again (as a dashboard following the newest records would). Per round:
msgs/s from the first publish to the last record readable, and each message's latency
(publish answered → first seen by a poll; a poll takes one reader call per device with
records missing, which bounds the precision).

Writes bench/results/telemetry.json and the table between the ``bench_telemetry`` markers in
docs/performance.md.

Run: .venv/bin/python bench/bench_telemetry.py [--rounds N] [--messages N] [--label TEXT]
     [--no-fork-server]  (every Lambda worker a new interpreter, as before the fork server)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "results" / "telemetry.json"
DOC = REPO / "docs" / "performance.md"
START, END = "<!-- bench_telemetry:start -->", "<!-- bench_telemetry:end -->"
POLL_S = 0.25
_SANDBOX_PID: int | None = None
TIMEOUT_S = 300.0


def _cpu_seconds() -> tuple[float, dict[int, float], float]:
    """CPU time (user + system) of this process, of the sandbox daemon and each of its live
    children (function workers), and of our children already reaped: what the round costs,
    whatever else the machine runs (workers started and ended within a round are missed)."""
    import resource

    import psutil

    me = psutil.Process()
    others = me.children(recursive=True)
    if _SANDBOX_PID:
        with contextlib.suppress(psutil.Error):
            sandbox = psutil.Process(_SANDBOX_PID)
            others += [sandbox, *sandbox.children(recursive=True)]
    children = {}
    for child in others:
        with contextlib.suppress(psutil.Error):  # a worker that just ended
            children[child.pid] = sum(child.cpu_times()[:2])
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    return sum(me.cpu_times()[:2]), children, reaped.ru_utime + reaped.ru_stime


def _cpu_used(before, after) -> float:
    children = sum(v - before[1].get(pid, 0.0) for pid, v in after[1].items())
    return (after[0] - before[0]) + children + (after[2] - before[2])


def _expected(project: Path, count: int, start: datetime) -> dict[str, list[str]]:
    """Per device, the timestamps of its messages in this round, oldest first (the
    simulator's plan: payloads in turn, one millisecond apart from ``start``)."""
    from dtwin_gui.deploy.simulate import load_payloads
    from dtwin_gui.runtime.core.records import format_timestamp

    payloads = load_payloads(project)
    stamps: dict[str, list[str]] = {}
    for i in range(count):
        payload = payloads[i % len(payloads)]
        device_id = payload.get("iotDeviceId") or payload.get("device_id")
        stamps.setdefault(device_id, []).append(format_timestamp(start + timedelta(milliseconds=i)))
    return stamps


def _round(project: Path, target, count: int, start: datetime) -> dict:
    """Publish ``count`` messages (in a thread) while polling ``query_hot`` for them."""
    from dtwin_gui.core.run_events import LogEvent
    from dtwin_gui.deploy.query import query_hot
    from dtwin_gui.deploy.simulate import simulate

    published: dict[str, float] = {}

    def sink(event) -> None:
        if isinstance(event, LogEvent) and "(trace " in event.message:
            published[event.message.rsplit("(trace ", 1)[1].rstrip(")")] = time.perf_counter()

    done: dict[str, float] = {}

    def publish() -> None:
        simulate(project, target, count=count, sink=sink, now=start)
        done["at"] = time.perf_counter()

    cpu_before = _cpu_seconds()
    began = time.perf_counter()
    publisher = threading.Thread(target=publish, name="simulate")
    publisher.start()
    seen: dict[str, float] = {}
    polls = 0
    deadline = began + TIMEOUT_S
    # Each poll asks, per device, only for what is not readable yet: records at or after
    # that device's oldest message not seen so far (its timestamps are known in advance), so
    # a poll reads the new tail of the round, not every record again.
    expected = _expected(project, count, start)
    seen_keys: set[tuple[str, str]] = set()
    while len(seen) < count and time.perf_counter() < deadline:
        for device_id, stamps in expected.items():
            oldest = next((s for s in stamps if (device_id, s) not in seen_keys), None)
            if oldest is None:
                continue
            result = query_hot(project, target, device=device_id, since=oldest, limit=len(stamps))
            polls += 1
            now = time.perf_counter()
            for record in result.records:
                trace = record.get("trace_id")
                seen_keys.add((device_id, str(record.get("timestamp"))))
                if trace not in seen:
                    seen[trace] = now
        if len(seen) < count:
            time.sleep(POLL_S)
    publisher.join()
    cpu_after = _cpu_seconds()
    cpu = _cpu_used(cpu_before, cpu_after)
    sandbox_cpu = cpu_after[1].get(_SANDBOX_PID, 0.0) - cpu_before[1].get(_SANDBOX_PID, 0.0)
    bench_cpu = cpu_after[0] - cpu_before[0]
    total_s = max(seen.values()) - began
    latencies = sorted((seen[t] - published[t]) * 1000 for t in seen if t in published)
    publish_s = done["at"] - began
    return {
        "messages": count,
        "readable": len(seen),
        "seconds_until_all_readable": round(total_s, 3),
        "msgs_per_s_end_to_end": round(len(seen) / total_s, 1),
        "publish_seconds": round(publish_s, 3),
        "publish_msgs_per_s": round(count / publish_s, 1),
        "latency_ms_median": round(statistics.median(latencies), 1),
        "latency_ms_p95": round(latencies[int(len(latencies) * 0.95) - 1], 1),
        "latency_ms_max": round(latencies[-1], 1),
        "query_polls": polls,
        "cpu_ms_per_message": round(cpu / count * 1000, 1),
        # Split: the sandbox process (gateway, moto, function host), this process (simulator
        # and queries), the rest (the function workers).
        "cpu_ms_per_message_sandbox": round(sandbox_cpu / count * 1000, 1),
        "cpu_ms_per_message_bench": round(bench_cpu / count * 1000, 1),
        "cpu_ms_per_message_workers": round((cpu - sandbox_cpu - bench_cpu) / count * 1000, 1),
        "load_average_1min": round(os.getloadavg()[0], 1),
    }


def _write_doc(results: dict) -> None:
    rows = [
        "| round | msgs/s end to end | all readable after | publish rate | latency median "
        "| p95 | max | CPU per message | load |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for i, r in enumerate(results["rounds"], 1):
        rows.append(
            f"| {i} | **{r['msgs_per_s_end_to_end']}** | {r['seconds_until_all_readable']} s "
            f"| {r['publish_msgs_per_s']}/s | {r['latency_ms_median']:.0f} ms "
            f"| {r['latency_ms_p95']:.0f} ms | {r['latency_ms_max']:.0f} ms "
            f"| {r['cpu_ms_per_message']:.0f} ms | {r['load_average_1min']} |"
        )
    block = "\n".join(
        [
            START,
            f"{results['label']}: {results['messages']} messages per round, "
            f"{results['machine']}; median of the rounds "
            f"**{results['msgs_per_s_median']} msgs/s** "
            f"(first message after deploy: {results['first_message_readable_ms']:.0f} ms).",
            "",
            *rows,
            END,
        ]
    )
    text = DOC.read_text(encoding="utf-8")
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    DOC.write_text(text, encoding="utf-8")


def main(rounds: int = 3, messages: int = 200, label: str = "now") -> dict:
    work = Path(tempfile.mkdtemp(prefix="dtwin-bench-telemetry-"))
    os.environ["DTWIN_DATA_DIR"] = str(work / "data")
    from dtwin_gui.clouds.aws.connection import sandbox_target
    from dtwin_gui.deploy.orchestrator import Deployment
    from dtwin_gui.deploy.query import query_hot
    from dtwin_gui.deploy.simulate import simulate
    from dtwin_gui.sandbox import daemon

    project = work / "project"
    shutil.copytree(REPO / "upload" / "template", project)
    # The sandbox as a user runs it (`dtwin sandbox up`): its own process, apart from the
    # simulator and the queries (this process).
    info, _ = daemon.up()
    global _SANDBOX_PID
    _SANDBOX_PID = info.pid
    try:
        target = sandbox_target(info.endpoint, info.region)
        started = time.perf_counter()
        deployed = Deployment(project, target).deploy()
        if deployed.status != "succeeded":
            raise SystemExit(f"deploy failed: {deployed.message} / {deployed.hint}")
        deploy_s = time.perf_counter() - started
        # Warm up: one message per payload, until readable (every worker starts once).
        base = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
        started = time.perf_counter()
        warm = simulate(project, target, now=base)
        wanted = {s.trace_id for s in warm.sent}
        while time.perf_counter() - started < TIMEOUT_S:
            got = {r.get("trace_id") for r in query_hot(project, target, limit=100).records}
            if wanted <= got:
                break
            time.sleep(POLL_S)
        first_ms = (time.perf_counter() - started) * 1000
        measured = []
        for i in range(rounds):
            start = base + timedelta(minutes=10 * (i + 1))
            measured.append(_round(project, target, messages, start))
            print(json.dumps(measured[-1]), flush=True)
    finally:
        daemon.down()
        shutil.rmtree(work, ignore_errors=True)
    results = {
        "label": label,
        "machine": f"{platform.machine()} {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cores",
        "sandbox": "daemon process (dtwin sandbox up); simulator and queries in the bench",
        "fork_server": os.environ.get("DTWIN_SANDBOX_FORK_SERVER", "1") != "0",
        "path": "simulate (iot-data Publish) -> IoT rule -> dispatcher -> processor -> "
        "persister -> DynamoDB; read back with query_hot (hot reader Lambda)",
        "messages": messages,
        "deploy_seconds": round(deploy_s, 1),
        "first_message_readable_ms": round(first_ms, 1),
        "msgs_per_s_median": statistics.median(r["msgs_per_s_end_to_end"] for r in measured),
        "rounds": measured,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    _write_doc(results)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--label", default="now")
    parser.add_argument("--no-fork-server", action="store_true")
    options = parser.parse_args()
    if options.no_fork_server:  # read by the sandbox daemon, which inherits it
        os.environ["DTWIN_SANDBOX_FORK_SERVER"] = "0"
    print(json.dumps(main(options.rounds, options.messages, options.label), indent=2))
