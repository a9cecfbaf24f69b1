"""The shapes of the Google intent (:mod:`dtwin_gui.clouds.google.intent` computes it): the
placeholders that stand for values not known when it is made, and one dataclass per kind of
Google resource of a twin. Each has ``to_json`` (the CLI's and the provisioner's view)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dtwin_gui.core.providers import SLOTS, Slot
from dtwin_gui.runtime.google.indexes import FirestoreIndex

# --- placeholders ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SecretRef:
    """The HMAC secret (``kind`` ``secret`` or ``previous_secret``) of a glue boundary."""

    boundary: str
    kind: str = "secret"

    def to_json(self) -> dict:
        return {"$secret": self.boundary, "kind": self.kind}


@dataclass(frozen=True)
class GlueUrl:
    """The URL of a boundary's receiver on another cloud, not known when the intent is made."""

    boundary: str

    def to_json(self) -> dict:
        return {"$glue_url": self.boundary}


@dataclass(frozen=True)
class Deferred:
    """A value Google decides: ``functions_url`` (the project's functions base URL)."""

    what: str
    subject: str | None = None

    def to_json(self) -> dict:
        return {"$deferred": self.what, "subject": self.subject}


Setting = str | SecretRef | GlueUrl | Deferred


def _json_value(value: Any) -> Any:
    return value.to_json() if hasattr(value, "to_json") else value


# --- the intent -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Trigger:
    """``pubsub`` (``topic``, via Eventarc), ``http``, or ``schedule`` (a Cloud Scheduler
    HTTP job ``job`` with cron ``schedule``)."""

    kind: str
    topic: str | None = None
    schedule: str | None = None
    job: str | None = None

    def to_json(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class GoogleFunction:
    #: The deployed name (``topology.deployed_name``), also the last part of its URL.
    name: str
    #: The topology name (env ``DTWIN_FUNCTION``).
    function: str
    layer: str
    role: str
    entry_point: str
    signature: str  # "cloudevent" | "http"
    service_account: str  # account id (the layer's)
    env: Mapping[str, Setting]
    trigger: Trigger
    #: The layer's source zip (from the build), None when not built.
    package: str | None
    url: str | Deferred
    device_id: str | None = None
    #: Callable by anyone (a glue receiver: the HMAC glue protocol guards it), else only by
    #: identities with run.invoker (the twin's own accounts, the deploying user).
    public: bool = False

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "function": self.function,
            "layer": self.layer,
            "role": self.role,
            "entry_point": self.entry_point,
            "signature": self.signature,
            "service_account": self.service_account,
            "env": {k: _json_value(v) for k, v in sorted(self.env.items())},
            "trigger": self.trigger.to_json(),
            "package": self.package,
            "url": _json_value(self.url),
            "public": self.public,
        }


@dataclass(frozen=True)
class ServiceAccount:
    layer: str
    account_id: str
    roles: tuple[str, ...]

    def email(self, project: str) -> str:
        return f"{self.account_id}@{project}.iam.gserviceaccount.com"

    def to_json(self) -> dict:
        return {"layer": self.layer, "account_id": self.account_id, "roles": list(self.roles)}


@dataclass(frozen=True)
class Subscription:
    name: str
    device_id: str

    @property
    def filter(self) -> str:
        return f'attributes.device_id = "{self.device_id}"'

    def to_json(self) -> dict:
        return {"name": self.name, "device_id": self.device_id, "filter": self.filter}


@dataclass(frozen=True)
class FeedbackIntent:
    topic: str
    subscriptions: tuple[Subscription, ...]

    def to_json(self) -> dict:
        return {"topic": self.topic, "subscriptions": [s.to_json() for s in self.subscriptions]}


@dataclass(frozen=True)
class FirestoreIntent:
    database: str
    collection: str
    ttl_field: str
    #: Days after which Firestore expires a document (safety net behind the mover).
    ttl_days: int
    indexes: tuple[FirestoreIndex, ...]

    def to_json(self) -> dict:
        return {
            "database": self.database,
            "collection": self.collection,
            "ttl_field": self.ttl_field,
            "ttl_days": self.ttl_days,
            "indexes": [
                {
                    "collection": i.collection or self.collection,
                    "query_scope": i.query_scope,
                    "fields": [{"path": f.path, "order": f.order} for f in i.fields],
                }
                for i in self.indexes
            ],
        }


@dataclass(frozen=True)
class GcsBucket:
    name: str
    layer: str
    storage_class: str  # "NEARLINE" | "ARCHIVE"
    #: Days after which the mover takes an object on (cold -> archive); None for the archive.
    move_after_days: int | None

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class WorkflowIntent:
    name: str
    source: str  # the Workflows YAML (or JSON) text
    service_account: str

    def to_json(self) -> dict:
        return {"name": self.name, "service_account": self.service_account}


@dataclass(frozen=True)
class GoogleIntent:
    twin_name: str
    project: str
    region: str
    apis: tuple[str, ...]
    functions_bucket: str | None
    service_accounts: tuple[ServiceAccount, ...]
    telemetry_topic: str | None
    feedback: FeedbackIntent | None
    functions: tuple[GoogleFunction, ...]
    firestore: FirestoreIntent | None
    buckets: tuple[GcsBucket, ...]
    #: URL of every glue receiver Google hosts, by boundary.
    receiver_urls: Mapping[str, str | Deferred] = field(default_factory=dict)
    workflow: WorkflowIntent | None = None
    #: The base a function is reached under: ``{functions_url}/{deployed name}``.
    functions_url: str | Deferred = ""

    def layer_functions(self, layer: Slot | str) -> list[GoogleFunction]:
        return [f for f in self.functions if f.layer == str(layer)]

    def function(self, role: str) -> GoogleFunction | None:
        return next((f for f in self.functions if f.role == role), None)

    def account(self, layer: Slot | str) -> ServiceAccount | None:
        return next((a for a in self.service_accounts if a.layer == str(layer)), None)

    @property
    def layers(self) -> list[str]:
        return [str(s) for s in SLOTS if self.layer_functions(s)]

    def to_json(self) -> dict:
        def opt(value):
            return value.to_json() if value is not None else None

        return {
            "twin_name": self.twin_name,
            "project": self.project,
            "region": self.region,
            "apis": list(self.apis),
            "functions_bucket": self.functions_bucket,
            "service_accounts": [a.to_json() for a in self.service_accounts],
            "telemetry_topic": self.telemetry_topic,
            "feedback": opt(self.feedback),
            "functions": [f.to_json() for f in self.functions],
            "firestore": opt(self.firestore),
            "buckets": [b.to_json() for b in self.buckets],
            "receiver_urls": {k: _json_value(v) for k, v in sorted(self.receiver_urls.items())},
            "workflow": opt(self.workflow),
            "functions_url": _json_value(self.functions_url),
        }
