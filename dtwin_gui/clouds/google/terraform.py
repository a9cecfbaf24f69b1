"""Google's fragment of the generated root (the ``terraform_fragment`` part of the Google
plugin; the neutral assembly is :mod:`dtwin_gui.iac.root`), for real Google Cloud.

The fragment renders the :func:`~dtwin_gui.clouds.google.intent.google_intent` of the project
into the static modules under ``terraform/modules/google``: ``module.google_setup`` (APIs,
the sources bucket, one service account per layer with its roles), then one module per layer
on Google with its package, the deployed names of its functions and its resources' names (all
from the topology), the glue secrets as root variables (``TF_VAR_*``, never values) and the
URL of every receiver it hosts as a module output, which
:func:`~dtwin_gui.iac.root_fragment.merge` wires to the sender when both ends are in the
root. In the sandbox Google is provisioned on emulators, not here.
"""

from __future__ import annotations

from dtwin_gui.clouds.google.intent import GoogleIntent, google_intent
from dtwin_gui.core import topology as topo
from dtwin_gui.core.providers import SLOTS, Cloud, Slot
from dtwin_gui.core.topology import Topology
from dtwin_gui.iac.addresses import SETUP, module_name
from dtwin_gui.iac.root_fragment import RootContext, RootFragment
from dtwin_gui.iac.root_parts import (
    READER_BOUNDARIES,
    Ref,
    RootError,
    RootVariable,
    glue_variable,
    module_source,
    unique_suffix,
)

GOOGLE = Cloud.GOOGLE
GOOGLE_PROVIDER = {"source": "hashicorp/google", "version": "~> 6.0"}

#: The receiver each boundary ends at on Google: (layer, module output).
RECEIVER_OUTPUTS: dict[str, tuple[Slot, str]] = {
    "l1-l2-ingestion": (Slot.L2, "ingestion_url"),
    "l2-l3hot-writer": (Slot.L3_HOT, "hot_writer_url"),
    "l4-l3hot-reader": (Slot.L3_HOT, "hot_reader_url"),
    "l5-l3hot-reader": (Slot.L3_HOT, "hot_reader_url"),
    "l3hot-l3cold-writer": (Slot.L3_COLD, "cold_writer_url"),
    "l3cold-l3archive-writer": (Slot.L3_ARCHIVE, "archive_writer_url"),
}


