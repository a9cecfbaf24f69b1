import pytest

from dtwin_gui.core import resource_names as keys
from dtwin_gui.core.project import load_project
from dtwin_gui.core.providers import SLOTS, Cloud, Slot
from dtwin_gui.core.resource_names import ResourceKind as Kind
from dtwin_gui.core.topology import TopologyError, compute_topology, topology_for_project

ALL_AWS = {s: Cloud.AWS for s in SLOTS}


def mixed(**changes):
    providers = dict(ALL_AWS)
    for key, cloud in changes.items():
        providers[Slot(key)] = Cloud(cloud)
    return providers


def test_single_cloud_has_no_boundaries_and_no_glue(project):
    topology = topology_for_project(load_project(project))
    assert topology.boundaries == []
    assert topology.glue_on(Cloud.AWS) == []
    names = [f.name for f in topology.functions_on(Cloud.AWS)]
    assert names[0] == "dispatcher"
    assert {
        "processor-temperature-sensor-1",
        "processor-temperature-sensor-2",
        "processor-pressure-sensor-1",
        "persister",
        "event-checker",
        "action-high-temperature-alert",
        "event-feedback",
        "hot-reader",
        "hot-to-cold-mover",
        "cold-to-archive-mover",
    } <= set(names)


def test_hot_storage_elsewhere_adds_writer_and_reader_hops():
    topology = compute_topology(mixed(L3_hot="azure"), twin_name="plant")
    hops = {(b.spec.source, b.spec.target): b for b in topology.boundaries}
    assert set(hops) == {
        (Slot.L2, Slot.L3_HOT),
        (Slot.L3_HOT, Slot.L3_COLD),
        (Slot.L4, Slot.L3_HOT),
        (Slot.L5, Slot.L3_HOT),
    }
    writer = hops[(Slot.L2, Slot.L3_HOT)]
    assert (writer.source_cloud, writer.target_cloud) == (Cloud.AWS, Cloud.AZURE)
    assert (writer.spec.sender, writer.spec.receiver) == ("persister", "hot-writer")
    azure = [f.name for f in topology.functions_on(Cloud.AZURE)]
    assert {"hot-writer", "hot-reader", "hot-to-cold-mover"} <= set(azure)
    aws_glue = [f.name for f in topology.glue_on(Cloud.AWS)]
    # One proxy serves both L4 and L5 on AWS.
    assert aws_glue.count("hot-reader-proxy") == 1
    assert "cold-writer" in aws_glue


def test_twin_update_hop_only_for_azure_digital_twins():
    assert compute_topology(mixed(L4="azure")).boundary("l2-l4-twin-update") is not None
    assert compute_topology(mixed(L2="azure", L4="azure")).boundary("l2-l4-twin-update") is None
    assert compute_topology(mixed(L2="azure")).boundary("l2-l4-twin-update") is None
    azure = compute_topology(mixed(L2="azure", L4="azure")).functions_on(Cloud.AZURE)
    assert "adt-updater" in [f.name for f in azure]


def test_ingestion_hop_puts_connector_and_receiver_on_each_side():
    topology = compute_topology(mixed(L1="google"), device_ids=["d1"])
    boundary = topology.boundary("l1-l2-ingestion")
    assert boundary.to_json() == {
        "name": "l1-l2-ingestion",
        "from": "L1",
        "to": "L2",
        "kind": "telemetry",
        "source_cloud": "google",
        "target_cloud": "aws",
        "sender": "connector",
        "receiver": "ingestion",
    }
    assert [f.name for f in topology.functions_on(Cloud.GOOGLE)] == ["dispatcher", "connector"]
    assert "ingestion" in [f.name for f in topology.glue_on(Cloud.AWS)]


def test_features_decide_event_functions():
    plain = compute_topology(ALL_AWS, action_names=["a"])
    assert "event-checker" not in [f.name for f in plain.functions]
    checked = compute_topology(
        ALL_AWS,
        action_names=["a"],
        features={"use_event_checking": True, "return_feedback_to_device": True},
    )
    assert {"event-checker", "action-a", "event-feedback"} <= {f.name for f in checked.functions}


@pytest.mark.parametrize("slot", [Slot.L4, Slot.L5])
def test_google_cannot_host_twin_model_or_dashboards(slot):
    with pytest.raises(TopologyError, match="Google Cloud has no managed"):
        compute_topology({**ALL_AWS, slot: Cloud.GOOGLE})


def test_missing_slot_is_named():
    providers = dict(ALL_AWS)
    providers[Slot.L3_COLD] = None
    with pytest.raises(TopologyError, match="L3_cold"):
        compute_topology(providers)


def test_json_shape_matches_cli_contract():
    data = compute_topology(mixed(L2="azure"), twin_name="plant").to_json()
    assert list(data["providers"]) == ["L1", "L2", "L3_hot", "L3_cold", "L3_archive", "L4", "L5"]
    assert set(data["functions"]) == {"aws", "azure"}
    for boundary in data["boundaries"]:
        assert {"from", "to", "source_cloud", "target_cloud", "sender", "receiver"} <= set(boundary)


