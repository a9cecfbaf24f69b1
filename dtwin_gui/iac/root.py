"""Generate the Terraform root of one deployment (DESIGN.md §2 "Generated root, static modules").

The root (``main.tf.json``, JSON syntax) instantiates one static module per layer hosted on
AWS (``module.aws_<layer>``, source ``terraform/modules/aws/<layer>``), feeds each module
what the topology says (names, packages from the build, devices, topics, ages, features),
wires module outputs to module inputs (the persister gets the hot table, the dispatcher the
processors...), and declares root outputs. A ``module.aws_setup`` (``terraform/modules/aws/
setup``) uploads the function packages to one bucket; every Lambda takes its code from there,
which lets Terraform create the functions in parallel.

What crosses to another cloud comes in through root variables: the receiver URL on the
other cloud and the HMAC secret of each boundary. They are declared ``sensitive`` and their
values come from ``TF_VAR_<name>`` in Terraform's process environment — never from a file.
Credentials never appear either: the provider reads them from the process environment.

The file is deterministic (sorted keys), so an unchanged project gives identical bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from dtwin_gui.build.cache import BuildResult
from dtwin_gui.core import topology as topo
from dtwin_gui.core.fsutil import atomic_write_text
from dtwin_gui.core.naming import RULES, UNIQUE_SUFFIX_PLACEHOLDER
from dtwin_gui.core.project import STATE_MACHINE_FILES, Project, load_project
from dtwin_gui.core.providers import SLOTS, Cloud, Slot
from dtwin_gui.core.topology import FunctionSpec, Topology, TopologyError, topology_for_project
from dtwin_gui.deploy.target import Target
from dtwin_gui.iac.addresses import SETUP, module_name, module_path
from dtwin_gui.runtime.core.function_config import FunctionConfig

ROOT_FILE = "main.tf.json"
AWS_PROVIDER_VERSION = "5.100.0"
#: Environment variable pointing at another ``terraform/`` folder (packaged installs).
TERRAFORM_DIR_ENV = "DTWIN_TERRAFORM_DIR"
#: The account the sandbox emulator (moto) reports.
SANDBOX_ACCOUNT = "123456789012"
#: Attempts the aws provider makes per call against the sandbox.
SANDBOX_MAX_RETRIES = 3
#: Services the AWS modules call; the sandbox provider sends each to the emulator.
SANDBOX_SERVICES = (
    "dynamodb",
    "grafana",
    "iam",
    "iot",
    "lambda",
    "logs",
    "s3",
    "scheduler",
    "sfn",
    "sts",
)
#: The boundaries whose receiver is the hot reader share its one glue secret.
_READER_BOUNDARIES = frozenset({"l4-l3hot-reader", "l5-l3hot-reader"})


class RootError(ValueError):
    """The root cannot be generated; the message says what is wrong and what to do."""


@dataclass(frozen=True)
class RootVariable:
    """A root variable whose value must come from ``TF_VAR_<name>`` (glue across clouds)."""

    name: str
    #: The boundaries it serves (``l1-l2-ingestion``; both reader boundaries share one).
    boundaries: tuple[str, ...]
    kind: str  # "url" | "secret" | "previous_secret"
    required: bool
    description: str

    @property
    def env_name(self) -> str:
        return f"TF_VAR_{self.name}"


@dataclass(frozen=True)
class RootInfo:
    """What :func:`generate_root` wrote."""

    path: Path
    #: Module names in use (``aws_l1`` ...), in layer order.
    modules: tuple[str, ...]
    variables: tuple[RootVariable, ...]
    #: Root output names, sorted.
    outputs: tuple[str, ...]
    #: The six characters that make bucket names globally unique.
    unique_suffix: str

    @property
    def required_env(self) -> tuple[str, ...]:
        """``TF_VAR_*`` names that must be set in Terraform's environment."""
        return tuple(v.env_name for v in self.variables if v.required)

    @property
    def optional_env(self) -> tuple[str, ...]:
        """``TF_VAR_*`` names that may be set (previous secrets during rotation)."""
        return tuple(v.env_name for v in self.variables if not v.required)


