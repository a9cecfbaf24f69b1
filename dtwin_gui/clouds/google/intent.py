"""What a Google Cloud twin consists of, computed once from the project and its topology.

:func:`google_intent` says which resources the Google part of a twin has and how they are set
up: the project's APIs, the bucket of function sources, one service account per layer with
the roles its functions need, the telemetry topic, the feedback topic with one filtered
subscription per device, one Cloud Function (gen2) per topology function (its layer's
package, entry point, environment — the function's own contract, one function one
environment — and trigger: the telemetry topic, HTTP, or a Cloud Scheduler job), the
Firestore hot store (database, collection, TTL field, composite indexes), the cold (Nearline)
and archive (Archive) buckets, the optional notification workflow (Google Workflows) and the
URL of every glue receiver Google hosts. :mod:`dtwin_gui.clouds.google.terraform` renders it
into module inputs; the sandbox provisioner creates it on the emulators.

Values not known here stay placeholders, never values: a boundary's HMAC secret is a
:class:`SecretRef`, the URL of a receiver on another cloud a :class:`GlueUrl`, what only
exists once Google created it (the functions' base URL when the project is not known) a
:class:`Deferred`. Every name comes from the topology (``topology.name_of``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from dtwin_gui.clouds.google.intent_model import (
    Deferred,
    FeedbackIntent,
    FirestoreIntent,
    GcsBucket,
    GlueUrl,
    GoogleFunction,
    GoogleIntent,
    SecretRef,
    ServiceAccount,
    Setting,
    Subscription,
    Trigger,
    WorkflowIntent,
)
from dtwin_gui.core import resource_names as keys
from dtwin_gui.core import topology as topo
from dtwin_gui.core.naming import UNIQUE_SUFFIX_PLACEHOLDER
from dtwin_gui.core.project import Project, state_machine_files
from dtwin_gui.core.providers import SLOTS, Cloud, Slot
from dtwin_gui.core.resource_names import ResourceKey, ResourceKind
from dtwin_gui.core.topology import FunctionSpec, Topology
from dtwin_gui.runtime.core.contracts import GLUE_PREVIOUS, GLUE_SECRET, contract_for
from dtwin_gui.runtime.google.entry_points import SCHEDULED, entry_point
from dtwin_gui.runtime.google.indexes import FIRESTORE_INDEXES, TTL_FIELD

GOOGLE = Cloud.GOOGLE
DEFAULT_REGION = "europe-west1"
#: Cloud Scheduler cron of the movers (every hour on the hour).
MOVER_SCHEDULE = SCHEDULED.get(topo.HOT_TO_COLD_MOVER, "0 * * * *")
PUBSUB = "pubsub"
HTTP = "http"
SCHEDULE = "schedule"
RUNTIME = "python311"
PUBSUB_ENDPOINT = "pubsub.googleapis.com:443"
#: The APIs a twin's resources need, enabled by the setup module.
APIS = (
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "cloudscheduler.googleapis.com",
    "eventarc.googleapis.com",
    "firestore.googleapis.com",
    "iam.googleapis.com",
    "logging.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "storage.googleapis.com",
    "workflows.googleapis.com",
)

#: The Google settings of a function beside its role contract (runtime/google reads them).
FUNCTION_VAR = "DTWIN_FUNCTION"
PROJECT_VAR = "DTWIN_GOOGLE_PROJECT"
FUNCTIONS_URL_VAR = "DTWIN_GOOGLE_FUNCTIONS_URL"
FIRESTORE_DATABASE_VAR = "DTWIN_FIRESTORE_DATABASE"
FEEDBACK_TOPIC_VAR = "DTWIN_FEEDBACK_TOPIC"
GOOGLE_SETTINGS = (
    FUNCTION_VAR,
    PROJECT_VAR,
    FUNCTIONS_URL_VAR,
    FIRESTORE_DATABASE_VAR,
    FEEDBACK_TOPIC_VAR,
)


# --- computing it ---------------------------------------------------------------------------


def real_functions_url(project: str, region: str) -> str:
    """The base URL of a project's Cloud Functions (gen2 keep this form too)."""
    return f"https://{region}-{project}.cloudfunctions.net"


