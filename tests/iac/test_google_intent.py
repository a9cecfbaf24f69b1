"""The Google intent (clouds/google/intent.py): the one description of a twin's Google
resources that Terraform renders and the sandbox provisioner creates on the emulators."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import edit_json

from dtwin_gui.clouds.google.intent import (
    GOOGLE_SETTINGS,
    Deferred,
    GlueUrl,
    SecretRef,
    google_intent,
)
from dtwin_gui.core.project import load_project
from dtwin_gui.core.providers import Cloud, Slot
from dtwin_gui.core.topology import topology_for_project
from dtwin_gui.runtime.core.contracts import contract_for
from dtwin_gui.runtime.google.entry_points import ENTRY_POINTS
from dtwin_gui.runtime.google.indexes import FIRESTORE_INDEXES

L1_TO_L3 = ("layer_1", "layer_2", "layer_3_hot", "layer_3_cold", "layer_3_archive")
ALL_GOOGLE = {
    **{f"{s}_provider": "google" for s in L1_TO_L3},
    "layer_4_provider": "aws",
    "layer_5_provider": "aws",
}
EVENTS = {"use_event_checking": True, "return_feedback_to_device": True}
WORKFLOW_YAML = "main:\n  steps:\n    - done:\n        return: ok\n"


def _intent(project: Path, providers=None, features=None, **kwargs):
    edit_json(project / "config_providers.json", lambda d: d.update(providers or ALL_GOOGLE))
    if features:
        edit_json(project / "config_features.json", lambda d: d.update(features))
    loaded = load_project(project)
    topology = topology_for_project(loaded)
    return loaded, topology, google_intent(loaded, topology, **kwargs)


def test_every_function_has_its_roles_entry_point_trigger_and_contract(project):
    _, topology, intent = _intent(project, features=EVENTS, gcp_project="p")
    assert {f.name for f in intent.functions} == {
        topology.deployed_name(f) for f in topology.functions_on(Cloud.GOOGLE)
    }
    for fn in intent.functions:
        assert (fn.entry_point, fn.signature) == tuple(ENTRY_POINTS[fn.role]), fn.name
        contract = contract_for(fn.role)
        assert set(fn.env) <= set(contract.names()) | set(GOOGLE_SETTINGS), fn.name
        assert set(contract.required()) <= set(fn.env), fn.name
        assert fn.env["DTWIN_FUNCTION"] == fn.function
        assert fn.service_account == intent.account(fn.layer).account_id
    dispatcher = intent.function("dispatcher")
    assert (dispatcher.trigger.kind, dispatcher.trigger.topic) == ("pubsub", intent.telemetry_topic)
    assert dispatcher.signature == "cloudevent"
    movers = [f for f in intent.functions if f.trigger.kind == "schedule"]
    assert {f.role for f in movers} == {"hot-to-cold-mover", "cold-to-archive-mover"}
    assert {f.trigger.schedule for f in movers} == {"0 * * * *"}
    assert all(f.trigger.kind == "http" for f in intent.functions if f not in [*movers, dispatcher])
    # Calls between functions go to {base}/{deployed name}.
    persister = intent.function("persister")
    assert persister.env["DTWIN_GOOGLE_FUNCTIONS_URL"] == (
        "https://europe-west1-p.cloudfunctions.net"
    )
    assert persister.url == f"https://europe-west1-p.cloudfunctions.net/{persister.name}"
    assert intent.function("event-feedback").env["DTWIN_FEEDBACK_TOPIC"] == intent.feedback.topic


def test_feedback_has_one_filtered_subscription_per_device(project):
    loaded, _, intent = _intent(project, features=EVENTS)
    subs = {s.device_id: s for s in intent.feedback.subscriptions}
    assert sorted(subs) == sorted(loaded.device_ids)
    device = loaded.device_ids[0]
    assert subs[device].filter == f'attributes.device_id = "{device}"'


def test_the_stores_tiers_ttl_and_indexes(project):
    loaded, _, intent = _intent(project)
    assert intent.firestore.indexes == FIRESTORE_INDEXES
    assert intent.firestore.ttl_days == 2 * loaded.hot_days
    assert {b.layer: b.storage_class for b in intent.buckets} == {
        "L3_cold": "NEARLINE",
        "L3_archive": "ARCHIVE",
    }
    assert intent.function("hot-reader").public  # L4/L5 on AWS read it over the glue


def test_glue_is_placeholders_never_values(project):
    """L3 on AWS: the persister signs for the AWS hot writer; its URL is known only later."""
    hybrid = {**ALL_GOOGLE, **{f"{s}_provider": "aws" for s in L1_TO_L3[2:]}}
    _, _, intent = _intent(project, providers=hybrid)
    env = intent.function("persister").env
    assert env["DTWIN_HOT_WRITER_URL"] == GlueUrl("l2-l3hot-writer")
    assert env["DTWIN_HOT_WRITER_SECRET"] == SecretRef("l2-l3hot-writer")
    assert "DTWIN_HOT_STORE" not in env
    assert intent.firestore is None and intent.buckets == ()
    _, _, given = _intent(project, providers=hybrid, glue={"l2-l3hot-writer": "https://x/w"})
    assert given.function("persister").env["DTWIN_HOT_WRITER_URL"] == "https://x/w"


def test_receivers_and_the_sandbox_gateway(project):
    """L1 on AWS: Google hosts the ingestion receiver, public and HMAC-guarded."""
    _, _, intent = _intent(
        project,
        providers={**ALL_GOOGLE, "layer_1_provider": "aws"},
        functions_url="http://127.0.0.1:9999",
    )
    ingestion = intent.function("ingestion")
    assert ingestion.public
    assert ingestion.env["DTWIN_GLUE_SECRET"] == SecretRef("l1-l2-ingestion")
    assert intent.receiver_urls["l1-l2-ingestion"] == f"http://127.0.0.1:9999/{ingestion.name}"
    assert intent.telemetry_topic is None and intent.feedback is None
    # Without a project the base URL is Google's to decide.
    _, _, unknown = _intent(project)
    assert unknown.function("persister").url == Deferred("function_url", "factory-twin-persister")


def test_the_notification_workflow_comes_from_the_projects_yaml(project):
    features = {**EVENTS, "trigger_notification_workflow": True}
    (project / "state_machines").mkdir(exist_ok=True)
    (project / "state_machines" / "google_cloud_workflow.yaml").write_text(WORKFLOW_YAML)
    _, _, intent = _intent(project, features=features, gcp_project="p")
    assert intent.workflow.source == WORKFLOW_YAML
    assert intent.workflow.service_account == intent.account(Slot.L2).account_id
    assert intent.function("event-checker").env["DTWIN_WORKFLOW"] == (
        f"projects/p/locations/europe-west1/workflows/{intent.workflow.name}"
    )
    assert "roles/workflows.invoker" in intent.account(Slot.L2).roles
    _, _, off = _intent(project, features={"trigger_notification_workflow": False})
    assert off.workflow is None


def test_a_topology_without_l4_and_l5_is_fine(project):
    """Twins may leave out L4/L5 (their slots absent from the providers)."""
    edit_json(project / "config_providers.json", lambda d: d.update(ALL_GOOGLE))
    loaded = load_project(project)
    topology = topology_for_project(loaded)
    for slot in (Slot.L4, Slot.L5):
        topology.providers.pop(slot, None)
    topology.boundaries = [
        b for b in topology.boundaries if b.spec.source not in (Slot.L4, Slot.L5)
    ]
    intent = google_intent(loaded, topology)
    assert intent.function("hot-reader").public is False
    assert intent.receiver_urls == {}


@pytest.mark.parametrize("layer", ["L1", "L2", "L3_hot", "L3_cold"])
def test_each_layer_gets_its_own_account(project, layer):
    _, _, intent = _intent(project, features=EVENTS)
    account = intent.account(layer)
    assert account.account_id.endswith("-sa") and "roles/logging.logWriter" in account.roles
    assert intent.account("L3_archive") is None  # archive hosts no function here