# --- where the modules are ------------------------------------------------------------------


def terraform_dir() -> Path:
    """The folder holding ``modules/<cloud>/<layer>``: ``$DTWIN_TERRAFORM_DIR``, else the
    repository's ``terraform/`` (found upwards from this package), else the copy an installed
    app ships under ``<prefix>/share/dtwin/terraform``."""
    override = os.environ.get(TERRAFORM_DIR_ENV)
    if override:
        return Path(override)
    here = Path(__file__).resolve()
    candidates = [base / "terraform" for base in here.parents]
    candidates.append(Path(sys.prefix) / "share" / "dtwin" / "terraform")
    for candidate in candidates:
        if (candidate / "modules" / "aws").is_dir():
            return candidate
    raise RootError(
        "the Terraform modules (terraform/modules) are missing from this installation; "
        f"set {TERRAFORM_DIR_ENV} to the folder that holds them"
    )


def module_source(cloud: Cloud | str, layer: Slot | str) -> str:
    """The ``source`` of a layer's module in the root: ``<terraform>/modules//aws/l2``.

    The part before ``//`` is the package Terraform copies at init; a layer module reaches
    the parts it shares with the others (``../_function``, ``../_bucket``) inside it."""
    relative = module_path(cloud, layer)  # modules/<cloud>/<layer>
    package, _, inner = relative.partition("/")
    return f"{terraform_dir() / package}//{inner}"


# --- names ----------------------------------------------------------------------------------


def unique_suffix(account_id: str, region: str) -> str:
    """Six lowercase hex characters from account and region: what replaces the topology's
    placeholder in globally unique names (buckets), identical on every run."""
    return hashlib.sha256(f"{account_id}/{region}".encode()).hexdigest()[:6]


def _check_name(name: str, rule_key: str, what: str) -> str:
    problems = RULES[rule_key].problems(name)
    if problems:
        raise RootError(f"{what} {name!r} {problems[0]}; choose a shorter twin name in config.json")
    return name


@dataclass(frozen=True)
class _Names:
    """Resource names of the AWS part: the topology's, plus the few it does not define."""

    twin: str
    suffix: str
    topology: Topology

    def resource(self, purpose: str) -> str:
        for entry in self.topology.resource_names:
            if entry.cloud is Cloud.AWS and entry.purpose == purpose:
                return entry.name.replace(UNIQUE_SUFFIX_PLACEHOLDER, self.suffix)
        raise RootError(f"the topology names no AWS resource for {purpose!r}")

    # Names below are not (yet) part of the topology; they live here, checked against the
    # same naming rules, and reach the SDK steps through the root outputs.
    def thing(self, device_id: str) -> str:
        return _check_name(f"{self.twin}-{device_id}", "aws.iot_thing", "IoT thing name")

    def device_policy(self, device_id: str) -> str:
        return _check_name(f"{self.twin}-{device_id}", "aws.iot_thing", "IoT policy name")

    def schedule_role(self, tier: str) -> str:
        return _check_name(f"{self.twin}-{tier}-schedule", "aws.iam_role", "IAM role name")

    def workflow(self) -> str:
        return _check_name(f"{self.twin}-workflow", "aws.iam_role", "state machine name")

    def functions_bucket(self) -> str:
        name = f"{self.twin}-functions-{self.suffix}"
        return _check_name(name, "aws.s3_bucket", "S3 bucket name")

    def twinmaker_bucket(self) -> str:
        name = f"{self.twin}-twinmaker-{self.suffix}"
        return _check_name(name, "aws.s3_bucket", "S3 bucket name")

    def service_role(self, service: str) -> str:
        return _check_name(f"{self.twin}-{service}", "aws.iam_role", "IAM role name")


