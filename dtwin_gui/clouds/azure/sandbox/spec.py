"""What the sandbox starts for Azure (issue 14): Azurite, cosmosdb-server and the HTTPS gateway
with the control API, the Functions host and the IoT Hub / Digital Twins / Grafana emulations.

Azure takes :attr:`~dtwin_gui.clouds.base.SandboxPath.PROVISIONED`: the provisioner creates
the deployment's intent on these emulators. Each Node emulator and each Function App runs in
its own process group (setsid) on a free loopback port with its data under ``data_dir``;
stop kills the groups.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path

from dtwin_gui.clouds.azure.sandbox.endpoints import AZURITE_ACCOUNT
from dtwin_gui.clouds.azure.sandbox.tools import find_tool
from dtwin_gui.clouds.base import EmulatorHandle, EmulatorSpec, SandboxPath
from dtwin_gui.core.providers import Cloud

LABEL = "Azurite + cosmosdb-server + Azure gateway"
HEALTH_PATH = "/_dtwin/health"
#: Where the daemon's environment names the gateway's certificate for the other clouds'
#: emulated functions (runtime/core/glue_sender.py trusts it).
SANDBOX_CA_ENV = "DTWIN_SANDBOX_CA_BUNDLE"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _spawn(
    argv: list[str], ready: str, log_path: Path, timeout_s: float = 60.0, cwd: Path | None = None
):
    with open(log_path, "wb") as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=cwd
        )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace")
        found = re.search(ready, text)
        if found:
            return proc, found
        if proc.poll() is not None:
            raise RuntimeError(f"{argv[0]} exited early: {text[-500:]}")
        time.sleep(0.05)
    kill_group(proc)
    raise RuntimeError(f"{argv[0]} did not start in {timeout_s:.0f}s")


def kill_group(proc: subprocess.Popen) -> None:
    """SIGTERM to ``proc``'s process group, SIGKILL after 10 s."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def start(
    data_dir: Path, *, health: Callable[[], dict] | None = None, **_options
) -> EmulatorHandle:
    from dtwin_gui.clouds.azure.sandbox.control import AzureControl
    from dtwin_gui.clouds.azure.sandbox.functions_host import FunctionsHost
    from dtwin_gui.clouds.azure.sandbox.gateway import AzureGateway
    from dtwin_gui.clouds.azure.sandbox.tls import make_certificate

    data_dir = Path(data_dir)
    (data_dir / "azurite").mkdir(parents=True, exist_ok=True)
    procs: list[subprocess.Popen] = []
    try:
        azurite, found = _spawn(
            [
                str(find_tool("azurite")),
                "--disableTelemetry",
                # the sandbox restarts empty, as emulated AWS and cosmosdb-server do
                "--inMemoryPersistence",
                "--skipApiVersionCheck",
                "--loose",
                "--blobHost",
                "127.0.0.1",
                "--blobPort",
                str(_free_port()),
                "--queuePort",
                "0",
                "--tablePort",
                "0",
            ],
            r"Blob service is successfully listening at (http://\S+?)/?\s",
            data_dir / "azurite.log",
            cwd=data_dir / "azurite",
        )
        procs.append(azurite)
        blob = found.group(1).rstrip("/") + "/" + AZURITE_ACCOUNT
        cosmos_port = _free_port()
        cosmos, _ = _spawn(
            [str(find_tool("cosmosdb-server")), "-p", str(cosmos_port)],
            r"Ready to accept HTTPS connections",
            data_dir / "cosmosdb.log",
        )
        procs.append(cosmos)
        cert, key = make_certificate(data_dir / "tls")
        pid = os.getpid()
        gateway = AzureGateway(
            cert, key, health=lambda: {**(health() if health else {}), "pid": pid}
        )
        control = AzureControl(gateway, FunctionsHost(data_dir, gateway, ca_path=str(cert)))
        gateway.add_route(control)
        gateway.start()
        # the other emulated clouds' functions (AWS's glue senders) trust the gateway
        os.environ[SANDBOX_CA_ENV] = str(cert)
    except BaseException:
        for proc in procs:
            kill_group(proc)
        raise

    def stop() -> None:
        if os.environ.get(SANDBOX_CA_ENV) == str(cert):
            os.environ.pop(SANDBOX_CA_ENV)
        try:
            control.stop()
            gateway.stop()
        finally:
            for proc in procs:
                kill_group(proc)

    return EmulatorHandle(
        endpoints={
            "azure": gateway.url,
            "azure_blob": blob,
            "azure_cosmos": f"https://127.0.0.1:{cosmos_port}",
            "azure_ca": str(cert),
        },
        stop=stop,
        details={
            "gateway": gateway,
            "control": control,
            "pid": pid,
            "ca": str(cert),
            "pgids": [p.pid for p in procs],
        },
    )


def healthy(handle: EmulatorHandle, timeout_s: float = 2.0) -> bool:
    import ssl

    try:
        context = ssl.create_default_context(cafile=handle.details["ca"])
        url = handle.endpoints["azure"] + HEALTH_PATH
        with urllib.request.urlopen(url, timeout=timeout_s, context=context) as reply:
            answer = json.loads(reply.read())
    except (OSError, ValueError, KeyError):
        return False
    return isinstance(answer, dict) and answer.get("pid") == handle.details.get("pid")


def counts(endpoints: Mapping[str, str], region: str | None = None) -> dict[str, int | None]:
    from dtwin_gui.clouds.azure.sandbox import endpoints as eps

    found: dict[str, int | None] = {}
    try:
        from azure.storage.blob import BlobServiceClient

        client = BlobServiceClient.from_connection_string(eps.azurite_connection_string(endpoints))
        found["blob containers"] = len(list(client.list_containers()))
    except Exception:  # a count we cannot get is shown as unknown
        found["blob containers"] = None
    try:
        from dtwin_gui.clouds.azure.connection import sandbox_connection
        from dtwin_gui.clouds.azure.sandbox.client import SandboxAzure

        resources = SandboxAzure(sandbox_connection(endpoints), timeout_s=5).resources()
        for key, label in (
            ("apps", "function apps"),
            ("iothubs", "IoT hubs"),
            ("digital_twins", "Digital Twins instances"),
            ("grafana", "Grafana instances"),
        ):
            found[label] = len(resources.get(key) or {})
    except Exception:
        found["function apps"] = None
    return found


def emulator_spec() -> EmulatorSpec:
    return EmulatorSpec(
        cloud=Cloud.AZURE,
        label=LABEL,
        start=start,
        healthy=healthy,
        sandbox_path=SandboxPath.PROVISIONED,
        counts=counts,
    )
