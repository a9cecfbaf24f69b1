"""Benchmark: one function's new code through ``update-function`` vs a full redeploy.

On the sandbox, the example twin deployed once; then, per round, a processor's code changes
and goes live by ``update_function`` (build, SDK upload, the state recorded as Terraform's
apply would leave it, live hash check), on AWS once more with the recording left to
Terraform's apply targeted at the function's two resources (the path where the state cannot
be edited), and changes again and goes live by a full redeploy (validate, build, init, plan
of the whole root, apply, verify). AWS through Terraform on moto; Azure on
its emulators (the provisioned path: no Terraform). Medians over the rounds. Writes
bench/results/update_function.json.

Run: .venv/bin/python bench/bench_update_function.py [--rounds N] [--only aws|azure]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from dtwin_gui.core.run_events import PhaseEvent

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "results" / "update_function.json"
PROCESSOR = "processor-temperature-sensor-1"
CODE = """\
def process(event: dict) -> dict:
    event["temperature"] = round(float(event["temperature"]), 2)
    event["bench_round"] = {round}
    return event
"""


def _phases() -> tuple[dict, callable]:
    phases: dict[str, float] = {}

    def sink(event):
        if isinstance(event, PhaseEvent) and event.state in ("finished", "skipped"):
            phases[event.phase] = round(phases.get(event.phase, 0.0) + event.elapsed, 2)

    return phases, sink


def _update(project: Path, connections, code: str, **options) -> dict:
    from dtwin_gui.deploy.update_function import FunctionUpdate

    (project / "processors" / "temperature-sensor-1" / "process.py").write_text(code)
    phases, sink = _phases()
    started = time.perf_counter()
    result = FunctionUpdate(project, connections, PROCESSOR, sink=sink, **options).run()
    total = time.perf_counter() - started
    assert result.status == "succeeded", result.message
    return {
        "total_s": round(total, 2),
        "live_after_s": result.live_after_s,
        "phases_s": phases,
        "recorded": result.recorded,
        "applied": result.applied,
    }


def _rounds(project: Path, connections, rounds: int, *, targeted: bool = False) -> dict:
    from dtwin_gui.deploy.orchestrator import Deployment

    processor = project / "processors" / "temperature-sensor-1" / "process.py"
    updates, redeploys, applied = [], [], []
    for n in range(rounds):
        updates.append(_update(project, connections, CODE.format(round=3 * n + 1)))
        if targeted:  # the same update recorded by Terraform's targeted apply instead
            code = CODE.format(round=3 * n + 3)
            applied.append(_update(project, connections, code, state_edits=False))
        processor.write_text(CODE.format(round=3 * n + 2))
        phases, sink = _phases()
        started = time.perf_counter()
        full = Deployment(project, connections, sink=sink).deploy()
        total = time.perf_counter() - started
        assert full.status == "succeeded", full.message
        redeploys.append({"total_s": round(total, 2), "phases_s": phases})
    update_s = statistics.median(u["total_s"] for u in updates)
    live_s = statistics.median(u["live_after_s"] for u in updates)
    redeploy_s = statistics.median(r["total_s"] for r in redeploys)
    out = {
        "rounds": rounds,
        "update_function_median_s": update_s,
        "update_function_live_after_median_s": live_s,
        "full_redeploy_median_s": redeploy_s,
        "update_vs_redeploy_pct": round(100 * update_s / redeploy_s, 1),
        "updates": updates,
        "redeploys": redeploys,
    }
    if applied:
        out["update_targeted_apply_median_s"] = statistics.median(a["total_s"] for a in applied)
        out["updates_targeted_apply"] = applied
    return out


def _project(work: Path, cloud: str) -> Path:
    project = work / f"project-{cloud}"
    shutil.copytree(REPO / "upload" / "template", project)
    if cloud != "aws":
        path = project / "config_providers.json"
        config = json.loads(path.read_text())
        path.write_text(json.dumps(dict.fromkeys(config, cloud), indent=2))
    return project


def bench_aws(work: Path, rounds: int) -> dict:
    from dtwin_gui.clouds.aws.connection import sandbox_target
    from dtwin_gui.clouds.aws.sandbox.emulator import AwsEmulator
    from dtwin_gui.deploy.orchestrator import Deployment

    project = _project(work, "aws")
    with AwsEmulator(workdir=work / "functions") as aws:
        target = sandbox_target(aws.endpoint, aws.region)
        started = time.perf_counter()
        first = Deployment(project, target).deploy()
        assert first.status == "succeeded", first.message
        deploy_s = round(time.perf_counter() - started, 2)
        return {"first_deploy_s": deploy_s, **_rounds(project, target, rounds, targeted=True)}


def bench_azure(work: Path, rounds: int) -> dict:
    from dtwin_gui.clouds import plugin
    from dtwin_gui.clouds.azure.sandbox.spec import start
    from dtwin_gui.clouds.base import Connections
    from dtwin_gui.core.providers import Cloud
    from dtwin_gui.deploy.orchestrator import Deployment

    project = _project(work, "azure")
    handle = start(work / "azure")
    try:
        connections = Connections.wrap(
            plugin(Cloud.AZURE).sandbox_connection(dict(handle.endpoints), "")
        )
        started = time.perf_counter()
        first = Deployment(project, connections).deploy()
        assert first.status == "succeeded", first.message
        deploy_s = round(time.perf_counter() - started, 2)
        return {"first_deploy_s": deploy_s, **_rounds(project, connections, rounds)}
    finally:
        handle.stop()


def main(rounds: int = 3, only: str | None = None) -> dict:
    import warnings

    warnings.filterwarnings("ignore", message="Unverified HTTPS request")
    work = Path(tempfile.mkdtemp(prefix="dtwin-bench-update-"))
    os.environ["DTWIN_DATA_DIR"] = str(work / "data")
    results: dict = {
        "machine": f"{platform.machine()} {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cores",
        "load_before": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        if only in (None, "aws"):
            results["aws_sandbox"] = bench_aws(work, rounds)
        if only in (None, "azure"):
            results["azure_sandbox"] = bench_azure(work, rounds)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["load_after"] = [round(x, 2) for x in os.getloadavg()]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(OUT.read_text()) if only and OUT.is_file() else {}
    OUT.write_text(json.dumps({**previous, **results}, indent=2) + "\n")
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=("aws", "azure"))
    args = parser.parse_args()
    print(json.dumps(main(args.rounds, args.only), indent=2))