def test_resource_names_follow_the_twin_name():
    topology = compute_topology(mixed(L3_cold="azure", L1="google"), twin_name="plant")
    assert topology.name_of(keys.HOT_TABLE, Cloud.AWS) == "plant-hot"
    assert topology.name_of(keys.STORAGE_ACCOUNT, Cloud.AZURE).startswith("plant")
    assert topology.name_of(keys.TELEMETRY_TOPIC, Cloud.GOOGLE) == "plant-telemetry"
    assert topology.resource(keys.COLD_BUCKET, Cloud.AWS) is None  # cold is on Azure
    with pytest.raises(KeyError, match="no cold bucket on aws"):
        topology.name_of(keys.COLD_BUCKET, Cloud.AWS)


def test_every_resource_has_one_key_and_the_cli_json_names_it():
    topology = compute_topology(
        dict(ALL_AWS),
        twin_name="plant",
        device_ids=["pump-1"],
        features={"use_event_checking": True, "trigger_notification_workflow": True},
    )
    found = [(r.cloud, r.key) for r in topology.resource_names]
    assert len(found) == len(set(found))
    # The names the Terraform root used to make up on its own are the topology's now.
    assert topology.name_of(Kind.IOT_THING.of("pump-1")) == "plant-pump-1"
    assert topology.name_of(Kind.SCHEDULE_ROLE.of("cold")) == "plant-cold-schedule"
    assert topology.name_of(keys.FUNCTIONS_BUCKET) == "plant-functions-x0x0x0"
    assert topology.name_of(keys.WORKFLOW) == "plant-workflow"
    assert topology.name_of(keys.function_role_key("persister")) == "plant-persister"
    entry = next(
        e for e in topology.to_json()["resource_names"] if e["key"] == "function_role:persister"
    )
    assert entry["purpose"] == "role of persister" and entry["name"] == "plant-persister"
    # The workflow exists only with its feature.
    plain = compute_topology(dict(ALL_AWS), twin_name="plant", features={})
    assert plain.resource(keys.WORKFLOW) is None


def test_a_key_of_a_kind_with_many_needs_its_subject():
    with pytest.raises(ValueError):
        Kind.FUNCTION_ROLE.of()
    with pytest.raises(ValueError):
        Kind.HOT_TABLE.of("x")


# --- L4/L5 "none": the twin leaves the twin model / the dashboards out ----------------------


def test_left_out_twin_model_and_dashboards_have_no_boundaries_functions_or_names():
    from dtwin_gui.core.providers import NO_CLOUD

    choice = {**mixed(L3_hot="azure"), Slot.L4: NO_CLOUD, Slot.L5: NO_CLOUD}
    t = compute_topology(choice, twin_name="plant", device_ids=["d1"])
    assert t.left_out == [Slot.L4, Slot.L5]
    assert not t.has(Slot.L4) and t.cloud_of(Slot.L5) is None
    assert Slot.L4 not in t.slots and Slot.L4 not in t.slots_on(Cloud.AWS)
    assert [b.name for b in t.boundaries] == ["l2-l3hot-writer", "l3hot-l3cold-writer"]
    assert "hot-reader-proxy" not in {f.name for f in t.functions}
    assert {r.slot for r in t.resource_names}.isdisjoint({Slot.L4, Slot.L5})
    assert t.to_json()["providers"]["L4"] == "none"
    # Every other name is the same as with L4/L5 on a cloud.
    full = compute_topology(mixed(L3_hot="azure"), twin_name="plant", device_ids=["d1"])
    kept = {(r.key, r.name) for r in full.resource_names if r.slot not in (Slot.L4, Slot.L5)}
    assert kept - {(r.key, r.name) for r in t.resource_names} <= {
        (r.key, r.name) for r in full.resource_names if "proxy" in r.name
    }


def test_absent_optional_slot_is_left_out_but_none_is_not_chosen():
    without = {s: c for s, c in ALL_AWS.items() if s is not Slot.L5}
    assert compute_topology(without).left_out == [Slot.L5]
    with pytest.raises(TopologyError, match="no cloud chosen for L5"):
        compute_topology({**ALL_AWS, Slot.L5: None})


@pytest.mark.parametrize("slot", [Slot.L1, Slot.L3_COLD])
def test_required_layers_cannot_be_left_out(slot):
    from dtwin_gui.core.providers import NO_CLOUD

    with pytest.raises(TopologyError, match=f"no cloud chosen for {slot}"):
        compute_topology({**ALL_AWS, slot: NO_CLOUD})


def test_only_dashboards_reach_hot_storage_across_clouds_through_their_own_proxy():
    t = compute_topology(
        {s: c for s, c in mixed(L3_hot="azure").items() if s is not Slot.L4}, twin_name="x"
    )
    (proxy,) = [f for f in t.functions if f.name == "hot-reader-proxy"]
    assert (proxy.cloud, proxy.slot) == (Cloud.AWS, Slot.L5)
    assert [b.name for b in t.boundaries if "reader" in b.name] == ["l5-l3hot-reader"]
