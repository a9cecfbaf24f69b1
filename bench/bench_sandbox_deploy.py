"""Benchmark: deploy the example twin to the sandbox, redeploy unchanged, status, destroy.

Splits each run into dtwin's own work (validate, build, SDK steps, verify) and Terraform's
(init, plan, apply/destroy: the Terraform binary and the aws provider). In one run: the first
deploy, a redeploy with nothing changed (the fingerprint matches: no Terraform, target
<= 15 % of the first deploy), and a ``--refresh`` redeploy (the full plan, as every
redeploy was before the fingerprint). Writes bench/results/sandbox_deploy.json.

Run: .venv/bin/python bench/bench_sandbox_deploy.py
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.clouds.aws.sandbox.emulator import AwsEmulator
from dtwin_gui.core.run_events import PhaseEvent
from dtwin_gui.deploy.orchestrator import Deployment

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "results" / "sandbox_deploy.json"
TERRAFORM_PHASES = {"init", "plan", "apply", "destroy"}


def _timed_run(action) -> dict:
    phases: dict[str, float] = {}
    skipped: list[str] = []

    def sink(event):
        if isinstance(event, PhaseEvent) and event.state in ("finished", "skipped"):
            phases[event.phase] = round(event.elapsed, 2)
            if event.state == "skipped":
                skipped.append(event.phase)

    started = time.perf_counter()
    result = action(sink)
    total = time.perf_counter() - started
    # A skipped phase ran no Terraform (a skipped init is the fingerprint check).
    terraform = sum(v for k, v in phases.items() if k in TERRAFORM_PHASES and k not in skipped)
    return {
        "status": result.status,
        "total_s": round(total, 2),
        "terraform_s": round(terraform, 2),
        "dtwin_s": round(total - terraform, 2),
        "phases_s": phases,
        "skipped": skipped,
        "message": result.message,
    }


def main() -> dict:
    work = Path(tempfile.mkdtemp(prefix="dtwin-bench-deploy-"))
    os.environ["DTWIN_DATA_DIR"] = str(work / "data")
    project = work / "project"
    shutil.copytree(REPO / "upload" / "template", project)
    try:
        with AwsEmulator(workdir=work / "functions") as aws:
            target = sandbox_target(aws.endpoint, aws.region)

            def deploy(sink, refresh=False):
                return Deployment(project, target, sink=sink).deploy(refresh=refresh)

            first = _timed_run(deploy)
            again = _timed_run(deploy)
            refreshed = _timed_run(lambda sink: deploy(sink, refresh=True))
            started = time.perf_counter()
            Deployment(project, target).status()
            status_s = time.perf_counter() - started
            started = time.perf_counter()
            Deployment(project, target).status(probe=False)
            state_only_s = time.perf_counter() - started
            gone = _timed_run(lambda sink: Deployment(project, target, sink=sink).destroy())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results = {
        "machine": f"{platform.machine()} {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cores",
        "deploy": first,
        "redeploy_no_change": again,
        "no_change_vs_first_pct": round(100 * again["total_s"] / first["total_s"], 1),
        "redeploy_refresh": refreshed,
        "status_with_live_probes_s": round(status_s, 2),
        "status_state_only_s": round(state_only_s, 3),
        "destroy": gone,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
