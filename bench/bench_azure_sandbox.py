"""Benchmark: the all-Azure example twin on the sandbox's emulated Azure (issue 14).

Measures: how long the Azure emulator takes to start (Azurite, cosmosdb-server, the HTTPS
gateway) and the whole sandbox daemon (`dtwin sandbox up`: emulated AWS and Azure); the first
deploy (build, provision on the emulators, SDK steps, verify) split by phase; a redeploy
with nothing changed; telemetry through IoT Hub until every message is in Cosmos (messages
per second, end to end through dispatcher, processor and persister); `dtwin query` through
the hot reader; the destroy. Writes bench/results/azure_sandbox.json.

Run: .venv/bin/python bench/bench_azure_sandbox.py [--messages 300]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "results" / "azure_sandbox.json"


def _phases(action) -> dict:
    from dtwin_gui.core.run_events import PhaseEvent

    phases: dict[str, float] = {}

    def sink(event):
        if isinstance(event, PhaseEvent) and event.state in ("finished", "skipped"):
            phases[event.phase] = round(event.elapsed, 2)

    start = time.perf_counter()
    result = action(sink)
    assert result.status == "succeeded", result.message
    return {"total_s": round(time.perf_counter() - start, 2), "phases": phases}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=300)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dtwin-bench-azure-"))
    for name in ("DTWIN_DATA_DIR", "DTWIN_CONFIG_DIR", "DTWIN_PROJECTS_DIR"):
        os.environ[name] = str(work / name.lower())
    from dtwin_gui.clouds import plugin
    from dtwin_gui.clouds.azure.provision import _cosmos
    from dtwin_gui.clouds.azure.publish import DeviceClient
    from dtwin_gui.clouds.azure.sandbox.spec import start
    from dtwin_gui.clouds.base import Connections
    from dtwin_gui.core.providers import Cloud
    from dtwin_gui.core.scaffold import template_dir
    from dtwin_gui.deploy.orchestrator import Deployment
    from dtwin_gui.deploy.query import query_hot
    from dtwin_gui.deploy.workspace import DeploymentWorkspace
    from dtwin_gui.sandbox import daemon

    out: dict = {"machine": platform.platform(), "cpus": os.cpu_count(), "load": os.getloadavg()}
    began = time.perf_counter()
    daemon.up()
    out["sandbox_up_s"] = round(time.perf_counter() - began, 2)
    daemon.down()

    project = work / "project"
    shutil.copytree(template_dir(), project)
    providers = json.loads((project / "config_providers.json").read_text())
    providers.update({k: "azure" for k in providers if k.endswith("_provider")})
    (project / "config_providers.json").write_text(json.dumps(providers, indent=2))

    began = time.perf_counter()
    handle = start(work / "emulator")
    out["azure_emulator_start_s"] = round(time.perf_counter() - began, 2)
    try:
        connections = Connections.wrap(plugin(Cloud.AZURE).sandbox_connection(handle.endpoints, ""))
        azure = connections[Cloud.AZURE]

        def deploy(sink):
            return Deployment(project, connections, sink=sink).deploy()

        out["first_deploy"] = _phases(deploy)
        out["no_change_redeploy"] = _phases(deploy)

        workspace = DeploymentWorkspace(project, "sandbox").root
        devices = ["temperature-sensor-1", "temperature-sensor-2", "pressure-sensor-1"]
        clients = [DeviceClient.from_workspace(workspace, d, azure.ca_path) for d in devices]
        hot = _cosmos(azure).get_database_client("factory-twin").get_container_client("hot")
        began = time.perf_counter()
        for i in range(args.messages):
            client = clients[i % len(clients)]
            moment = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - 3600 + i))
            body = {"iotDeviceId": client.device_id, "time": f"{moment}.{i % 1000:03d}Z"}
            body.update(temperature=20.0 + i % 10, pressure=1000.0 + i % 10)
            client.send(body)
        sent_s = time.perf_counter() - began
        deadline = time.monotonic() + 600
        query = "SELECT VALUE COUNT(1) FROM c"
        while time.monotonic() < deadline:
            count = next(iter(hot.query_items(query, enable_cross_partition_query=True)))
            if count >= args.messages:
                break
            time.sleep(0.2)
        stored_s = time.perf_counter() - began
        out["telemetry"] = {
            "messages": args.messages,
            "sent_s": round(sent_s, 2),
            "all_in_cosmos_s": round(stored_s, 2),
            "msgs_per_s_end_to_end": round(args.messages / stored_s, 1),
            "stored": count,
        }
        began = time.perf_counter()
        records = query_hot(project, connections, limit=100).records
        out["query_100_s"] = round(time.perf_counter() - began, 2)
        out["query_records"] = len(records)
        out["destroy"] = _phases(lambda sink: Deployment(project, connections, sink=sink).destroy())
    finally:
        handle.stop()
        shutil.rmtree(work, ignore_errors=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
