"""Every cloud resource name dtwin creates, each under a typed key, computed once.

A resource is identified by a :class:`ResourceKey` (a :class:`ResourceKind` plus, where a
kind has many, its subject: the function, device, tier, service or slot), never by free
text. :func:`derive_names` gives the names of one provider choice; the topology holds them
(:attr:`dtwin_gui.core.topology.Topology.resource_names`) and everything else — the
validator, the Terraform root, the SDK steps, status and query — looks them up by key.
Globally unique names carry :data:`~dtwin_gui.core.naming.UNIQUE_SUFFIX_PLACEHOLDER`, which
the deployment replaces with the suffix of its account and region.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from dtwin_gui.core.naming import RULES, UNIQUE_SUFFIX_PLACEHOLDER, NameRule, alnum
from dtwin_gui.core.providers import SLOTS, Cloud, Slot

if TYPE_CHECKING:
    from dtwin_gui.core.topology import FunctionSpec


class ResourceKind(Enum):
    """What a named resource is; the value is its label (``{}`` is the subject)."""

    # Per function / device / tier / service / slot (the key has a subject).
    FUNCTION = "function {}"
    FUNCTION_ROLE = "role of {}"
    IOT_THING = "IoT thing {}"
    DEVICE_POLICY = "IoT policy of {}"
    SCHEDULE_ROLE = "{} mover schedule role"
    SERVICE_ROLE = "{} service role"
    FUNCTION_APP = "{} Function App"
    SERVICE_ACCOUNT = "{} service account"
    FEEDBACK_SUBSCRIPTION = "feedback subscription of {}"
    SCHEDULER_JOB = "schedule of {}"
    # One per cloud.
    TELEMETRY_RULE = "telemetry topic rule"
    TELEMETRY_TOPIC = "telemetry topic"
    HOT_TABLE = "hot table"
    COLD_BUCKET = "cold bucket"
    ARCHIVE_BUCKET = "archive bucket"
    FUNCTIONS_BUCKET = "functions bucket"
    TWINMAKER_BUCKET = "TwinMaker bucket"
    TWINMAKER_WORKSPACE = "TwinMaker workspace"
    GRAFANA_WORKSPACE = "Grafana workspace"
    WORKFLOW = "notification workflow"
    RESOURCE_GROUP = "resource group"
    STORAGE_ACCOUNT = "storage account"
    IOT_HUB = "IoT Hub"
    COSMOS_ACCOUNT = "Cosmos DB account"
    COSMOS_DATABASE = "Cosmos DB database"
    DIGITAL_TWINS = "Digital Twins instance"
    MANAGED_GRAFANA = "Managed Grafana"
    FIRESTORE_DATABASE = "Firestore database"
    FEEDBACK_TOPIC = "feedback topic"

    @property
    def has_subject(self) -> bool:
        return "{}" in self.value

    def of(self, subject: str | Slot | None = None) -> ResourceKey:
        """The key of this kind for ``subject`` (a function name, device id, tier, ...)."""
        if self.has_subject != (subject is not None):
            raise ValueError(f"{self.name} {'needs' if self.has_subject else 'takes no'} subject")
        return ResourceKey(self, None if subject is None else str(subject))


@dataclass(frozen=True)
class ResourceKey:
    """A typed resource identity: ``ResourceKind.FUNCTION_ROLE.of("persister")``."""

    kind: ResourceKind
    subject: str | None = None

    @property
    def label(self) -> str:
        """Human wording (``role of persister``, ``hot table``)."""
        return self.kind.value.format(self.subject) if self.subject else self.kind.value

    def __str__(self) -> str:
        tag = self.kind.name.lower()
        return f"{tag}:{self.subject}" if self.subject else tag


# Keys without a subject, for short imports.
TELEMETRY_RULE = ResourceKind.TELEMETRY_RULE.of()
TELEMETRY_TOPIC = ResourceKind.TELEMETRY_TOPIC.of()
HOT_TABLE = ResourceKind.HOT_TABLE.of()
COLD_BUCKET = ResourceKind.COLD_BUCKET.of()
ARCHIVE_BUCKET = ResourceKind.ARCHIVE_BUCKET.of()
FUNCTIONS_BUCKET = ResourceKind.FUNCTIONS_BUCKET.of()
TWINMAKER_BUCKET = ResourceKind.TWINMAKER_BUCKET.of()
TWINMAKER_WORKSPACE = ResourceKind.TWINMAKER_WORKSPACE.of()
GRAFANA_WORKSPACE = ResourceKind.GRAFANA_WORKSPACE.of()
WORKFLOW = ResourceKind.WORKFLOW.of()
RESOURCE_GROUP = ResourceKind.RESOURCE_GROUP.of()
STORAGE_ACCOUNT = ResourceKind.STORAGE_ACCOUNT.of()
IOT_HUB = ResourceKind.IOT_HUB.of()
COSMOS_ACCOUNT = ResourceKind.COSMOS_ACCOUNT.of()
COSMOS_DATABASE = ResourceKind.COSMOS_DATABASE.of()
DIGITAL_TWINS = ResourceKind.DIGITAL_TWINS.of()
MANAGED_GRAFANA = ResourceKind.MANAGED_GRAFANA.of()
FIRESTORE_DATABASE = ResourceKind.FIRESTORE_DATABASE.of()
FEEDBACK_TOPIC = ResourceKind.FEEDBACK_TOPIC.of()


def function_key(function: str) -> ResourceKey:
    return ResourceKind.FUNCTION.of(function)


def function_role_key(function: str) -> ResourceKey:
    return ResourceKind.FUNCTION_ROLE.of(function)


@dataclass(frozen=True)
class ResourceName:
    """A derived cloud resource name, its key and the rule it must satisfy."""

    cloud: Cloud
    slot: Slot | None
    key: ResourceKey
    name: str
    rule: NameRule

    @property
    def purpose(self) -> str:
        """The key's human label (what the CLI's ``topology`` JSON calls ``purpose``)."""
        return self.key.label


def function_resource_name(twin_name: str, function_name: str) -> str:
    """Deployed name of a function: ``<twin>-<topology name>``."""
    return f"{twin_name}-{function_name}"


def _tag(slot: Slot) -> str:
    return str(slot).lower().replace("_", "")


def derive_names(
    twin: str,
    p: Mapping[Slot, Cloud],
    functions: list[FunctionSpec],
    device_ids: Iterable[str] = (),
    features: Mapping[str, bool] | None = None,
) -> list[ResourceName]:
    """The names of every resource of the provider choice ``p``, in a stable order."""
    features = features or {}
    out: list[ResourceName] = []
    sfx = UNIQUE_SUFFIX_PLACEHOLDER

    def add(cloud: Cloud, slot: Slot | None, key: ResourceKey, name: str, rule_key: str):
        out.append(ResourceName(cloud, slot, key, name, RULES[rule_key]))

    used = set(p.values())
    if Cloud.AWS in used:
        aws = [f for f in functions if f.cloud is Cloud.AWS]
        for f in aws:
            add(
                Cloud.AWS,
                f.slot,
                function_key(f.name),
                function_resource_name(twin, f.name),
                "aws.lambda",
            )
            add(Cloud.AWS, f.slot, function_role_key(f.name), f"{twin}-{f.name}", "aws.iam_role")
        if p[Slot.L1] is Cloud.AWS:
            rule = f"{twin.replace('-', '_')}_telemetry"
            add(Cloud.AWS, Slot.L1, TELEMETRY_RULE, rule, "aws.iot_rule")
        if p[Slot.L3_HOT] is Cloud.AWS:
            add(Cloud.AWS, Slot.L3_HOT, HOT_TABLE, f"{twin}-hot", "aws.dynamodb_table")
        if p[Slot.L3_COLD] is Cloud.AWS:
            add(Cloud.AWS, Slot.L3_COLD, COLD_BUCKET, f"{twin}-cold-{sfx}", "aws.s3_bucket")
        if p[Slot.L3_ARCHIVE] is Cloud.AWS:
            add(
                Cloud.AWS, Slot.L3_ARCHIVE, ARCHIVE_BUCKET, f"{twin}-archive-{sfx}", "aws.s3_bucket"
            )
        if p[Slot.L4] is Cloud.AWS:
            add(Cloud.AWS, Slot.L4, TWINMAKER_WORKSPACE, f"{twin}-twin", "aws.twinmaker_workspace")
        if p[Slot.L5] is Cloud.AWS:
            add(Cloud.AWS, Slot.L5, GRAFANA_WORKSPACE, f"{twin}-grafana", "aws.grafana_workspace")
        # The supporting resources of the AWS layers (after the above, so the validator's
        # first report per rule stays on the layer's main resource).
        if p[Slot.L1] is Cloud.AWS:
            for device in device_ids:
                thing = ResourceKind.IOT_THING.of(device)
                add(Cloud.AWS, Slot.L1, thing, f"{twin}-{device}", "aws.iot_thing")
                policy = ResourceKind.DEVICE_POLICY.of(device)
                add(Cloud.AWS, Slot.L1, policy, f"{twin}-{device}", "aws.iot_policy")
        if (
            p[Slot.L2] is Cloud.AWS
            and features.get("use_event_checking")
            and features.get("trigger_notification_workflow")
        ):
            add(Cloud.AWS, Slot.L2, WORKFLOW, f"{twin}-workflow", "aws.state_machine")
            role = ResourceKind.SERVICE_ROLE.of("workflow")
            add(Cloud.AWS, Slot.L2, role, f"{twin}-workflow", "aws.iam_role")
        for slot, tier in ((Slot.L3_HOT, "hot"), (Slot.L3_COLD, "cold")):
            if p[slot] is Cloud.AWS:
                role = ResourceKind.SCHEDULE_ROLE.of(tier)
                add(Cloud.AWS, slot, role, f"{twin}-{tier}-schedule", "aws.iam_role")
        if p[Slot.L4] is Cloud.AWS:
            add(Cloud.AWS, Slot.L4, TWINMAKER_BUCKET, f"{twin}-twinmaker-{sfx}", "aws.s3_bucket")
            role = ResourceKind.SERVICE_ROLE.of("twinmaker")
            add(Cloud.AWS, Slot.L4, role, f"{twin}-twinmaker", "aws.iam_role")
        if p[Slot.L5] is Cloud.AWS:
            role = ResourceKind.SERVICE_ROLE.of("grafana")
            add(Cloud.AWS, Slot.L5, role, f"{twin}-grafana", "aws.iam_role")
        if aws:
            add(Cloud.AWS, None, FUNCTIONS_BUCKET, f"{twin}-functions-{sfx}", "aws.s3_bucket")
    if Cloud.AZURE in used:
        add(Cloud.AZURE, None, RESOURCE_GROUP, f"rg-{twin}", "azure.resource_group")
        add(Cloud.AZURE, None, STORAGE_ACCOUNT, f"{alnum(twin)}{sfx}", "azure.storage_account")
        layers = sorted({f.slot for f in functions if f.cloud is Cloud.AZURE}, key=SLOTS.index)
        for slot in layers:
            app = ResourceKind.FUNCTION_APP.of(slot)
            add(Cloud.AZURE, slot, app, f"{twin}-{_tag(slot)}-fn-{sfx}", "azure.function_app")
        if p[Slot.L1] is Cloud.AZURE:
            add(Cloud.AZURE, Slot.L1, IOT_HUB, f"{twin}-iothub-{sfx}", "azure.iothub")
        if p[Slot.L3_HOT] is Cloud.AZURE:
            add(
                Cloud.AZURE,
                Slot.L3_HOT,
                COSMOS_ACCOUNT,
                f"{twin}-cosmos-{sfx}",
                "azure.cosmos_account",
            )
            add(Cloud.AZURE, Slot.L3_HOT, COSMOS_DATABASE, twin, "azure.cosmos_database")
            # The hot store is a container of that database, under the key of every cloud's.
            add(Cloud.AZURE, Slot.L3_HOT, HOT_TABLE, "hot", "azure.cosmos_container")
        if p[Slot.L3_COLD] is Cloud.AZURE:
            add(Cloud.AZURE, Slot.L3_COLD, COLD_BUCKET, f"{twin}-cold", "azure.blob_container")
        if p[Slot.L3_ARCHIVE] is Cloud.AZURE:
            add(
                Cloud.AZURE,
                Slot.L3_ARCHIVE,
                ARCHIVE_BUCKET,
                f"{twin}-archive",
                "azure.blob_container",
            )
        if p[Slot.L4] is Cloud.AZURE:
            add(Cloud.AZURE, Slot.L4, DIGITAL_TWINS, f"{twin}-adt", "azure.digital_twins")
        if p[Slot.L5] is Cloud.AZURE:
            add(Cloud.AZURE, Slot.L5, MANAGED_GRAFANA, f"{twin}-grafana", "azure.grafana")
    if Cloud.GOOGLE in used:
        google = [f for f in functions if f.cloud is Cloud.GOOGLE]
        for f in google:
            name = function_resource_name(twin, f.name)
            add(Cloud.GOOGLE, f.slot, function_key(f.name), name, "google.function")
        for slot in sorted({f.slot for f in google}, key=SLOTS.index):
            account = ResourceKind.SERVICE_ACCOUNT.of(slot)
            add(Cloud.GOOGLE, slot, account, f"{twin}-{_tag(slot)}-sa", "google.service_account")
        if p[Slot.L1] is Cloud.GOOGLE:
            add(Cloud.GOOGLE, Slot.L1, TELEMETRY_TOPIC, f"{twin}-telemetry", "google.pubsub_topic")
            # No device service: feedback is a topic, one filtered subscription per device.
            add(Cloud.GOOGLE, Slot.L1, FEEDBACK_TOPIC, f"{twin}-feedback", "google.pubsub_topic")
            for device in device_ids:
                sub = ResourceKind.FEEDBACK_SUBSCRIPTION.of(device)
                add(Cloud.GOOGLE, Slot.L1, sub, f"{twin}-feedback-{device}", "google.subscription")
        if p[Slot.L3_HOT] is Cloud.GOOGLE:
            add(
                Cloud.GOOGLE,
                Slot.L3_HOT,
                FIRESTORE_DATABASE,
                f"{twin}-hot",
                "google.firestore_database",
            )
            add(Cloud.GOOGLE, Slot.L3_HOT, HOT_TABLE, "hot", "google.firestore_collection")
        for f in google:
            if f.role in ("hot-to-cold-mover", "cold-to-archive-mover"):
                job = ResourceKind.SCHEDULER_JOB.of(f.name)
                add(Cloud.GOOGLE, f.slot, job, f"{twin}-{f.name}", "google.scheduler_job")
        if (
            p[Slot.L2] is Cloud.GOOGLE
            and features.get("use_event_checking")
            and features.get("trigger_notification_workflow")
        ):
            add(Cloud.GOOGLE, Slot.L2, WORKFLOW, f"{twin}-workflow", "google.workflow")
        for slot, tier, key in (
            (Slot.L3_COLD, "cold", COLD_BUCKET),
            (Slot.L3_ARCHIVE, "archive", ARCHIVE_BUCKET),
        ):
            if p[slot] is Cloud.GOOGLE:
                add(Cloud.GOOGLE, slot, key, f"{twin}-{tier}-{sfx}", "google.bucket")
        if google:
            name = f"{twin}-functions-{sfx}"
            add(Cloud.GOOGLE, None, FUNCTIONS_BUCKET, name, "google.bucket")
    return out