def trigger_kind(role: str) -> str:
    if role == topo.DISPATCHER:
        return PUBSUB
    if role in SCHEDULED or role in (topo.HOT_TO_COLD_MOVER, topo.COLD_TO_ARCHIVE_MOVER):
        return SCHEDULE
    return HTTP


#: The roles (other than logging) a layer's service account gets for what its functions do.
_INVOKER = "roles/run.invoker"
_LOG = "roles/logging.logWriter"
_FIRESTORE = "roles/datastore.user"
_STORAGE = "roles/storage.objectAdmin"
_PUBLISHER = "roles/pubsub.publisher"
_EVENTARC = "roles/eventarc.eventReceiver"
_WORKFLOWS = "roles/workflows.invoker"


def _callees(role: str) -> tuple[str, ...]:
    return {
        topo.DISPATCHER: (topo.PROCESSOR, topo.CONNECTOR),
        topo.INGESTION: (topo.PROCESSOR,),
        topo.PROCESSOR: (topo.PERSISTER,),
        topo.PERSISTER: (topo.EVENT_CHECKER,),
        topo.HOT_WRITER: (topo.EVENT_CHECKER,),
        topo.EVENT_CHECKER: (topo.EVENT_ACTION, topo.EVENT_FEEDBACK),
    }.get(role, ())