def glue_variable(boundary: str, kind: str) -> str:
    """The root variable carrying ``kind`` (``url``, ``secret``, ``previous_secret``) of a
    boundary: ``glue_l1_l2_ingestion_secret``. Both reader boundaries end at the hot reader,
    which has one secret, so they share ``glue_l3hot_reader_*``."""
    if kind not in ("url", "secret", "previous_secret"):
        raise ValueError(f"unknown glue variable kind {kind!r}")
    key = "l3hot_reader" if boundary in _READER_BOUNDARIES else boundary.replace("-", "_")
    return f"glue_{key}_{kind}"


# --- JSON values ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ref:
    """A Terraform expression (``module.aws_l2.processor_arns``), written as ``${...}``."""

    expression: str


def _literal(text: str) -> str:
    # Strings in JSON syntax are templates: keep user text from being interpolated.
    return text.replace("${", "$${").replace("%{", "%%{")


def _encode(value: object) -> object:
    if isinstance(value, _Ref):
        return f"${{{value.expression}}}"
    if isinstance(value, str):
        return _literal(value)
    if isinstance(value, Mapping):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value


def _package_hash(sha256_hex: str) -> str:
    """Lambda's ``source_code_hash``: base64 of the zip's SHA-256."""
    return base64.b64encode(bytes.fromhex(sha256_hex)).decode("ascii")


# --- the generator --------------------------------------------------------------------------