class GoogleRootBuilder:
    """Collects the modules, glue variables and outputs of the Google part of one root."""

    def __init__(self, ctx: RootContext, intent: GoogleIntent) -> None:
        self.project = ctx.project
        self.topology: Topology = ctx.topology
        self.intent = intent
        self.modules: dict[str, dict] = {}
        self.variables: dict[str, RootVariable] = {}
        self.outputs: dict[str, object] = {}
        self.receiver_urls: dict[str, Ref] = {}

    # .. helpers ...........................................................................
    def on(self, slot: Slot) -> bool:
        return self.topology.providers.get(slot) is GOOGLE

    def module(self, slot: Slot | str) -> str:
        return module_name(GOOGLE, slot)

    def ref(self, slot: Slot | str, output: str) -> Ref:
        return Ref(f"module.{self.module(slot)}.{output}")

    def deployed(self, slot: Slot, role: str) -> str | None:
        found = next(
            (f for f in self.intent.layer_functions(slot) if f.role == role),
            None,
        )
        return found.name if found else None

    def by_subject(self, slot: Slot, role: str, attribute: str) -> dict[str, str]:
        """``{device or action: deployed name}`` of a role with many functions."""
        out = {}
        for f in self.intent.layer_functions(slot):
            spec = self.topology.function(GOOGLE, f.function)
            if f.role == role and spec is not None:
                out[str(getattr(spec, attribute))] = f.name
        return out

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

    def receiver(self, boundary: str, secret: str, previous: str) -> dict:
        slot, output = RECEIVER_OUTPUTS[boundary]
        self.receiver_urls[boundary] = self.ref(slot, output)
        self.outputs[f"{boundary.replace('-', '_')}_receiver_url"] = self.ref(slot, output)
        return {
            secret: self.variable(boundary, "secret", required=True),
            previous: self.variable(boundary, "previous_secret", required=False),
        }

    def sender(self, boundary: str, url: str, secret: str) -> dict:
        return {
            url: self.variable(boundary, "url", required=True),
            secret: self.variable(boundary, "secret", required=True),
        }

    def crossing_from_google(self, name: str) -> bool:
        boundary = self.topology.boundary(name)
        return boundary is not None and boundary.source_cloud is GOOGLE

    def crossing_to_google(self, name: str) -> bool:
        boundary = self.topology.boundary(name)
        return boundary is not None and boundary.target_cloud is GOOGLE

    def base_common(self) -> dict:
        return {
            "twin_name": self.topology.twin_name,
            "project": self.intent.project,
            "region": self.intent.region,
            "labels": {"dtwin-twin": self.topology.twin_name},
        }

    def common(self, slot: Slot) -> dict:
        setup = f"module.{self.module(SETUP)}"
        account = self.intent.account(slot)
        return {
            "source": module_source(GOOGLE, slot),
            "common": {
                **self.base_common(),
                "log_level": "DEBUG" if self.project.mode == "DEBUG" else "INFO",
                "functions_url": str(self.intent.functions_url),
                "functions_bucket": Ref(f"{setup}.functions_bucket"),
                "service_account_email": (
                    Ref(f'{setup}.service_account_emails["{slot}"]') if account else ""
                ),
            },
            **self.package(slot),
        }

    def package(self, slot: Slot) -> dict:
        functions = self.intent.layer_functions(slot)
        if not functions:
            return {}
        if functions[0].package is None:
            raise RootError(
                f"no package for the Google {slot} functions; build the project first (dtwin build)"
            )
        return {"package": functions[0].package}

    # .. layers ............................................................................
    def setup(self) -> None:
        self.modules[self.module(SETUP)] = {
            "source": module_source(GOOGLE, SETUP),
            "common": self.base_common(),
            "apis": list(self.intent.apis),
            "functions_bucket": self.intent.functions_bucket,
            "service_accounts": {
                a.layer: {"account_id": a.account_id, "roles": list(a.roles)}
                for a in self.intent.service_accounts
            },
        }
        self.outputs.update(
            google_project=self.intent.project,
            google_region=self.intent.region,
            google_functions_bucket=self.intent.functions_bucket,
            google_service_accounts=self.ref(SETUP, "service_account_emails"),
        )

    def l1(self) -> None:
        feedback = self.intent.feedback
        inputs = {
            **self.common(Slot.L1),
            "telemetry_topic": self.intent.telemetry_topic,
            "feedback_topic": feedback.topic,
            "feedback_subscriptions": {s.device_id: s.name for s in feedback.subscriptions},
            "dispatcher_name": self.deployed(Slot.L1, topo.DISPATCHER),
        }
        connector = self.deployed(Slot.L1, topo.CONNECTOR)
        if connector:
            inputs["connector_name"] = connector
            inputs["connector_target"] = connector
            inputs.update(self.sender("l1-l2-ingestion", "remote_url", "remote_secret"))
        self.modules[self.module(Slot.L1)] = inputs
        self.outputs.update(
            google_telemetry_topic=self.ref(Slot.L1, "telemetry_topic"),
            google_feedback_topic=self.ref(Slot.L1, "feedback_topic"),
            google_feedback_subscriptions=self.ref(Slot.L1, "feedback_subscriptions"),
        )

    def l2(self) -> None:
        inputs = {
            **self.common(Slot.L2),
            "processors": self.by_subject(Slot.L2, topo.PROCESSOR, "device_id"),
            "persister_name": self.deployed(Slot.L2, topo.PERSISTER),
            "actions": self.by_subject(Slot.L2, topo.EVENT_ACTION, "action"),
        }
        for key, role in (
            ("event_checker_name", topo.EVENT_CHECKER),
            ("feedback_name", topo.EVENT_FEEDBACK),
            ("ingestion_name", topo.INGESTION),
        ):
            if name := self.deployed(Slot.L2, role):
                inputs[key] = name
        if "feedback_name" in inputs and self.intent.feedback:
            inputs["feedback_topic"] = self.intent.feedback.topic
        if firestore := self.intent.firestore:
            inputs["hot_store"] = firestore.collection
            inputs["hot_ttl_days"] = firestore.ttl_days
            inputs["firestore_database"] = firestore.database
        elif self.crossing_from_google("l2-l3hot-writer"):
            inputs.update(self.sender("l2-l3hot-writer", "hot_writer_url", "hot_writer_secret"))
        if self.crossing_from_google("l2-l4-twin-update"):
            inputs.update(self.sender("l2-l4-twin-update", "twin_update_url", "twin_update_secret"))
        if "ingestion_name" in inputs:
            inputs.update(
                self.receiver("l1-l2-ingestion", "ingestion_secret", "ingestion_previous_secret")
            )
        if workflow := self.intent.workflow:
            inputs["workflow"] = {"name": workflow.name, "source": workflow.source}
            self.outputs["google_workflow"] = self.ref(Slot.L2, "workflow")
        self.modules[self.module(Slot.L2)] = inputs

    def l3_hot(self) -> None:
        firestore = self.intent.firestore
        mover = next(f for f in self.intent.layer_functions(Slot.L3_HOT) if f.trigger.job)
        inputs = {
            **self.common(Slot.L3_HOT),
            "database_name": firestore.database,
            "collection": firestore.collection,
            "ttl_field": firestore.ttl_field,
            "indexes": [
                {"fields": [{"path": f.path, "order": f.order} for f in index.fields]}
                for index in firestore.indexes
            ],
            "hot_days": self.project.hot_days or 1,
            "hot_ttl_days": firestore.ttl_days,
            "hot_reader_name": self.deployed(Slot.L3_HOT, topo.HOT_READER),
            "mover_name": mover.name,
            "mover_job": mover.trigger.job,
            "mover_schedule": mover.trigger.schedule,
        }
        if self.on(Slot.L3_COLD):
            inputs["cold_store"] = next(b.name for b in self.intent.buckets if b.layer == "L3_cold")
        else:
            inputs.update(
                self.sender("l3hot-l3cold-writer", "cold_writer_url", "cold_writer_secret")
            )
        if hot_writer := self.deployed(Slot.L3_HOT, topo.HOT_WRITER):
            inputs["hot_writer_name"] = hot_writer
            inputs.update(
                self.receiver("l2-l3hot-writer", "hot_writer_secret", "hot_writer_previous_secret")
            )
        for boundary in sorted(b for b in READER_BOUNDARIES if self.crossing_to_google(b)):
            inputs.update(self.receiver(boundary, "reader_secret", "reader_previous_secret"))
            inputs["public_reader"] = True
        self.modules[self.module(Slot.L3_HOT)] = inputs
        self.outputs.update(
            google_firestore_database=self.ref(Slot.L3_HOT, "database"),
            google_hot_collection=firestore.collection,
            hot_reader_url=self.ref(Slot.L3_HOT, "hot_reader_url"),
        )

    def l3_cold(self) -> None:
        bucket = next(b for b in self.intent.buckets if b.layer == str(Slot.L3_COLD))
        mover = next(f for f in self.intent.layer_functions(Slot.L3_COLD) if f.trigger.job)
        inputs = {
            **self.common(Slot.L3_COLD),
            "bucket_name": bucket.name,
            "cold_days": self.project.cold_days or 1,
            "mover_name": mover.name,
            "mover_job": mover.trigger.job,
            "mover_schedule": mover.trigger.schedule,
        }
        if self.on(Slot.L3_ARCHIVE):
            archive = next(b for b in self.intent.buckets if b.layer == str(Slot.L3_ARCHIVE))
            inputs["archive_store"] = archive.name
        else:
            inputs.update(
                self.sender(
                    "l3cold-l3archive-writer", "archive_writer_url", "archive_writer_secret"
                )
            )
        if cold_writer := self.deployed(Slot.L3_COLD, topo.COLD_WRITER):
            inputs["cold_writer_name"] = cold_writer
            inputs.update(
                self.receiver(
                    "l3hot-l3cold-writer", "cold_writer_secret", "cold_writer_previous_secret"
                )
            )
        self.modules[self.module(Slot.L3_COLD)] = inputs
        self.outputs["google_cold_bucket"] = self.ref(Slot.L3_COLD, "bucket")

    def l3_archive(self) -> None:
        bucket = next(b for b in self.intent.buckets if b.layer == str(Slot.L3_ARCHIVE))
        inputs = {**self.common(Slot.L3_ARCHIVE), "bucket_name": bucket.name}
        if archive_writer := self.deployed(Slot.L3_ARCHIVE, topo.ARCHIVE_WRITER):
            inputs["archive_writer_name"] = archive_writer
            inputs.update(
                self.receiver(
                    "l3cold-l3archive-writer",
                    "archive_writer_secret",
                    "archive_writer_previous_secret",
                )
            )
        self.modules[self.module(Slot.L3_ARCHIVE)] = inputs
        self.outputs["google_archive_bucket"] = self.ref(Slot.L3_ARCHIVE, "bucket")

    def build(self) -> None:
        self.setup()
        layers = {
            Slot.L1: self.l1,
            Slot.L2: self.l2,
            Slot.L3_HOT: self.l3_hot,
            Slot.L3_COLD: self.l3_cold,
            Slot.L3_ARCHIVE: self.l3_archive,
        }
        for slot in SLOTS:
            if not self.on(slot):
                continue
            if slot not in layers:
                raise RootError(f"Google Cloud cannot host {slot} (no Terraform module for it)")
            layers[slot]()
        with_functions = [s for s in SLOTS if self.on(s) and self.intent.layer_functions(s)]
        self.outputs["google_function_urls"] = Ref(
            "merge({})".format(
                ", ".join(f"module.{self.module(s)}.function_urls" for s in with_functions)
            )
        )


def terraform_fragment(ctx: RootContext) -> RootFragment:
    """The ``terraform_fragment`` part of the Google plugin: Google's modules, provider, glue
    variables and outputs for the root of ``ctx.project`` (real Google Cloud only)."""
    connection = ctx.connection
    if getattr(connection, "is_sandbox", False):
        raise RootError(
            "the sandbox provisions Google Cloud on its emulators; Terraform deploys real "
            "Google Cloud only"
        )
    project = getattr(connection, "project", "") or ""
    region = getattr(connection, "region", "") or ""
    if not project or not region:
        raise RootError("choose a Google Cloud project and region on the Credentials page first")
    suffix = unique_suffix(project, region)
    intent = google_intent(
        ctx.project, ctx.topology, ctx.builds, gcp_project=project, region=region, suffix=suffix
    )
    builder = GoogleRootBuilder(ctx, intent)
    builder.build()
    return RootFragment(
        cloud=GOOGLE,
        required_providers={"google": dict(GOOGLE_PROVIDER)},
        providers={"google": {"project": project, "region": region}},
        modules=builder.modules,
        variables=builder.variables,
        outputs=builder.outputs,
        receiver_urls=builder.receiver_urls,
        unique_suffix=suffix,
    )