class _Builder:
    def __init__(self, project, topology, glue, suffix, gcp_project, region, base) -> None:
        self.project = project
        self.topology = topology
        self.glue = dict(glue)
        self.suffix = suffix
        self.gcp_project = gcp_project
        self.region = region
        self.base: str | Deferred = base or (
            real_functions_url(gcp_project, region) if gcp_project else Deferred("functions_url")
        )
        self.log_level = "DEBUG" if project.mode == "DEBUG" else "INFO"

    def name(self, key: ResourceKey) -> str:
        return self.topology.name_of(key, GOOGLE).replace(UNIQUE_SUFFIX_PLACEHOLDER, self.suffix)

    def maybe(self, key: ResourceKey) -> str | None:
        return self.name(key) if self.topology.resource(key, GOOGLE) else None

    def on(self, slot: Slot) -> bool:
        return self.topology.providers.get(slot) is GOOGLE

    def days(self, attribute: str) -> int:
        value = getattr(self.project, attribute)
        return value if isinstance(value, int) and value >= 1 else 1

    def has(self, role: str) -> FunctionSpec | None:
        return next((f for f in self.topology.functions_on(GOOGLE) if f.role == role), None)

    def deployed(self, role: str) -> str | None:
        found = self.has(role)
        return self.topology.deployed_name(found) if found else None

    def url_of(self, deployed: str) -> str | Deferred:
        if isinstance(self.base, Deferred):
            return Deferred("function_url", deployed)
        return f"{self.base}/{deployed}"

    def sender_boundary(self, role: str, slot: Slot | None = None) -> str | None:
        return next(
            (
                b.name
                for b in self.topology.boundaries
                if b.spec.sender == role
                and b.source_cloud is GOOGLE
                and (slot is None or b.spec.source is slot)
            ),
            None,
        )

    def served(self, function: FunctionSpec) -> list[str]:
        return sorted(
            b.name
            for b in self.topology.boundaries
            if b.spec.receiver == function.role
            and b.target_cloud is GOOGLE
            and b.spec.target is function.slot
        )

    # .. environment .......................................................................
    def values(self, function: FunctionSpec) -> dict[str, Setting]:
        """The value of each variable ``function`` may read that this topology gives one."""
        out: dict[str, Setting] = {
            "DTWIN_TWIN_NAME": self.topology.twin_name,
            "DTWIN_LOG_LEVEL": self.log_level,
            "DTWIN_HOT_DAYS": str(self.days("hot_days")),
            "DTWIN_COLD_DAYS": str(self.days("cold_days")),
        }
        for var, role in (
            ("DTWIN_PERSISTER_FUNCTION", topo.PERSISTER),
            ("DTWIN_CONNECTOR_FUNCTION", topo.CONNECTOR),
            ("DTWIN_EVENT_CHECKER_FUNCTION", topo.EVENT_CHECKER),
            ("DTWIN_FEEDBACK_FUNCTION", topo.EVENT_FEEDBACK),
        ):
            if deployed := self.deployed(role):
                out[var] = deployed
        if self.on(Slot.L3_HOT):
            out["DTWIN_HOT_STORE"] = self.name(keys.HOT_TABLE)
            out["DTWIN_HOT_TTL_DAYS"] = str(2 * self.days("hot_days"))
        if self.on(Slot.L3_COLD):
            out["DTWIN_COLD_STORE"] = self.name(keys.COLD_BUCKET)
        if self.on(Slot.L3_ARCHIVE):
            out["DTWIN_ARCHIVE_STORE"] = self.name(keys.ARCHIVE_BUCKET)
        if (workflow := self.maybe(keys.WORKFLOW)) and self.gcp_project:
            out["DTWIN_WORKFLOW"] = (
                f"projects/{self.gcp_project}/locations/{self.region}/workflows/{workflow}"
            )
        elif workflow:
            out["DTWIN_WORKFLOW"] = workflow
        served = self.served(function)
        if served:
            out[GLUE_SECRET.name] = SecretRef(served[0])
            out[GLUE_PREVIOUS.name] = SecretRef(served[0], "previous_secret")
        pairs: list[tuple[str, str | None]] = []
        if function.role in (topo.CONNECTOR, topo.HOT_READER_PROXY):
            pairs.append(("DTWIN_REMOTE", self.sender_boundary(function.role)))
        pairs += [
            ("DTWIN_HOT_WRITER", self.sender_boundary(topo.PERSISTER, Slot.L2)),
            ("DTWIN_COLD_WRITER", self.sender_boundary(topo.HOT_TO_COLD_MOVER, Slot.L3_HOT)),
            (
                "DTWIN_ARCHIVE_WRITER",
                self.sender_boundary(topo.COLD_TO_ARCHIVE_MOVER, Slot.L3_COLD),
            ),
        ]
        twin_update = self.topology.boundary("l2-l4-twin-update")
        if twin_update and twin_update.source_cloud is GOOGLE:
            pairs.append(("DTWIN_TWIN_UPDATE", twin_update.name))
        for prefix, boundary in pairs:
            if boundary:
                out[f"{prefix}_URL"] = self.glue.get(boundary) or GlueUrl(boundary)
                out[f"{prefix}_SECRET"] = SecretRef(boundary)
        return out

    def google_settings(self, function: FunctionSpec) -> dict[str, Setting]:
        out: dict[str, Setting] = {FUNCTION_VAR: function.name}
        if self.gcp_project:
            out[PROJECT_VAR] = self.gcp_project
        callees = set(_callees(function.role))
        if any(f.role in callees for f in self.topology.functions_on(GOOGLE)):
            out[FUNCTIONS_URL_VAR] = self.base
        hot_roles = (topo.PERSISTER, topo.HOT_WRITER, topo.HOT_READER, topo.HOT_TO_COLD_MOVER)
        if self.on(Slot.L3_HOT) and function.role in hot_roles:
            out[FIRESTORE_DATABASE_VAR] = self.name(keys.FIRESTORE_DATABASE)
        if function.role == topo.EVENT_FEEDBACK and self.on(Slot.L1):
            out[FEEDBACK_TOPIC_VAR] = self.name(keys.FEEDBACK_TOPIC)
            # The contract's device messaging endpoint: the Pub/Sub API feedback goes through.
            out["DTWIN_IOT_ENDPOINT"] = PUBSUB_ENDPOINT
        return out

    def env(self, function: FunctionSpec) -> dict[str, Setting]:
        values = self.values(function)
        env: dict[str, Setting] = {}
        for var in contract_for(function.role).variables:
            if var.name in values:
                env[var.name] = values[var.name]
            elif var.required:
                raise ValueError(
                    f"{function.name} on Google needs {var.name}, which this topology gives "
                    "no value"
                )
        env.update(self.google_settings(function))
        return env

    # .. resources .........................................................................
    def account_id(self, slot: Slot) -> str:
        return self.name(ResourceKind.SERVICE_ACCOUNT.of(slot))

    def roles(self, slot: Slot, functions: list[FunctionSpec]) -> tuple[str, ...]:
        roles = {_LOG}
        for f in functions:
            if set(_callees(f.role)) & {g.role for g in self.topology.functions_on(GOOGLE)}:
                roles.add(_INVOKER)
            if f.role == topo.DISPATCHER:
                roles |= {_EVENTARC, _INVOKER}
            if f.role in SCHEDULED or trigger_kind(f.role) == SCHEDULE:
                roles.add(_INVOKER)  # the scheduler job calls it with this account's token
            if f.role == topo.EVENT_FEEDBACK:
                roles.add(_PUBLISHER)
            if f.role == topo.EVENT_CHECKER and self.maybe(keys.WORKFLOW):
                roles.add(_WORKFLOWS)
            env = self.env(f)
            if FIRESTORE_DATABASE_VAR in env:
                roles.add(_FIRESTORE)
            if {"DTWIN_COLD_STORE", "DTWIN_ARCHIVE_STORE"} & set(env):
                roles.add(_STORAGE)
        return tuple(sorted(roles))

    def functions(self, builds) -> tuple[list[GoogleFunction], list[ServiceAccount]]:
        out, accounts = [], []
        for slot in SLOTS:
            specs = [f for f in self.topology.functions_on(GOOGLE) if f.slot is slot]
            if not specs:
                continue
            account = self.account_id(slot)
            accounts.append(ServiceAccount(str(slot), account, self.roles(slot, specs)))
            package = _package(builds, slot, self.topology.twin_name)
            for f in specs:
                ep = entry_point(f.role)
                deployed = self.topology.deployed_name(f)
                kind = trigger_kind(f.role)
                if kind == PUBSUB:
                    trigger = Trigger(PUBSUB, topic=self.maybe(keys.TELEMETRY_TOPIC))
                elif kind == SCHEDULE:
                    job = self.name(ResourceKind.SCHEDULER_JOB.of(f.name))
                    cron = SCHEDULED.get(f.role, MOVER_SCHEDULE)
                    trigger = Trigger(SCHEDULE, schedule=cron, job=job)
                else:
                    trigger = Trigger(HTTP)
                out.append(
                    GoogleFunction(
                        name=deployed,
                        function=f.name,
                        layer=str(slot),
                        role=f.role,
                        entry_point=ep.name,
                        signature=ep.signature,
                        service_account=account,
                        env=self.env(f),
                        trigger=trigger,
                        package=package,
                        url=self.url_of(deployed),
                        device_id=f.device_id,
                        public=bool(self.served(f)),
                    )
                )
        return out, accounts

    def receiver_urls(self, functions: list[GoogleFunction]) -> dict[str, str | Deferred]:
        urls: dict[str, str | Deferred] = {}
        for boundary in self.topology.boundaries:
            if boundary.target_cloud is not GOOGLE:
                continue
            fn = next(
                (
                    f
                    for f in functions
                    if f.role == boundary.spec.receiver and f.layer == str(boundary.spec.target)
                ),
                None,
            )
            if fn is not None:
                urls[boundary.name] = fn.url
        return urls

    def feedback(self) -> FeedbackIntent | None:
        topic = self.maybe(keys.FEEDBACK_TOPIC)
        if topic is None:
            return None
        subs = tuple(
            Subscription(self.name(ResourceKind.FEEDBACK_SUBSCRIPTION.of(d)), d)
            for d in self.project.device_ids
            if self.topology.resource(ResourceKind.FEEDBACK_SUBSCRIPTION.of(d), GOOGLE)
        )
        return FeedbackIntent(topic, subs)

    def firestore(self) -> FirestoreIntent | None:
        if not self.on(Slot.L3_HOT):
            return None
        return FirestoreIntent(
            database=self.name(keys.FIRESTORE_DATABASE),
            collection=self.name(keys.HOT_TABLE),
            ttl_field=TTL_FIELD,
            ttl_days=2 * self.days("hot_days"),
            indexes=tuple(FIRESTORE_INDEXES),
        )

    def buckets(self) -> list[GcsBucket]:
        out = []
        if self.on(Slot.L3_COLD):
            name = self.name(keys.COLD_BUCKET)
            out.append(GcsBucket(name, str(Slot.L3_COLD), "NEARLINE", self.days("cold_days")))
        if self.on(Slot.L3_ARCHIVE):
            name = self.name(keys.ARCHIVE_BUCKET)
            out.append(GcsBucket(name, str(Slot.L3_ARCHIVE), "ARCHIVE", None))
        return out

    def workflow(self) -> WorkflowIntent | None:
        name = self.maybe(keys.WORKFLOW)
        if name is None or not self.has(topo.EVENT_CHECKER):
            return None
        found = state_machine_files(Path(self.project.root), GOOGLE)
        if not found:
            return None
        try:
            source = (Path(self.project.root) / found[0]).read_text(encoding="utf-8-sig")
        except OSError:
            return None
        return WorkflowIntent(name, source, self.account_id(Slot.L2))