class _RootBuilder:
    def __init__(
        self, project: Project, topology: Topology, target: Target, builds, names: _Names
    ) -> None:
        self.project = project
        self.topology = topology
        self.target = target
        self.names = names
        self.twin = topology.twin_name
        self.slots = set(topology.slots_on(Cloud.AWS))
        self.builds = {b.function: b for b in builds if str(b.cloud) == str(Cloud.AWS)}
        self.modules: dict[str, dict] = {}
        #: Function packages the setup module uploads, by deployed name: path and hash.
        self.packages: dict[str, dict[str, str]] = {}
        self.variables: dict[str, RootVariable] = {}
        self.outputs: dict[str, object] = {}
        self.topics = FunctionConfig(role="", twin_name=self.twin, cloud="aws", name="")

    # .. helpers ...........................................................................
    def on_aws(self, slot: Slot) -> bool:
        return slot in self.slots

    def module(self, slot: Slot) -> str:
        return module_name(Cloud.AWS, slot)

    def ref(self, slot: Slot, output: str) -> _Ref:
        return _Ref(f"module.{self.module(slot)}.{output}")

    def functions(self, slot: Slot, role: str) -> list[FunctionSpec]:
        return [
            f for f in self.topology.functions_on(Cloud.AWS) if f.slot is slot and f.role == role
        ]

    def function_input(self, function: FunctionSpec) -> dict:
        build = self.builds.get(function.name)
        deployed = self.topology.deployed_name(function)
        if build is None:
            raise RootError(
                f"no package for AWS function {function.name!r}; build the project first "
                "(dtwin build)"
            )
        if build.name != deployed or build.role != function.role:
            raise RootError(
                f"the package of {function.name!r} is stale ({build.name}, role {build.role}); "
                "rebuild the project"
            )
        self.packages[deployed] = {"path": str(Path(build.path).resolve()), "hash": build.sha256}
        setup = module_name(Cloud.AWS, SETUP)
        return {
            "name": deployed,
            "role_name": self.names.resource(f"role of {function.name}"),
            "handler": build.handler,
            "s3_bucket": _Ref(f"module.{setup}.bucket"),
            "s3_key": _Ref(f"module.{setup}.package_keys[{json.dumps(deployed)}]"),
            "package_hash": _package_hash(build.sha256),
        }

    def single(self, slot: Slot, role: str) -> dict | None:
        found = self.functions(slot, role)
        return self.function_input(found[0]) if found else None

    def variable(self, boundary: str, kind: str, *, required: bool) -> _Ref:
        name = glue_variable(boundary, kind)
        served = tuple(
            sorted({boundary, *(self.variables[name].boundaries if name in self.variables else ())})
        )
        what = {
            "url": "URL of the receiver on the other cloud",
            "secret": "HMAC secret",
            "previous_secret": "previous HMAC secret, accepted during rotation",
        }[kind]
        self.variables[name] = RootVariable(
            name, served, kind, required, f"{what} (boundary {', '.join(served)})"
        )
        return _Ref(f"var.{name}")

    def crossing(self, name: str) -> topo.Boundary | None:
        return self.topology.boundary(name)

    def receiver_secrets(self, boundary: str, secret: str, previous: str) -> dict:
        """Inputs of a receiver on AWS: the boundary's secret (+ the previous one)."""
        return {
            secret: self.variable(boundary, "secret", required=True),
            previous: self.variable(boundary, "previous_secret", required=False),
        }

    def sender_remote(self, boundary: str, url: str, secret: str) -> dict:
        """Inputs of a sender on AWS: the receiver's URL and the boundary's secret."""
        return {
            url: self.variable(boundary, "url", required=True),
            secret: self.variable(boundary, "secret", required=True),
        }

    def common(self, slot: Slot) -> dict:
        return {
            "source": module_source(Cloud.AWS, slot),
            "twin_name": self.twin,
            "log_level": "DEBUG" if self.project.mode == "DEBUG" else "INFO",
        }

    def days(self, attribute: str, key: str) -> int:
        value = getattr(self.project, attribute)
        if not isinstance(value, int) or value < 1:
            raise RootError(f"config.json: {key} must be a whole number of days ≥ 1")
        return value

    # .. layers ............................................................................
    def l1(self) -> None:
        devices = {
            device: {
                "thing_name": self.names.thing(device),
                "policy_name": self.names.device_policy(device),
                "telemetry_topic": self.topics.topic(self.topics.telemetry_topic, device),
                "feedback_topic": self.topics.topic(self.topics.feedback_topic, device),
            }
            for device in self.project.device_ids
        }
        inputs = {
            **self.common(Slot.L1),
            "dispatcher": self.single(Slot.L1, topo.DISPATCHER),
            "rule_name": self.names.resource("telemetry topic rule"),
            "telemetry_topic_filter": self.topics.topic(self.topics.telemetry_topic, "+"),
            "devices": devices,
        }
        if self.on_aws(Slot.L2):
            inputs["processor_arns"] = self.ref(Slot.L2, "processor_arns")
        connector = self.single(Slot.L1, topo.CONNECTOR)
        if connector:
            inputs["connector"] = connector
            inputs.update(self.sender_remote("l1-l2-ingestion", "remote_url", "remote_secret"))
        self.modules[self.module(Slot.L1)] = inputs
        self.outputs.update(
            iot_thing_names=self.ref(Slot.L1, "things"),
            iot_policy_names=self.ref(Slot.L1, "policies"),
            telemetry_rule_name=self.ref(Slot.L1, "topic_rule_name"),
        )
        if not self.target.is_sandbox:
            # The emulator answers DescribeEndpoint with a new random host on every call,
            # which would make every plan show a change; the sandbox needs no endpoint.
            self.outputs["iot_endpoint"] = _Ref("data.aws_iot_endpoint.data.endpoint_address")

    def l2(self) -> None:
        inputs = {
            **self.common(Slot.L2),
            "processors": {
                f.device_id: self.function_input(f) for f in self.functions(Slot.L2, topo.PROCESSOR)
            },
            "persister": self.single(Slot.L2, topo.PERSISTER),
            "actions": {
                f.action: self.function_input(f) for f in self.functions(Slot.L2, topo.EVENT_ACTION)
            },
        }
        checker = self.single(Slot.L2, topo.EVENT_CHECKER)
        if checker:
            inputs["event_checker"] = checker
            workflow = self.workflow()
            if workflow:
                inputs["workflow"] = workflow
                self.outputs["workflow_arn"] = self.ref(Slot.L2, "workflow_arn")
        feedback = self.single(Slot.L2, topo.EVENT_FEEDBACK)
        if feedback:
            inputs["event_feedback"] = feedback
            inputs["feedback_topic_pattern"] = self.topics.topic(self.topics.feedback_topic, "*")
            if self.on_aws(Slot.L1) and not self.target.is_sandbox:
                inputs["iot_endpoint"] = _Ref("data.aws_iot_endpoint.data.endpoint_address")
        if self.on_aws(Slot.L3_HOT):
            inputs["hot_table"] = self.ref(Slot.L3_HOT, "table")
            inputs["hot_ttl_days"] = self.hot_ttl_days()
        else:
            inputs.update(
                self.sender_remote("l2-l3hot-writer", "hot_writer_url", "hot_writer_secret")
            )
        if self.crossing("l2-l4-twin-update"):
            inputs.update(
                self.sender_remote("l2-l4-twin-update", "twin_update_url", "twin_update_secret")
            )
        ingestion = self.single(Slot.L2, topo.INGESTION)
        if ingestion:
            inputs["ingestion"] = ingestion
            inputs.update(
                self.receiver_secrets(
                    "l1-l2-ingestion", "ingestion_secret", "ingestion_previous_secret"
                )
            )
            self.outputs["l1_l2_ingestion_receiver_url"] = self.ref(Slot.L2, "ingestion_url")
        self.modules[self.module(Slot.L2)] = inputs

    def workflow(self) -> dict | None:
        if not self.project.feature("trigger_notification_workflow"):
            return None
        relative = STATE_MACHINE_FILES[Cloud.AWS]
        try:
            definition = (self.project.root / relative).read_text(encoding="utf-8-sig")
            json.loads(definition)
        except OSError:
            raise RootError(
                f"{relative}: the workflow feature is on but the file is missing; add it or "
                "turn trigger_notification_workflow off in config_features.json"
            ) from None
        except ValueError as exc:
            raise RootError(f"{relative}: not valid JSON ({exc})") from None
        return {
            "name": self.names.workflow(),
            "role_name": self.names.service_role("workflow"),
            "definition": definition,
        }

    def hot_ttl_days(self) -> int:
        # The TTL is a safety net behind the mover: twice the hot period.
        return 2 * self.days("hot_days", "hot_storage_size_in_days")

    def l3_hot(self) -> None:
        inputs = {
            **self.common(Slot.L3_HOT),
            "table_name": self.names.resource("hot table"),
            "hot_days": self.days("hot_days", "hot_storage_size_in_days"),
            "hot_reader": self.single(Slot.L3_HOT, topo.HOT_READER),
            "hot_to_cold_mover": self.single(Slot.L3_HOT, topo.HOT_TO_COLD_MOVER),
            "mover_schedule": {
                "name": self.topology.deployed_name(
                    self.functions(Slot.L3_HOT, topo.HOT_TO_COLD_MOVER)[0]
                ),
                "role_name": self.names.schedule_role("hot"),
            },
        }
        readers = [b for b in _READER_BOUNDARIES if self.crossing(b)]
        if readers:
            inputs["remote_readers"] = True
            for boundary in sorted(readers):
                inputs.update(
                    self.receiver_secrets(boundary, "reader_secret", "reader_previous_secret")
                )
        if self.on_aws(Slot.L3_COLD):
            inputs["cold_bucket"] = self.ref(Slot.L3_COLD, "bucket")
        else:
            inputs.update(
                self.sender_remote("l3hot-l3cold-writer", "cold_writer_url", "cold_writer_secret")
            )
        writer = self.single(Slot.L3_HOT, topo.HOT_WRITER)
        if writer:
            inputs["hot_writer"] = writer
            inputs["hot_ttl_days"] = self.hot_ttl_days()
            inputs.update(
                self.receiver_secrets(
                    "l2-l3hot-writer", "hot_writer_secret", "hot_writer_previous_secret"
                )
            )
            self.outputs["l2_l3hot_writer_receiver_url"] = self.ref(Slot.L3_HOT, "hot_writer_url")
        self.modules[self.module(Slot.L3_HOT)] = inputs
        table = self.ref(Slot.L3_HOT, "table")
        self.outputs.update(
            hot_table_name=_Ref(f"{table.expression}.name"),
            hot_reader_function_name=inputs["hot_reader"]["name"],
            hot_reader_url=self.ref(Slot.L3_HOT, "hot_reader_url"),
        )

    def l3_cold(self) -> None:
        inputs = {
            **self.common(Slot.L3_COLD),
            **self.bucket_settings("cold bucket"),
            "cold_days": self.days("cold_days", "cold_storage_size_in_days"),
            "cold_to_archive_mover": self.single(Slot.L3_COLD, topo.COLD_TO_ARCHIVE_MOVER),
            "mover_schedule": {
                "name": self.topology.deployed_name(
                    self.functions(Slot.L3_COLD, topo.COLD_TO_ARCHIVE_MOVER)[0]
                ),
                "role_name": self.names.schedule_role("cold"),
            },
        }
        if self.on_aws(Slot.L3_ARCHIVE):
            inputs["archive_bucket"] = self.ref(Slot.L3_ARCHIVE, "bucket")
        else:
            inputs.update(
                self.sender_remote(
                    "l3cold-l3archive-writer", "archive_writer_url", "archive_writer_secret"
                )
            )
        writer = self.single(Slot.L3_COLD, topo.COLD_WRITER)
        if writer:
            inputs["cold_writer"] = writer
            inputs.update(
                self.receiver_secrets(
                    "l3hot-l3cold-writer", "cold_writer_secret", "cold_writer_previous_secret"
                )
            )
            self.outputs["l3hot_l3cold_writer_receiver_url"] = self.ref(
                Slot.L3_COLD, "cold_writer_url"
            )
        self.modules[self.module(Slot.L3_COLD)] = inputs
        self.outputs["cold_bucket_name"] = inputs["bucket_name"]

    def l3_archive(self) -> None:
        inputs = {**self.common(Slot.L3_ARCHIVE), **self.bucket_settings("archive bucket")}
        writer = self.single(Slot.L3_ARCHIVE, topo.ARCHIVE_WRITER)
        if writer:
            inputs["archive_writer"] = writer
            inputs.update(
                self.receiver_secrets(
                    "l3cold-l3archive-writer",
                    "archive_writer_secret",
                    "archive_writer_previous_secret",
                )
            )
            self.outputs["l3cold_l3archive_writer_receiver_url"] = self.ref(
                Slot.L3_ARCHIVE, "archive_writer_url"
            )
        self.modules[self.module(Slot.L3_ARCHIVE)] = inputs
        self.outputs["archive_bucket_name"] = inputs["bucket_name"]

    def bucket_settings(self, purpose: str) -> dict:
        return {
            "bucket_name": self.names.resource(purpose),
            # Destroying the twin deletes its data: a bucket that refuses to go would leave
            # a half-destroyed twin behind.
            "force_destroy": True,
            # The lifecycle waiter takes ~55 s per bucket against the emulator (DESIGN §5).
            "enable_lifecycle": not self.target.is_sandbox,
            **self.tls_setting(),
        }

    def tls_setting(self) -> dict:
        # Buckets deny plain HTTP; the sandbox is plain HTTP on loopback by design.
        return {"enforce_tls": not self.target.is_sandbox}

    def reader_inputs(self, slot: Slot) -> dict:
        """How L4/L5 reach hot storage: the hot reader, a proxy here, or the other's proxy."""
        proxy = self.single(slot, topo.HOT_READER_PROXY)
        if proxy:
            # One proxy per cloud serves every reader boundary that starts on AWS.
            inputs = {"hot_reader_proxy": proxy}
            for boundary in sorted(_READER_BOUNDARIES):
                crossing = self.crossing(boundary)
                if crossing and crossing.source_cloud is Cloud.AWS:
                    inputs.update(self.sender_remote(boundary, "remote_url", "remote_secret"))
            return inputs
        if self.on_aws(Slot.L3_HOT):
            return {"hot_reader_arn": self.ref(Slot.L3_HOT, "hot_reader_arn")}
        other = Slot.L5 if slot is Slot.L4 else Slot.L4
        if self.single(other, topo.HOT_READER_PROXY) is None:
            raise RootError(f"no hot reader or hot reader proxy on AWS for {slot}")
        return {"hot_reader_arn": self.ref(other, "hot_reader_proxy_arn")}

    def l4(self) -> None:
        inputs = {
            **self.common(Slot.L4),
            "bucket_name": self.names.twinmaker_bucket(),
            "force_destroy": True,
            **self.tls_setting(),
            "role_name": self.names.service_role("twinmaker"),
            **self.reader_inputs(Slot.L4),
        }
        self.modules[self.module(Slot.L4)] = inputs
        self.outputs.update(
            twinmaker_workspace_name=self.names.resource("TwinMaker workspace"),
            twinmaker_role_arn=self.ref(Slot.L4, "role_arn"),
            twinmaker_bucket_name=inputs["bucket_name"],
            twinmaker_data_connector_arn=self.ref(Slot.L4, "data_connector_arn"),
        )
        if "hot_reader_proxy" in inputs:
            self.outputs["hot_reader_proxy_url"] = self.ref(Slot.L4, "hot_reader_proxy_url")

    def l5(self) -> None:
        inputs = {
            **self.common(Slot.L5),
            "workspace_name": self.names.resource("Grafana workspace"),
            "role_name": self.names.service_role("grafana"),
            **self.reader_inputs(Slot.L5),
        }
        self.modules[self.module(Slot.L5)] = inputs
        self.outputs.update(
            grafana_workspace_id=self.ref(Slot.L5, "workspace_id"),
            grafana_workspace_endpoint=self.ref(Slot.L5, "workspace_endpoint"),
            grafana_role_arn=self.ref(Slot.L5, "role_arn"),
        )
        if "hot_reader_proxy" in inputs:
            self.outputs["hot_reader_proxy_url"] = self.ref(Slot.L5, "hot_reader_proxy_url")

    def setup(self) -> None:
        """The module every layer shares: the bucket the function packages are uploaded to.
        It comes first in :attr:`modules`; without a function on AWS there is none."""
        if not self.packages:
            return
        inputs = {
            "source": module_source(Cloud.AWS, SETUP),
            "bucket_name": self.names.functions_bucket(),
            **self.tls_setting(),
            "packages": dict(sorted(self.packages.items())),
        }
        self.modules = {module_name(Cloud.AWS, SETUP): inputs, **self.modules}
        self.outputs["functions_bucket_name"] = inputs["bucket_name"]

    # .. the document ......................................................................
    def build(self) -> None:
        layers = {
            Slot.L1: self.l1,
            Slot.L2: self.l2,
            Slot.L3_HOT: self.l3_hot,
            Slot.L3_COLD: self.l3_cold,
            Slot.L3_ARCHIVE: self.l3_archive,
            Slot.L4: self.l4,
            Slot.L5: self.l5,
        }
        for slot in SLOTS:
            if self.on_aws(slot):
                layers[slot]()
        names = [_Ref(f"module.{m}.function_names") for m in self.modules]
        self.setup()
        self.outputs["function_names"] = _Ref(
            "merge(" + ", ".join(r.expression for r in names) + ")"
        )

    def provider(self, backend: Mapping[str, Mapping] | None) -> dict:
        aws: dict = {
            "region": self.target.region,
            "default_tags": {"tags": {"dtwin:twin": self.twin, "dtwin:managed-by": "dtwin"}},
        }
        if self.target.is_sandbox:
            if not self.target.endpoint:
                raise RootError("the sandbox target has no endpoint; start the sandbox first")
            aws.update(
                endpoints={service: self.target.endpoint for service in SANDBOX_SERVICES},
                skip_credentials_validation=True,
                skip_requesting_account_id=True,
                skip_metadata_api_check=True,
                s3_use_path_style=True,
                # A few retries ride over the occasional loopback connection the emulator
                # drops mid-answer; errors it means (4xx, 501 for what it lacks) are not
                # retried, so a real failure still surfaces at once.
                max_retries=SANDBOX_MAX_RETRIES,
            )
        terraform: dict = {
            "required_version": ">= 1.5",
            "required_providers": {
                "aws": {"source": "hashicorp/aws", "version": AWS_PROVIDER_VERSION}
            },
        }
        if backend:
            terraform["backend"] = {str(k): dict(v) for k, v in backend.items()}
        return {"terraform": terraform, "provider": {"aws": aws}}

    def document(self, backend: Mapping[str, Mapping] | None) -> dict:
        doc = self.provider(backend)
        if "iot_endpoint" in self.outputs or any(
            isinstance(m.get("iot_endpoint"), _Ref) for m in self.modules.values()
        ):
            doc["data"] = {"aws_iot_endpoint": {"data": {"endpoint_type": "iot:Data-ATS"}}}
        doc["module"] = {name: _encode(inputs) for name, inputs in self.modules.items()}
        if self.variables:
            doc["variable"] = {
                v.name: {
                    "type": "string",
                    "sensitive": True,
                    "description": v.description,
                    **({} if v.required else {"default": None}),
                }
                for v in self.variables.values()
            }
        doc["output"] = {
            name: {"value": _encode(value)} for name, value in sorted(self.outputs.items())
        }
        return doc


