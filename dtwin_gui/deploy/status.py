"""Status per layer: what Terraform's state holds (read directly), checked live.

With ``probe`` every resource of the state is looked up in its cloud (each connected cloud's
``probes`` part, :mod:`dtwin_gui.deploy.cloud_parts`) and the SDK objects are probed; a layer
on a cloud this deployment is not connected to is shown as elsewhere. A layer is deployed only
when all of them are there; otherwise it is partial and lists what is missing ("3 of 16
missing"), and the last deploy's fingerprint is forgotten so that a deploy recreates them.

A cloud the sandbox provisions on emulators (no Terraform state, :mod:`.provision_phase`) is
looked up by its plugin's ``probe_provisioned`` part from the saved provision record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dtwin_gui.core.project import load_project
from dtwin_gui.core.providers import NOT_IN_TWIN, SLOTS
from dtwin_gui.core.topology import TopologyError, topology_for_project

#: Layer states, from nothing to everything.
NOT_DEPLOYED, PARTIAL, DEPLOYED, ELSEWHERE = "not deployed", "partial", "deployed", "elsewhere"
#: An optional layer (L4/L5) the twin leaves out ("none"): nothing is expected there.
LEFT_OUT = NOT_IN_TWIN
#: States that say nothing about this deployment's completeness.
_NOT_OURS = (ELSEWHERE, LEFT_OUT)


#: Readable kinds of the resource types and SDK objects a twin is made of.
KINDS = {
    "aws_lambda_function": "Lambda function",
    "aws_lambda_function_url": "Lambda URL",
    "aws_lambda_permission": "Lambda permission",
    "aws_iam_role": "IAM role",
    "aws_iam_role_policy": "IAM role policy",
    "aws_cloudwatch_log_group": "log group",
    "aws_s3_bucket": "S3 bucket",
    "aws_s3_bucket_policy": "S3 bucket policy",
    "aws_s3_bucket_public_access_block": "S3 public access block",
    "aws_s3_bucket_lifecycle_configuration": "S3 lifecycle rules",
    "aws_s3_object": "S3 object",
    "aws_scheduler_schedule": "schedule",
    "aws_sfn_state_machine": "state machine",
    "aws_iot_topic_rule": "IoT topic rule",
    "aws_iot_thing": "IoT thing",
    "aws_iot_policy": "IoT policy",
    "aws_grafana_workspace": "Grafana workspace",
    "aws_dynamodb_table": "DynamoDB table",
    "iot-certificate": "IoT certificate",
    "twinmaker-workspace": "TwinMaker workspace",
    "twinmaker-component-type": "TwinMaker component type",
    "twinmaker-entity": "TwinMaker entity",
    "grafana-dashboard": "Grafana dashboard",
    "grafana-datasource": "Grafana data source",
    "grafana-service-account": "Grafana service account",
    "function-app": "Function App",
    "cosmos-container": "Cosmos container",
    "blob-container": "Blob container",
    "iothub": "IoT Hub",
    "iothub-device": "IoT Hub device",
    "digital-twins": "Digital Twins instance",
    "grafana": "Managed Grafana",
}


def resource_kind(component: str) -> str:
    """``aws_lambda_function`` → ``Lambda function``; unknown types read as words."""
    if component in KINDS:
        return KINDS[component]
    data = component.startswith("data.")
    words = component.removeprefix("data.")
    for prefix in ("aws_", "azurerm_", "google_"):
        words = words.removeprefix(prefix)
    words = words.replace("_", " ").replace("-", " ")
    return f"{words} (data)" if data else words


@dataclass
class ResourceStatus:
    address: str
    component: str
    name: str
    state: str  # present | missing | drifted | error
    detail: str = ""
    source: str = "terraform"  # terraform | sdk | provisioned (on the sandbox's emulators)

    @property
    def kind(self) -> str:
        """What the resource is, for people (``Lambda function``, ``IAM role``)."""
        return resource_kind(self.component)


@dataclass
class LayerStatus:
    layer: str
    cloud: str
    state: str
    resources: list[ResourceStatus] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    #: Resources the layer should have that are not in the state at all (e.g. a function).
    expected_extra: int = 0

    @property
    def total(self) -> int:
        """How many resources the layer should have (state, SDK objects, expected ones)."""
        return len(self.resources) + self.expected_extra

    @property
    def summary(self) -> str:
        """``deployed``, ``3 of 16 missing``, ``not deployed`` ... (for people)."""
        if self.state == LEFT_OUT and self.resources:
            n = len(self.resources)
            return (
                f"{LEFT_OUT} ({n} resource{'s' if n != 1 else ''} left from an earlier deploy: "
                "the next deploy removes them)"
            )
        if self.state != PARTIAL or not self.missing:
            return self.state
        counts = {"missing": self.expected_extra, "drifted": 0, "error": 0}
        for resource in self.resources:
            if resource.state in counts:
                counts[resource.state] += 1
        parts = []
        if counts["missing"]:
            parts.append(f"{counts['missing']} of {self.total} missing")
        if counts["drifted"]:
            parts.append(f"{counts['drifted']} drifted")
        if counts["error"]:
            parts.append(f"{counts['error']} not checked")
        return ", ".join(parts) or f"{len(self.missing)} problem(s)"

    def to_json(self) -> dict:
        return {
            "layer": self.layer,
            "cloud": self.cloud,
            "state": self.state,
            "summary": self.summary,
            "missing": self.missing,
            "resources": [r.__dict__ for r in self.resources],
        }


@dataclass
class StatusReport:
    target: str
    twin_name: str
    layers: dict[str, LayerStatus]
    outputs: dict
    setup: list[ResourceStatus] = field(default_factory=list)

    @property
    def deployed(self) -> bool:
        relevant = [s for s in self.layers.values() if s.state not in _NOT_OURS]
        return bool(relevant) and all(s.state == DEPLOYED for s in relevant)

    @property
    def missing_setup(self) -> list[ResourceStatus]:
        """Shared (setup) resources of the state that the cloud no longer has."""
        return [r for r in self.setup if r.state != "present"]

    @property
    def incomplete(self) -> bool:
        """Something that was deployed is missing now (a deploy puts it back)."""
        return any(s.state == PARTIAL for s in self.layers.values()) or bool(self.missing_setup)

    @property
    def empty(self) -> bool:
        return all(
            s.state in (NOT_DEPLOYED, *_NOT_OURS) and not s.resources for s in self.layers.values()
        )

    def to_json(self) -> dict:
        return {
            "target": self.target,
            "twin_name": self.twin_name,
            "deployed": self.deployed,
            "incomplete": self.incomplete,
            "layers": {k: v.to_json() for k, v in self.layers.items()},
            "setup": [r.__dict__ for r in self.setup],
            "outputs": self.outputs,
        }


def collect_status(deployment, *, probe: bool = True) -> StatusReport:
    """Status of ``deployment`` (a :class:`~dtwin_gui.deploy.orchestrator.Deployment`)."""
    from dtwin_gui.iac.state import read_state

    project = load_project(deployment.project_root)
    workspace = deployment.workspace
    snapshot = read_state(workspace.terraform_dir)
    by_layer = snapshot.by_layer()
    try:
        topology = topology_for_project(project)
    except TopologyError:
        topology = None
    layers: dict[str, LayerStatus] = {}
    for slot in SLOTS:
        cloud = topology.cloud_of(slot) if topology else None
        status = LayerStatus(str(slot), str(cloud) if cloud else "", NOT_DEPLOYED)
        layers[str(slot)] = status
        if topology is not None and not topology.has(slot):
            status.state = LEFT_OUT
            for resource in by_layer.get(str(slot), []):  # from a deploy that still had it
                status.resources.append(
                    ResourceStatus(resource.address, resource.component, resource.name, "present")
                )
            continue
        if cloud is None or cloud not in deployment.connections:
            status.state = ELSEWHERE
            continue
        for resource in by_layer.get(str(slot), []):
            status.resources.append(
                ResourceStatus(resource.address, resource.component, resource.name, "present")
            )
        present = {r.name for r in status.resources}
        if status.resources:
            for function in topology.functions:
                if function.slot is slot and function.cloud is cloud:
                    name = topology.deployed_name(function)
                    if name not in present:
                        status.missing.append(f"function {name}")
                        status.expected_extra += 1
    setup = [
        ResourceStatus(r.address, r.component, r.name, "present") for r in by_layer.get("setup", [])
    ]
    if probe and not snapshot.empty:
        _probe_state(deployment.connections, snapshot, layers, setup)
    if topology is not None:
        _add_provisioned(deployment, topology, layers, live=probe)
    if probe and workspace.sdk_state_file.exists():
        _add_probes(deployment, layers)
    for status in layers.values():
        if status.state in _NOT_OURS:
            continue
        if not status.resources:
            status.state = NOT_DEPLOYED
        elif status.missing:
            status.state = PARTIAL
        else:
            status.state = DEPLOYED
    report = StatusReport(
        deployment.connections.name,
        project.twin_name,
        layers,
        workspace.read_json(workspace.outputs_file, {}),
        setup,
    )
    if probe and report.incomplete:
        # The cloud no longer matches the last deploy: the next deploy must run Terraform.
        from dtwin_gui.deploy.fingerprint import clear_deployed

        clear_deployed(workspace)
    return report


def _probe_state(connections, snapshot, layers: dict[str, LayerStatus], setup) -> None:
    """Mark every resource of the state that its cloud no longer has (live lookups)."""
    from dtwin_gui.clouds.base import MISSING, PRESENT
    from dtwin_gui.deploy.cloud_parts import probe_resources

    probes = probe_resources(connections, snapshot.resources)
    groups = [(status, status.resources) for status in layers.values()] + [(None, setup)]
    for status, resources in groups:
        for resource in resources:
            found = probes.get(resource.address)
            if found is None or found.state == PRESENT:
                resource.detail = found.detail if found else resource.detail
                continue
            resource.state, resource.detail = found.state, found.detail
            if status is None:
                continue
            word = "missing" if found.state == MISSING else "not checked"
            status.missing.append(f"{resource.kind} {resource.name} ({word}: {resource.address})")


def _add_provisioned(deployment, topology, layers: dict[str, LayerStatus], *, live: bool) -> None:
    """The objects of each connected cloud the sandbox provisioned (no Terraform state): its
    plugin's ``probe_provisioned`` part looks them up (``live``) or lists the record."""
    from dtwin_gui.clouds import plugin
    from dtwin_gui.core.providers import parse_cloud
    from dtwin_gui.deploy.provision_phase import load_state

    for name, record in sorted(load_state(deployment.workspace).items()):
        cloud = parse_cloud(name)
        if cloud is None or cloud not in deployment.connections:
            continue
        part = plugin(cloud).part("probe_provisioned")
        if part is None:
            continue  # its layers stay "not deployed": nothing of them can be shown
        own = [s for s in layers.values() if s.cloud == str(cloud) and s.state not in _NOT_OURS]
        try:
            probes = part(deployment.connections[cloud], record, topology, live=live)
        except Exception as exc:  # an unreachable emulator is a status, not a crash
            for status in own:
                status.resources.append(
                    ResourceStatus(
                        f"provisioned:{name}", "probe", name, "error", str(exc), "provisioned"
                    )
                )
                status.missing.append(f"live probes failed: {type(exc).__name__}: {exc}")
            continue
        _add_step_probes(layers, probes, "provisioned")


