"""Links to the Google Cloud console (console.cloud.google.com) for the twin's resources,
per layer and per resource.

Every link names the project (``?project=<id>``), which the connection knows from the
sign-in; without it the link says the project is chosen on the Credentials page. A layer
links to the console page of its main service (Pub/Sub for L1, Cloud Functions for L2,
Firestore for L3 hot, Cloud Storage for L3 cold/archive); a resource to its own page where
the console has one. The sandbox is emulated on this computer: it has no console, and every
link says so.
"""

from __future__ import annotations

from urllib.parse import quote

from dtwin_gui.clouds.base import ConsoleLink
from dtwin_gui.core.providers import Slot

NO_CONSOLE = "emulated: no console"
CONSOLE = "https://console.cloud.google.com"
NO_PROJECT = "the Google Cloud project is chosen on the Credentials page"

_LAYER_PAGES = {
    str(Slot.L1): "/cloudpubsub/topic/list",
    str(Slot.L2): "/functions/list",
    str(Slot.L3_HOT): "/firestore/databases",
    str(Slot.L3_COLD): "/storage/browser",
    str(Slot.L3_ARCHIVE): "/storage/browser",
    "setup": "/iam-admin/serviceaccounts",
}


def _q(value: str) -> str:
    return quote(value, safe="")


def _page(kind: str, name: str, region: str) -> str | None:
    """The console path of resource ``name`` of ``kind`` (a Terraform type or probe kind)."""
    kind = kind.removeprefix("google_")
    if kind in ("cloud-function", "cloudfunctions2_function"):
        return f"/functions/details/{_q(region)}/{_q(name)}"
    if kind in ("pubsub-topic", "pubsub_topic"):
        return f"/cloudpubsub/topic/detail/{_q(name)}"
    if kind in ("pubsub-subscription", "pubsub_subscription"):
        return f"/cloudpubsub/subscription/detail/{_q(name)}"
    if kind in ("gcs-bucket", "storage_bucket"):
        return f"/storage/browser/{_q(name)}"
    if kind in ("firestore-database", "firestore_database"):
        return f"/firestore/databases/{_q(name)}/data"
    if kind == "service_account":
        return "/iam-admin/serviceaccounts"
    if kind == "cloud_scheduler_job":
        return "/cloudscheduler"
    if kind == "workflows_workflow":
        return f"/workflows/workflow/{_q(region)}/{_q(name)}"
    if kind == "project_service":
        return "/apis/dashboard"
    return None


def _link(connection, path: str) -> ConsoleLink:
    project = str(getattr(connection, "project", "") or "")
    if not project:
        return ConsoleLink(None, NO_PROJECT)
    return ConsoleLink(f"{CONSOLE}{path}?project={_q(project)}")


def resource_link(connection, component: str, name: str, **_kw) -> ConsoleLink:
    """The console page of one resource (``component``: Terraform type or probe kind)."""
    if connection.is_sandbox:
        return ConsoleLink(None, NO_CONSOLE)
    if not name:
        return ConsoleLink(None, "the resource has no name yet")
    path = _page(component, name, str(getattr(connection, "region", "") or ""))
    if path is None:
        return ConsoleLink(None, f"no console page for {component}")
    return _link(connection, path)


def layer_link(connection, layer: str, outputs: dict, twin_name: str) -> ConsoleLink:
    """The console page that best shows a whole layer."""
    if connection.is_sandbox:
        return ConsoleLink(None, NO_CONSOLE)
    path = _LAYER_PAGES.get(str(layer))
    if path is None:
        return ConsoleLink(None, f"{layer} is not on Google Cloud")
    return _link(connection, path)