def _account_id(target: Target, account_id: str | None) -> str:
    if account_id:
        return account_id
    if target.is_sandbox:
        return SANDBOX_ACCOUNT
    try:
        return target.client("sts").get_caller_identity()["Account"]
    except Exception as exc:  # botocore raises many types; the user needs the cause
        raise RootError(
            f"cannot read the AWS account id ({exc}); check the credentials on the Credentials page"
        ) from None


def generate_root(
    project_root: Path,
    *,
    target: Target,
    builds: Iterable[BuildResult],
    out_dir: Path,
    account_id: str | None = None,
    backend: Mapping[str, Mapping] | None = None,
) -> RootInfo:
    """Write ``out_dir/main.tf.json`` for the AWS part of the project at ``project_root``.

    ``builds`` are the packages of :func:`dtwin_gui.build.build_packages`. ``account_id``
    feeds the unique suffix of bucket names (default: the sandbox's, or the target's account
    via STS). ``backend`` (e.g. ``{"s3": {...}}``) adds a backend block; without it the state
    is the local ``terraform.tfstate`` in ``out_dir``. Raises :class:`RootError` when no layer
    is on AWS, a package is missing or stale, or a name breaks AWS's rules.
    """
    project = load_project(Path(project_root))
    try:
        topology = topology_for_project(project)
    except TopologyError as exc:
        raise RootError(f"cannot compute the topology: {exc}; run `dtwin validate`") from None
    if not topology.slots_on(Cloud.AWS):
        raise RootError(
            "no layer of this project is on AWS, so there is no AWS Terraform root to "
            "generate; choose AWS for at least one layer in config_providers.json"
        )
    suffix = unique_suffix(_account_id(target, account_id), target.region)
    names = _Names(topology.twin_name, suffix, topology)
    builder = _RootBuilder(project, topology, target, list(builds), names)
    builder.build()
    document = builder.document(backend)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / ROOT_FILE
    atomic_write_text(path, json.dumps(document, indent=2, sort_keys=True) + "\n", mode=0o600)
    return RootInfo(
        path=path,
        modules=tuple(builder.modules),
        variables=tuple(sorted(builder.variables.values(), key=lambda v: v.name)),
        outputs=tuple(sorted(builder.outputs)),
        unique_suffix=suffix,
    )


__all__ = [
    "ROOT_FILE",
    "RootError",
    "RootInfo",
    "RootVariable",
    "generate_root",
    "glue_variable",
    "terraform_dir",
    "unique_suffix",
]
