"""What a deployment needs on Google Cloud, per layer, and the roles that grant what is missing.

Google IAM answers the question itself: ``projects.testIamPermissions`` returns the subset
of the asked permissions the caller holds on the project (roles granted on the project, its
folders and organization all count). So there is no role evaluation here, only the table:
the permissions the google provider calls for each resource type of
``terraform/modules/google`` (a test fails when a module uses a type this table lacks), the
calls the provisioner, the simulator and the leftovers scan make, and for each permission a
predefined role that contains it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from dtwin_gui.clouds.base import Decision

ALLOWED, DENIED, UNKNOWN = Decision.ALLOWED, Decision.DENIED, Decision.UNKNOWN
SETUP = "setup"
#: Google hosts L1–L3 (it has no managed twin service or Grafana).
GROUPS = (SETUP, "L1", "L2", "L3_hot", "L3_cold", "L3_archive")

_CRUD = ("create", "get", "update", "delete")


def _p(resource: str, *verbs: str) -> tuple[str, ...]:
    return tuple(f"{resource}.{v}" for v in (verbs or _CRUD))


_ACT_AS = "iam.serviceAccounts.actAs"  # run a function / job / workflow as its service account

#: Permissions the google provider needs for each resource / data source type (create, read,
#: update, delete; for a function also what Cloud Functions gen2 asks of the caller).
RESOURCE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "google_project": ("resourcemanager.projects.get",),
    "google_client_config": (),
    "google_project_service": _p("serviceusage.services", "enable", "get", "list", "disable"),
    "google_service_account": _p("iam.serviceAccounts", *_CRUD, "list"),
    "google_project_iam_member": _p(
        "resourcemanager.projects", "get", "getIamPolicy", "setIamPolicy"
    ),
    "google_service_account_iam_member": _p("iam.serviceAccounts", "getIamPolicy", "setIamPolicy"),
    "google_storage_bucket": (
        *_p("storage.buckets", *_CRUD, "list"),
        # force_destroy empties the bucket first
        *_p("storage.objects", "list", "delete"),
    ),
    "google_storage_bucket_object": _p("storage.objects", "create", "get", "update", "delete"),
    "google_storage_bucket_iam_member": _p("storage.buckets", "getIamPolicy", "setIamPolicy"),
    "google_pubsub_topic": _p("pubsub.topics"),
    "google_pubsub_topic_iam_member": _p("pubsub.topics", "getIamPolicy", "setIamPolicy"),
    "google_pubsub_subscription": (*_p("pubsub.subscriptions"), "pubsub.topics.attachSubscription"),
    "google_pubsub_subscription_iam_member": _p(
        "pubsub.subscriptions", "getIamPolicy", "setIamPolicy"
    ),
    "google_cloudfunctions2_function": (
        *_p("cloudfunctions.functions"),
        "cloudfunctions.operations.get",
        _ACT_AS,
        # the function's source object, its build and its image
        "storage.objects.get",
        "cloudbuild.builds.get",
        "artifactregistry.repositories.get",
        "run.services.get",
    ),
    "google_cloudfunctions2_function_iam_member": _p(
        "cloudfunctions.functions", "getIamPolicy", "setIamPolicy"
    ),
    "google_cloud_run_service_iam_member": _p("run.services", "getIamPolicy", "setIamPolicy"),
    "google_cloud_run_v2_service_iam_member": _p("run.services", "getIamPolicy", "setIamPolicy"),
    "google_cloud_scheduler_job": (*_p("cloudscheduler.jobs"), _ACT_AS),
    "google_firestore_database": _p("datastore.databases", *_CRUD, "getMetadata"),
    "google_firestore_index": _p("datastore.indexes", "create", "get", "list", "delete"),
    # the TTL policy is a field configuration
    "google_firestore_field": _p("datastore.indexes", "get", "list", "update"),
    "google_workflows_workflow": (*_p("workflows.workflows"), "workflows.operations.get", _ACT_AS),
}

_FUNCTIONS = (
    "google_cloudfunctions2_function",
    "google_cloud_run_service_iam_member",
    "google_storage_bucket_object",
)

#: Resource types each layer's module declares (setup: the project-wide ones).
LAYER_RESOURCES: dict[str, tuple[str, ...]] = {
    SETUP: (
        "google_project",
        "google_project_service",
        "google_service_account",
        "google_project_iam_member",
        "google_storage_bucket",
        "google_storage_bucket_object",
    ),
    "L1": (*_FUNCTIONS, "google_pubsub_topic", "google_pubsub_subscription"),
    "L2": (*_FUNCTIONS, "google_workflows_workflow"),
    "L3_hot": (
        *_FUNCTIONS,
        "google_firestore_database",
        "google_firestore_index",
        "google_firestore_field",
        "google_cloud_scheduler_job",
    ),
    "L3_cold": (*_FUNCTIONS, "google_storage_bucket", "google_cloud_scheduler_job"),
    "L3_archive": (*_FUNCTIONS, "google_storage_bucket"),
}

#: Calls beside Terraform's, per group.
EXTRA_PERMISSIONS: dict[str, tuple[str, ...]] = {
    # the leftovers scan after a destroy, and the deploy's view of what exists
    SETUP: (
        "cloudfunctions.functions.list",
        "pubsub.topics.list",
        "pubsub.subscriptions.list",
        "storage.buckets.list",
        "iam.serviceAccounts.list",
        "cloudscheduler.jobs.list",
        "datastore.databases.list",
        "workflows.workflows.list",
        # Status's hop health and dtwin logs read the functions' logs (cloud_logging.py)
        "logging.logEntries.list",
    ),
    # the dispatcher's trigger (Eventarc, made by Cloud Functions for the caller); test
    # telemetry (dtwin simulate) and the devices' feedback (dtwin simulate --listen)
    "L1": (
        *_p("eventarc.triggers"),
        "pubsub.topics.publish",
        "pubsub.subscriptions.consume",
    ),
    "L2": (),
    "L3_hot": (),
    "L3_cold": (),
    "L3_archive": (),
}

#: The predefined role to suggest for a permission: the first rule whose prefix matches.
ROLE_RULES: tuple[tuple[str, str], ...] = (
    ("serviceusage.", "roles/serviceusage.serviceUsageAdmin"),
    ("resourcemanager.projects.getIamPolicy", "roles/resourcemanager.projectIamAdmin"),
    ("resourcemanager.projects.setIamPolicy", "roles/resourcemanager.projectIamAdmin"),
    ("resourcemanager.projects.", "roles/browser"),
    (_ACT_AS, "roles/iam.serviceAccountUser"),
    ("iam.serviceAccounts.", "roles/iam.serviceAccountAdmin"),
    ("storage.", "roles/storage.admin"),
    ("pubsub.topics.getIamPolicy", "roles/pubsub.admin"),
    ("pubsub.topics.setIamPolicy", "roles/pubsub.admin"),
    ("pubsub.subscriptions.getIamPolicy", "roles/pubsub.admin"),
    ("pubsub.subscriptions.setIamPolicy", "roles/pubsub.admin"),
    ("pubsub.", "roles/pubsub.editor"),
    ("cloudfunctions.functions.getIamPolicy", "roles/cloudfunctions.admin"),
    ("cloudfunctions.functions.setIamPolicy", "roles/cloudfunctions.admin"),
    ("cloudfunctions.", "roles/cloudfunctions.developer"),
    ("run.services.getIamPolicy", "roles/run.admin"),
    ("run.services.setIamPolicy", "roles/run.admin"),
    ("run.", "roles/run.viewer"),
    ("eventarc.", "roles/eventarc.admin"),
    ("cloudbuild.", "roles/cloudbuild.builds.viewer"),
    ("artifactregistry.", "roles/artifactregistry.reader"),
    ("datastore.", "roles/datastore.owner"),
    ("cloudscheduler.", "roles/cloudscheduler.admin"),
    ("workflows.", "roles/workflows.editor"),
    ("logging.", "roles/logging.viewer"),
)


def role_for(permission: str) -> str:
    """The predefined role dtwin suggests for ``permission`` (one that contains it)."""
    return next((role for prefix, role in ROLE_RULES if permission.startswith(prefix)), "")


def roles_for(permissions: Iterable[str]) -> dict[str, list[str]]:
    """``{role: [permissions it covers]}`` for ``permissions``, roles sorted by name."""
    out: dict[str, list[str]] = {}
    for permission in sorted(set(permissions)):
        out.setdefault(role_for(permission) or "(custom role only)", []).append(permission)
    return dict(sorted(out.items()))


def required_permissions(layers: Iterable[str] | None = None) -> dict[str, list[str]]:
    """``{group: sorted permissions}`` for "setup" plus ``layers`` (every Google layer when
    None). Layers Google cannot host (L4, L5) are ignored."""
    wanted = set(GROUPS) if layers is None else {SETUP, *map(str, layers)}
    out = {}
    for group in GROUPS:
        if group not in wanted:
            continue
        found = set(EXTRA_PERMISSIONS[group])
        for kind in LAYER_RESOURCES[group]:
            found.update(RESOURCE_PERMISSIONS[kind])
        out[group] = sorted(found)
    return out


@dataclass
class GooglePermissionReport:
    """Per group, each required permission's decision (a :class:`PermissionReport`)."""

    groups: dict[str, dict[str, str]] = field(default_factory=dict)
    note: str = ""
    project: str = ""
    #: Who was asked about ("serviceAccount:x@p.iam.gserviceaccount.com"), "" when unknown.
    member: str = ""

    def actions(self, decision: str) -> list[str]:
        return sorted({a for g in self.groups.values() for a, d in g.items() if d == decision})

    @property
    def denied(self) -> list[str]:
        return self.actions(DENIED)

    def counts(self, group: str) -> dict[str, int]:
        values = list(self.groups.get(group, {}).values())
        return {str(d): values.count(d) for d in (ALLOWED, DENIED, UNKNOWN)}

    def _wanted(self) -> list[str]:
        """The denied permissions, or every one when none is denied (nothing could be
        told, or to grant them before the first deploy)."""
        return self.denied or sorted({a for g in self.groups.values() for a in g})

    def roles(self) -> dict[str, list[str]]:
        """The predefined roles that cover :meth:`_wanted` (see :func:`roles_for`)."""
        return roles_for(self._wanted())

    def role_list(self) -> str:
        """Copyable text: one ``gcloud projects add-iam-policy-binding`` per role, each with
        the permissions it is for."""
        project = self.project or "PROJECT_ID"
        member = self.member or "user:YOU@example.com"
        lines = []
        for role, covered in self.roles().items():
            if role.startswith("("):
                continue
            lines.append(f"# {role}: {', '.join(covered)}")
            lines.append(
                f"gcloud projects add-iam-policy-binding {project} "
                f'--member="{member}" --role="{role}"'
            )
        return "\n".join(lines)

    def custom_role_yaml(self) -> str:
        from dtwin_gui.clouds.google.custom_role import custom_role_yaml

        return custom_role_yaml(self._wanted())


def evaluate(
    groups: Mapping[str, Iterable[str]], granted: Iterable[str], **kw
) -> GooglePermissionReport:
    """Each permission of ``groups`` allowed when ``granted`` (testIamPermissions' answer)
    holds it, else denied."""
    held = set(granted)
    decided = {g: {p: ALLOWED if p in held else DENIED for p in ps} for g, ps in groups.items()}
    return GooglePermissionReport(decided, **kw)


def unknown_report(groups: Mapping[str, Iterable[str]], note: str, **kw) -> GooglePermissionReport:
    return GooglePermissionReport(
        {g: dict.fromkeys(p, UNKNOWN) for g, p in groups.items()}, note, **kw
    )
