"""AWS's fragment of the generated root (the ``terraform_fragment`` part of the AWS plugin;
the neutral assembly is :mod:`dtwin_gui.iac.root`).

One module per layer hosted on AWS (``module.aws_<layer>``, source
``terraform/modules//aws/<layer>``: the package is all of ``modules/``, so that a layer
module can use the shared ``../_function`` and ``../_bucket``). One method per layer feeds
its static module what the topology says (names, packages from the build, devices, topics,
ages, features), wires module outputs to module inputs (the persister gets the hot table,
the dispatcher the processors...), declares the glue variables of the boundaries it sends or
receives on, names the receiver URL of each boundary it receives on, and adds the root
outputs. A ``module.aws_setup`` uploads the function packages to one bucket; every Lambda
takes its code from there, which lets Terraform create the functions in parallel.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from dtwin_gui.clouds.aws import terraform_provider as aws_provider
from dtwin_gui.clouds.aws.terraform_provider import package_hash
from dtwin_gui.core import resource_names as keys
from dtwin_gui.core import topology as topo
from dtwin_gui.core.project import STATE_MACHINE_FILES, Project
from dtwin_gui.core.providers import SLOTS, Cloud, Slot
from dtwin_gui.core.resource_names import ResourceKey
from dtwin_gui.core.resource_names import ResourceKind as Kind
from dtwin_gui.core.topology import FunctionSpec, Topology
from dtwin_gui.iac.addresses import SETUP, module_name
from dtwin_gui.iac.root_fragment import RootContext, RootFragment
from dtwin_gui.iac.root_parts import (
    READER_BOUNDARIES,
    Names,
    Ref,
    RootError,
    RootVariable,
    glue_variable,
    module_source,
    unique_suffix,
)
from dtwin_gui.runtime.core.function_config import FunctionConfig

if TYPE_CHECKING:
    from dtwin_gui.clouds.aws.connection import AwsConnection


class RootBuilder:
    """Collects the modules, glue variables and outputs of the AWS part of one root."""

    def __init__(
        self, project: Project, topology: Topology, target: AwsConnection, builds, names: Names
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
        #: The receiver URL output of each boundary AWS receives on.
        self.receiver_urls: dict[str, Ref] = {}
        self.topics = FunctionConfig(role="", twin_name=self.twin, cloud="aws", name="")

    # .. helpers ...........................................................................
    def on_aws(self, slot: Slot) -> bool:
        return slot in self.slots

    def module(self, slot: Slot) -> str:
        return module_name(Cloud.AWS, slot)

    def ref(self, slot: Slot, output: str) -> Ref:
        return Ref(f"module.{self.module(slot)}.{output}")

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
            "role_name": self.names.resource(keys.function_role_key(function.name)),
            "handler": build.handler,
            "s3_bucket": Ref(f"module.{setup}.bucket"),
            "s3_key": Ref(f"module.{setup}.package_keys[{json.dumps(deployed)}]"),
            "package_hash": package_hash(build.sha256),
        }

    def single(self, slot: Slot, role: str) -> dict | None:
        found = self.functions(slot, role)
        return self.function_input(found[0]) if found else None

    def variable(self, boundary: str, kind: str, *, required: bool) -> Ref:
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
        return Ref(f"var.{name}")

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
            # One object for the inputs every layer takes alike (the module's optional
            # attributes give the defaults of the rest).
            "common": {
                "twin_name": self.twin,
                "log_level": "DEBUG" if self.project.mode == "DEBUG" else "INFO",
            },
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
                "thing_name": self.names.resource(Kind.IOT_THING.of(device)),
                "policy_name": self.names.resource(Kind.DEVICE_POLICY.of(device)),
                "telemetry_topic": self.topics.topic(self.topics.telemetry_topic, device),
                "feedback_topic": self.topics.topic(self.topics.feedback_topic, device),
            }
            for device in self.project.device_ids
        }
        inputs = {
            **self.common(Slot.L1),
            "dispatcher": self.single(Slot.L1, topo.DISPATCHER),
            "rule_name": self.names.resource(keys.TELEMETRY_RULE),
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
            self.outputs["iot_endpoint"] = Ref("data.aws_iot_endpoint.data.endpoint_address")

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
                inputs["iot_endpoint"] = Ref("data.aws_iot_endpoint.data.endpoint_address")
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
            self.receiver_urls["l1-l2-ingestion"] = self.ref(Slot.L2, "ingestion_url")
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
            "name": self.names.resource(keys.WORKFLOW),
            "role_name": self.names.resource(Kind.SERVICE_ROLE.of("workflow")),
            "definition": definition,
        }

    def hot_ttl_days(self) -> int:
        # The TTL is a safety net behind the mover: twice the hot period.
        return 2 * self.days("hot_days", "hot_storage_size_in_days")

    def l3_hot(self) -> None:
        inputs = {
            **self.common(Slot.L3_HOT),
            "table_name": self.names.resource(keys.HOT_TABLE),
            "hot_days": self.days("hot_days", "hot_storage_size_in_days"),
            "hot_reader": self.single(Slot.L3_HOT, topo.HOT_READER),
            "hot_to_cold_mover": self.single(Slot.L3_HOT, topo.HOT_TO_COLD_MOVER),
            "mover_schedule": {
                "name": self.topology.deployed_name(
                    self.functions(Slot.L3_HOT, topo.HOT_TO_COLD_MOVER)[0]
                ),
                "role_name": self.names.resource(Kind.SCHEDULE_ROLE.of("hot")),
            },
        }
        readers = [b for b in READER_BOUNDARIES if self.crossing(b)]
        if readers:
            inputs["remote_readers"] = True
            for boundary in sorted(readers):
                inputs.update(
                    self.receiver_secrets(boundary, "reader_secret", "reader_previous_secret")
                )
                self.receiver_urls[boundary] = self.ref(Slot.L3_HOT, "hot_reader_url")
                # for a reader the sandbox provisions (Azure's L4/L5 on the emulators)
                key = boundary.replace("-", "_") + "_receiver_url"
                self.outputs[key] = self.ref(Slot.L3_HOT, "hot_reader_url")
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
            self.receiver_urls["l2-l3hot-writer"] = self.ref(Slot.L3_HOT, "hot_writer_url")
        self.modules[self.module(Slot.L3_HOT)] = inputs
        table = self.ref(Slot.L3_HOT, "table")
        self.outputs.update(
            hot_table_name=Ref(f"{table.expression}.name"),
            hot_reader_function_name=inputs["hot_reader"]["name"],
            hot_reader_url=self.ref(Slot.L3_HOT, "hot_reader_url"),
        )

    def l3_cold(self) -> None:
        inputs = {
            **self.common(Slot.L3_COLD),
            **self.bucket_settings(keys.COLD_BUCKET),
            "cold_days": self.days("cold_days", "cold_storage_size_in_days"),
            "cold_to_archive_mover": self.single(Slot.L3_COLD, topo.COLD_TO_ARCHIVE_MOVER),
            "mover_schedule": {
                "name": self.topology.deployed_name(
                    self.functions(Slot.L3_COLD, topo.COLD_TO_ARCHIVE_MOVER)[0]
                ),
                "role_name": self.names.resource(Kind.SCHEDULE_ROLE.of("cold")),
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
            self.receiver_urls["l3hot-l3cold-writer"] = self.ref(Slot.L3_COLD, "cold_writer_url")
        self.modules[self.module(Slot.L3_COLD)] = inputs
        self.outputs["cold_bucket_name"] = inputs["bucket_name"]

    def l3_archive(self) -> None:
        inputs = {**self.common(Slot.L3_ARCHIVE), **self.bucket_settings(keys.ARCHIVE_BUCKET)}
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
            self.receiver_urls["l3cold-l3archive-writer"] = self.ref(
                Slot.L3_ARCHIVE, "archive_writer_url"
            )
        self.modules[self.module(Slot.L3_ARCHIVE)] = inputs
        self.outputs["archive_bucket_name"] = inputs["bucket_name"]

    def bucket_settings(self, key: ResourceKey) -> dict:
        return {
            "bucket_name": self.names.resource(key),
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
            for boundary in sorted(READER_BOUNDARIES):
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
            "bucket_name": self.names.resource(keys.TWINMAKER_BUCKET),
            "force_destroy": True,
            **self.tls_setting(),
            "role_name": self.names.resource(Kind.SERVICE_ROLE.of("twinmaker")),
            **self.reader_inputs(Slot.L4),
        }
        self.modules[self.module(Slot.L4)] = inputs
        self.outputs.update(
            twinmaker_workspace_name=self.names.resource(keys.TWINMAKER_WORKSPACE),
            twinmaker_role_arn=self.ref(Slot.L4, "role_arn"),
            twinmaker_bucket_name=inputs["bucket_name"],
            twinmaker_data_connector_arn=self.ref(Slot.L4, "data_connector_arn"),
        )
        if "hot_reader_proxy" in inputs:
            self.outputs["hot_reader_proxy_url"] = self.ref(Slot.L4, "hot_reader_proxy_url")

    def l5(self) -> None:
        inputs = {
            **self.common(Slot.L5),
            "workspace_name": self.names.resource(keys.GRAFANA_WORKSPACE),
            "role_name": self.names.resource(Kind.SERVICE_ROLE.of("grafana")),
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
            "bucket_name": self.names.resource(keys.FUNCTIONS_BUCKET),
            **self.tls_setting(),
            "packages": dict(sorted(self.packages.items())),
        }
        self.modules = {module_name(Cloud.AWS, SETUP): inputs, **self.modules}
        self.outputs["functions_bucket_name"] = inputs["bucket_name"]

    # .. all layers ........................................................................
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
        names = [Ref(f"module.{m}.function_names") for m in self.modules]
        self.setup()
        self.outputs["function_names"] = Ref(
            "merge(" + ", ".join(r.expression for r in names) + ")"
        )

    def fragment(self) -> RootFragment:
        """The built AWS part of the root (call :meth:`build` first)."""
        data = {}
        if "iot_endpoint" in self.outputs or any(
            isinstance(m.get("iot_endpoint"), Ref) for m in self.modules.values()
        ):
            data = {k: dict(v) for k, v in aws_provider.IOT_ENDPOINT_DATA.items()}
        return RootFragment(
            cloud=Cloud.AWS,
            required_providers=aws_provider.required_providers(),
            providers={"aws": aws_provider.provider(self.target, self.twin)},
            data=data,
            modules=self.modules,
            variables=self.variables,
            outputs=self.outputs,
            receiver_urls=self.receiver_urls,
            unique_suffix=self.names.suffix,
        )


def terraform_fragment(ctx: RootContext) -> RootFragment:
    """The ``terraform_fragment`` part of the AWS plugin: AWS's modules, provider, glue
    variables and outputs for the root of ``ctx.project``."""
    target = ctx.connection
    suffix = unique_suffix(aws_provider.account_id(target, ctx.account_id), target.region)
    names = Names(ctx.topology.twin_name, suffix, ctx.topology)
    builder = RootBuilder(ctx.project, ctx.topology, target, list(ctx.builds), names)
    builder.build()
    return builder.fragment()