def _package(builds, slot: Slot, twin_name: str) -> str | None:
    """The zip of a layer among ``builds``: the Google packaging makes one per layer, named
    ``<twin>-<layer tag>-functions`` (clouds/google/packaging.source_name)."""
    from dtwin_gui.clouds.google.packaging import source_name

    wanted = {source_name(twin_name, slot), str(slot)}
    for build in builds:
        if str(getattr(build, "cloud", "")) != str(GOOGLE):
            continue
        if str(getattr(build, "name", "")) in wanted or str(getattr(build, "layer", "")) == str(
            slot
        ):
            return str(Path(build.path).resolve())
    return None


def google_intent(
    project: Project,
    topology: Topology,
    builds: Iterable[Any] = (),
    glue: Mapping[str, str] | None = None,
    *,
    gcp_project: str = "",
    region: str = DEFAULT_REGION,
    suffix: str = UNIQUE_SUFFIX_PLACEHOLDER,
    functions_url: str | None = None,
) -> GoogleIntent:
    """The Google part of ``project``'s twin.

    ``builds`` are the packages (one zip per layer); ``glue`` the URL of each boundary's
    receiver on another cloud, where known; ``gcp_project``/``region`` where it goes;
    ``suffix`` replaces the topology's placeholder in globally unique names;
    ``functions_url`` the base a function is reached under (``{base}/{deployed name}``:
    real Google's ``https://<region>-<project>.cloudfunctions.net`` by default, the sandbox
    gateway there).
    """
    b = _Builder(project, topology, glue or {}, suffix, gcp_project, region, functions_url)
    functions, accounts = b.functions(list(builds))
    return GoogleIntent(
        twin_name=topology.twin_name,
        project=gcp_project,
        region=region,
        apis=APIS,
        functions_bucket=b.maybe(keys.FUNCTIONS_BUCKET),
        service_accounts=tuple(accounts),
        telemetry_topic=b.maybe(keys.TELEMETRY_TOPIC),
        feedback=b.feedback(),
        functions=tuple(functions),
        firestore=b.firestore(),
        buckets=tuple(b.buckets()),
        receiver_urls=b.receiver_urls(functions),
        workflow=b.workflow(),
        functions_url=b.base,
    )


__all__ = [
    "APIS",
    "Deferred",
    "FeedbackIntent",
    "FirestoreIntent",
    "GcsBucket",
    "GlueUrl",
    "GoogleFunction",
    "GoogleIntent",
    "SecretRef",
    "ServiceAccount",
    "Subscription",
    "Trigger",
    "WorkflowIntent",
    "google_intent",
    "real_functions_url",
    "trigger_kind",
]