def _add_step_probes(layers: dict[str, LayerStatus], probes, source: str) -> None:
    for p in probes:
        status = layers.get(str(p.layer))
        if status is None or status.state in _NOT_OURS:
            continue
        status.resources.append(
            ResourceStatus(f"{source}:{p.kind}:{p.name}", p.kind, p.name, p.state, p.detail, source)
        )
        if p.state != "present":
            status.missing.append(f"{resource_kind(p.kind)} {p.name} ({p.state}: {p.detail})")


def _add_probes(deployment, layers: dict[str, LayerStatus]) -> None:
    from dtwin_gui.deploy.sdk_phase import probe_sdk

    try:
        probes = probe_sdk(deployment, deployment.saved_outputs())
    except Exception as exc:  # an unreachable cloud is a status, not a crash
        for status in layers.values():
            if status.state not in _NOT_OURS and status.resources:
                status.missing.append(f"live probes failed: {type(exc).__name__}: {exc}")
        return
    for p in probes:
        status = layers.get(str(p.layer))
        if status is None or status.state == LEFT_OUT:
            continue
        status.resources.append(
            ResourceStatus(f"sdk:{p.kind}:{p.name}", p.kind, p.name, p.state, p.detail, "sdk")
        )
        if p.state != "present":
            status.missing.append(f"{p.kind} {p.name} ({p.state})")
