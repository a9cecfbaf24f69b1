"""Benchmark: a three-cloud twin deployed with the clouds side by side vs one at a time
(issue 16: deploy time ≤ 1.15 × the slowest single-cloud part deployed alone).

The twin is the example project on the provider row Google, AWS, Azure, Google, AWS, Azure,
AWS (L1 … L5) on the sandbox's three emulated clouds, deployed from empty and destroyed,
alternately:

* **one at a time** (``Deployment.side_by_side = False``): the apply, each provisioner and
  each cloud's SDK steps run one after another, so each cloud's work is timed with nothing
  else running. A cloud's *part deployed alone* is what a deploy of that cloud's work alone
  takes: the shared phases every deploy runs (validate, build, verify), Terraform's init and
  plan for the Terraform cloud, and that cloud's own tasks (AWS: apply + SDK steps; Azure:
  provision + SDK steps; Google: provision);
* **side by side** (the default): the whole deploy's wall time.

Writes bench/results/multicloud_deploy.json.
Run: .venv/bin/python bench/bench_multicloud_deploy.py [--rounds 3]
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

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "results" / "multicloud_deploy.json"
ROW = ("google", "aws", "azure", "google", "aws", "azure", "aws")
#: Phases any deploy runs, whichever clouds it has; init and plan only with a Terraform root.
SHARED = ("validate", "build", "verify")
TERRAFORM = ("init", "plan")


def _write_row(project: Path) -> None:
    from dtwin_gui.core.providers import PROVIDER_KEYS, SLOTS

    keys = [PROVIDER_KEYS[s] for s in SLOTS]
    (project / "config_providers.json").write_text(json.dumps(dict(zip(keys, ROW, strict=True))))


def _deploy(project: Path, connections, side_by_side: bool) -> dict:
    from dtwin_gui.core.run_events import PhaseEvent
    from dtwin_gui.deploy.orchestrator import Deployment

    phases: dict[str, float] = {}

    def sink(event):
        if isinstance(event, PhaseEvent) and event.state in ("finished", "skipped"):
            phases[event.phase] = round(event.elapsed, 2)

    deployment = Deployment(project, connections, sink=sink)
    deployment.side_by_side = side_by_side
    started = time.perf_counter()
    result = deployment.deploy()
    total = time.perf_counter() - started
    assert result.status == "succeeded", (result.message, result.log_path.read_text()[-3000:])
    tasks = {
        name: round(end - begun, 2) for name, (begun, end) in deployment.cloud_work.timings.items()
    }
    gone = deployment.destroy()
    assert gone.status == "succeeded", gone.message
    return {"total_s": round(total, 2), "phases": phases, "tasks": tasks}


def _alone(run: dict) -> dict[str, float]:
    """Each cloud's part deployed alone, from a one-at-a-time run."""
    shared = sum(run["phases"].get(p, 0.0) for p in SHARED)
    terraform = sum(run["phases"].get(p, 0.0) for p in TERRAFORM)
    parts: dict[str, float] = {}
    for task, seconds in run["tasks"].items():
        cloud = "aws" if task == "apply" else task.partition(":")[2] or "aws"
        parts[cloud] = parts.get(cloud, 0.0) + seconds
    parts["aws"] = parts.get("aws", 0.0) + terraform
    return {cloud: round(shared + seconds, 2) for cloud, seconds in parts.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dtwin-bench-multicloud-"))
    for name in ("DTWIN_DATA_DIR", "DTWIN_CONFIG_DIR", "DTWIN_PROJECTS_DIR"):
        os.environ[name] = str(work / name.lower())
    # Glue secrets stay in this process (the "fail" keyring: dtwin keeps them in memory),
    # never in the user's keyring.
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    from dtwin_gui.clouds import plugin
    from dtwin_gui.clouds.aws.connection import sandbox_target
    from dtwin_gui.clouds.aws.sandbox.emulator import AwsEmulator
    from dtwin_gui.clouds.azure.sandbox.spec import start as start_azure
    from dtwin_gui.clouds.base import SANDBOX, Connections
    from dtwin_gui.clouds.google.sandbox.spec import start as start_google
    from dtwin_gui.core.providers import SLOTS, Cloud
    from dtwin_gui.core.scaffold import template_dir

    azure = start_azure(work / "azure")
    google = start_google(work / "google")
    os.environ["FIRESTORE_EMULATOR_HOST"] = google.endpoints["firestore"]
    runs: dict[str, list[dict]] = {"one_at_a_time": [], "side_by_side": []}
    try:
        with AwsEmulator(workdir=work / "aws") as aws:
            connections = Connections(
                SANDBOX,
                {
                    Cloud.AWS: sandbox_target(aws.endpoint, aws.region),
                    Cloud.AZURE: plugin(Cloud.AZURE).sandbox_connection(dict(azure.endpoints), ""),
                    Cloud.GOOGLE: plugin(Cloud.GOOGLE).sandbox_connection(
                        dict(google.endpoints), ""
                    ),
                },
            )
            project = work / "project"
            shutil.copytree(template_dir(), project)
            _write_row(project)
            _deploy(project, connections, True)  # warm: provider start, package builds
            for _ in range(args.rounds):
                runs["one_at_a_time"].append(_deploy(project, connections, False))
                runs["side_by_side"].append(_deploy(project, connections, True))
                print(json.dumps({k: v[-1] for k, v in runs.items()}, indent=1), flush=True)
    finally:
        azure.stop()
        google.stop()
        shutil.rmtree(work, ignore_errors=True)

    alone = [_alone(run) for run in runs["one_at_a_time"]]
    slowest = [max(a.values()) for a in alone]
    together = [run["total_s"] for run in runs["side_by_side"]]
    ratios = [round(t / s, 3) for t, s in zip(together, slowest, strict=True)]
    # Terraform's apply alone varies by ±2 s from run to run: the medians are compared.
    ratio = round(statistics.median(together) / statistics.median(slowest), 3)
    summary = {
        "row": dict(zip([str(s) for s in SLOTS], ROW, strict=True)),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "load_average": os.getloadavg(),
        "runs": runs,
        "alone_s": alone,
        "one_at_a_time_total_s": [run["total_s"] for run in runs["one_at_a_time"]],
        "side_by_side_total_s": together,
        "ratio_to_slowest_part": ratios,
        "ratio_of_medians": ratio,
        "target": 1.15,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps({k: summary[k] for k in list(summary)[4:]}, indent=1))


if __name__ == "__main__":
    main()
