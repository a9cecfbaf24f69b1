"""The Google layer modules, the shared ``_function`` / ``_scheduler`` they call, and the root
fragment that calls them (clouds/google/terraform.py), without the provider.

``terraform validate`` cannot run here (no google provider), so nothing else would notice a
layer passing a misspelt input to a shared module, the fragment giving a layer an input it
does not declare or leaving out a required one, or the Terraform's Firestore indexes drifting
from the ones the runtime's queries need (runtime/google/indexes.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import hcl2
import pytest
from helpers import edit_json
from iac.test_azure_modules import _calls, _source, _variables, call_problems

from dtwin_gui.clouds.google.terraform import terraform_fragment
from dtwin_gui.core.project import load_project
from dtwin_gui.core.providers import Cloud
from dtwin_gui.core.topology import topology_for_project
from dtwin_gui.iac.root_fragment import RootContext, RootFragment, merge
from dtwin_gui.iac.root_parts import Ref, RootError, encode, terraform_dir
from dtwin_gui.runtime.google.indexes import FIRESTORE_INDEXES, TTL_FIELD

GOOGLE = terraform_dir() / "modules" / "google"
LAYERS = sorted(p for p in GOOGLE.iterdir() if p.is_dir() and not p.name.startswith("_"))
FUNCTION_LAYERS = [p for p in LAYERS if p.name != "setup"]

ALL = ("layer_1", "layer_2", "layer_3_hot", "layer_3_cold", "layer_3_archive")
#: L1-L3 on Google; L4/L5 on AWS (or "none" once twins may leave them out).
ALL_GOOGLE = {
    **{f"{s}_provider": "google" for s in ALL},
    **dict.fromkeys(("layer_4_provider", "layer_5_provider"), "aws"),
}
HYBRID = {
    **ALL_GOOGLE,
    "layer_3_hot_provider": "aws",
    "layer_3_cold_provider": "aws",
    "layer_3_archive_provider": "aws",
}
CONNECTION = SimpleNamespace(is_sandbox=False, project="my-proj", region="europe-west1")


def test_every_layer_calls_its_modules_with_what_they_declare():
    assert [p for layer in LAYERS for p in call_problems(layer)] == []


def test_every_function_comes_from_the_shared_module():
    """One google_cloudfunctions2_function block for all; a layer says only what differs."""
    for layer in FUNCTION_LAYERS:
        assert 'resource "google_cloudfunctions2_function"' not in _source(layer), layer.name
        sources = {c["source"].strip('"') for c in _calls(layer).values()}
        assert sources <= {"../_function", "../_scheduler"}, layer.name
    schedulers = [
        (layer.name, name)
        for layer in FUNCTION_LAYERS
        for name, call in _calls(layer).items()
        if call["source"].strip('"') == "../_scheduler"
    ]
    assert schedulers == [("l3_cold", "mover_schedule"), ("l3_hot", "mover_schedule")]


def _project(project: Path, providers: dict, features: dict | None = None):
    edit_json(project / "config_providers.json", lambda d: d.update(providers))
    if features:
        edit_json(project / "config_features.json", lambda d: d.update(features))
    loaded = load_project(project)
    return loaded, topology_for_project(loaded)


def _builds(tmp_path: Path) -> tuple:
    out = []
    for layer in ("L1", "L2", "L3_hot", "L3_cold", "L3_archive"):
        path = tmp_path / f"google-{layer}.zip"
        path.write_bytes(b"PK\x05\x06" + b"\0" * 18)
        out.append(SimpleNamespace(cloud="google", name=layer, path=path))
    return tuple(out)


def _fragment(project: Path, tmp_path: Path, providers: dict, features=None) -> RootFragment:
    loaded, topology = _project(project, providers, features)
    ctx = RootContext(loaded, topology, Cloud.GOOGLE, CONNECTION, _builds(tmp_path))
    return terraform_fragment(ctx)


def _module_dir(source: str) -> Path:
    package, _, inner = source.partition("//")
    return Path(package) / inner


def fragment_problems(fragment: RootFragment) -> list[str]:
    problems = []
    for name, inputs in fragment.modules.items():
        declared = _variables(_module_dir(inputs["source"]))
        given = set(inputs) - {"source"}
        problems += [f"{name}: no variable {v!r}" for v in sorted(given - set(declared))]
        problems += [
            f"{name}: needs {v!r}"
            for v, required in sorted(declared.items())
            if required
            if v not in given
        ]
    return problems


@pytest.mark.parametrize("providers", [ALL_GOOGLE, HYBRID], ids=["all_google", "hybrid"])
def test_the_fragment_gives_every_module_what_it_declares(project, tmp_path, providers):
    features = {"use_event_checking": True, "return_feedback_to_device": True}
    fragment = _fragment(project, tmp_path, providers, features)
    assert fragment_problems(fragment) == []
    assert fragment.required_providers == {
        "google": {"source": "hashicorp/google", "version": "~> 6.0"}
    }
    assert fragment.providers["google"] == {"project": "my-proj", "region": "europe-west1"}
    json.dumps(encode(fragment.modules))  # renders as JSON syntax


def test_an_all_google_twin_has_every_resource_named_by_the_topology(project, tmp_path):
    features = {"use_event_checking": True, "return_feedback_to_device": True}
    fragment = _fragment(project, tmp_path, ALL_GOOGLE, features)
    loaded, topology = _project(project, {})
    assert set(fragment.modules) == {
        "google_setup",
        "google_l1",
        "google_l2",
        "google_l3_hot",
        "google_l3_cold",
        "google_l3_archive",
    }
    l1, l2 = fragment.modules["google_l1"], fragment.modules["google_l2"]
    twin = topology.twin_name
    assert l1["telemetry_topic"] == f"{twin}-telemetry"
    assert l1["feedback_subscriptions"] == {d: f"{twin}-feedback-{d}" for d in loaded.device_ids}
    assert l2["processors"] == {d: f"{twin}-processor-{d}" for d in loaded.device_ids}
    assert l2["feedback_topic"] == f"{twin}-feedback"
    assert l2["firestore_database"] == f"{twin}-hot"
    # Function calls go to the real functions base; only the readers on AWS (L4/L5) cross,
    # their one shared secret a TF_VAR.
    assert l2["common"]["functions_url"] == "https://europe-west1-my-proj.cloudfunctions.net"
    assert set(fragment.variables) == {
        "glue_l3hot_reader_secret",
        "glue_l3hot_reader_previous_secret",
    }
    hot = fragment.modules["google_l3_hot"]
    assert hot["mover_schedule"] == "0 * * * *"
    assert hot["mover_job"] == f"{twin}-hot-to-cold-mover"
    assert hot["ttl_field"] == TTL_FIELD
    assert hot["hot_ttl_days"] == 2 * loaded.hot_days
    accounts = fragment.modules["google_setup"]["service_accounts"]
    assert sorted(accounts) == ["L1", "L2", "L3_cold", "L3_hot"]  # archive hosts no function
    assert "roles/datastore.user" in accounts["L2"]["roles"]  # the persister writes Firestore
    assert "roles/datastore.user" not in accounts["L1"]["roles"]
    assert "roles/pubsub.publisher" in accounts["L2"]["roles"]  # feedback
    # Buckets are globally unique: the placeholder became the project's suffix.
    suffix = fragment.unique_suffix
    assert fragment.modules["google_l3_cold"]["bucket_name"] == f"{twin}-cold-{suffix}"


def test_the_declared_firestore_indexes_are_the_runtimes(project, tmp_path):
    fragment = _fragment(project, tmp_path, ALL_GOOGLE)
    declared = fragment.modules["google_l3_hot"]["indexes"]
    expected = [
        {"fields": [{"path": f.path, "order": f.order} for f in index.fields]}
        for index in FIRESTORE_INDEXES
    ]
    assert declared == expected
    assert {"path": "device_id", "order": "ASCENDING"} in declared[0]["fields"]
    assert all(i.collection is None and i.query_scope == "COLLECTION" for i in FIRESTORE_INDEXES)
    # ... and the module turns each into a google_firestore_index on the hot collection.
    (document,) = [hcl2.loads((GOOGLE / "l3_hot" / "main.tf").read_text(encoding="utf-8"))]
    resources = {k.strip('"'): v for b in document["resource"] for k, v in b.items()}
    (index,) = resources["google_firestore_index"].values()
    assert "var.indexes" in index["for_each"]
    assert index["collection"] == "${var.collection}"
    assert index["query_scope"].strip('"') == "COLLECTION"
    assert "google_firestore_field" in resources  # the TTL policy


def test_a_hybrid_root_wires_google_to_the_other_cloud_or_asks_for_tf_vars(project, tmp_path):
    fragment = _fragment(project, tmp_path, HYBRID)
    assert "google_l3_hot" not in fragment.modules
    l2 = fragment.modules["google_l2"]
    assert l2["hot_writer_url"] == Ref("var.glue_l2_l3hot_writer_url")
    assert l2["hot_writer_secret"] == Ref("var.glue_l2_l3hot_writer_secret")
    assert fragment.variables["glue_l2_l3hot_writer_secret"].kind == "secret"
    _, topology = _project(project, {})
    # Alone in the root (AWS deployed elsewhere) the URL stays a TF_VAR ...
    alone = merge([fragment], topology)
    assert "glue_l2_l3hot_writer_url" in alone.variables
    # ... with the receiver's cloud in the root, its module output is wired in.
    aws = RootFragment(
        cloud=Cloud.AWS,
        receiver_urls={"l2-l3hot-writer": Ref("module.aws_l3_hot.hot_writer_url")},
    )
    both = merge([aws, fragment], topology)
    assert both.modules["google_l2"]["hot_writer_url"] == Ref("module.aws_l3_hot.hot_writer_url")
    assert "glue_l2_l3hot_writer_url" not in both.variables
    assert "l2-l3hot-writer" in both.wired


def test_google_receivers_publish_their_urls_for_the_senders(project, tmp_path):
    """L1 on AWS, L2-L3 on Google: the ingestion receiver's URL is a Google module output."""
    fragment = _fragment(project, tmp_path, {**ALL_GOOGLE, "layer_1_provider": "aws"})
    assert fragment.receiver_urls == {
        "l1-l2-ingestion": Ref("module.google_l2.ingestion_url"),
        **{
            b: Ref("module.google_l3_hot.hot_reader_url")
            for b in ("l4-l3hot-reader", "l5-l3hot-reader")
        },
    }
    l2 = fragment.modules["google_l2"]
    assert l2["ingestion_secret"] == Ref("var.glue_l1_l2_ingestion_secret")
    assert fragment.outputs["l1_l2_ingestion_receiver_url"] == Ref("module.google_l2.ingestion_url")


def test_no_fragment_without_a_project_or_in_the_sandbox(project, tmp_path):
    loaded, topology = _project(project, ALL_GOOGLE)
    for connection, says in (
        (SimpleNamespace(is_sandbox=True, project="p", region="r"), "emulators"),
        (SimpleNamespace(is_sandbox=False, project="", region="europe-west1"), "project"),
    ):
        ctx = RootContext(loaded, topology, Cloud.GOOGLE, connection, _builds(tmp_path))
        with pytest.raises(RootError, match=says):
            terraform_fragment(ctx)
    ctx = RootContext(loaded, topology, Cloud.GOOGLE, CONNECTION, ())
    with pytest.raises(RootError, match="dtwin build"):
        terraform_fragment(ctx)
