"""The Azure intent: what an Azure twin consists of, from the example project's topology."""

from __future__ import annotations

import json

import pytest
from helpers import edit_json

from dtwin_gui.clouds.azure.intent import (
    Deferred,
    GlueUrl,
    SecretRef,
    azure_intent,
)
from dtwin_gui.core.project import load_project
from dtwin_gui.core.providers import SLOTS, Slot
from dtwin_gui.core.topology import topology_for_project
from dtwin_gui.runtime.core.contracts import AZURE_APP_SETTINGS, contract_for

ALL_AZURE = {
    "layer_1_provider": "azure",
    "layer_2_provider": "azure",
    "layer_3_hot_provider": "azure",
    "layer_3_cold_provider": "azure",
    "layer_3_archive_provider": "azure",
    "layer_4_provider": "azure",
    "layer_5_provider": "azure",
}


def _intent(project, providers, **kwargs):
    edit_json(project / "config_providers.json", lambda d: d.update(providers))
    loaded = load_project(project)
    topology = topology_for_project(loaded)
    return loaded, topology, azure_intent(loaded, topology, **kwargs)


def test_an_all_azure_twin_has_every_resource_named_by_the_topology(project):
    loaded, _, intent = _intent(project, ALL_AZURE, suffix="abc123")
    assert intent.resource_group == "rg-factory-twin"
    assert intent.storage_account == "factorytwinabc123"
    assert [a.layer for a in intent.function_apps] == ["L1", "L2", "L3_hot", "L3_cold", "L4"]
    assert intent.app(Slot.L2).name == "factory-twin-l2-fn-abc123"
    assert intent.cosmos.partition_key == "/device_id"
    assert intent.cosmos.container == "hot" and intent.cosmos.database == "factory-twin"
    # Twice the hot days: the mover, not the store's expiry, takes records to cold.
    assert intent.cosmos.default_ttl_seconds == 2 * 30 * 86400
    assert [(c.name, c.tier, c.move_after_days) for c in intent.blob_containers] == [
        ("factory-twin-cold", "Cool", 90),
        ("factory-twin-archive", "Archive", None),
    ]
    assert intent.iothub.devices == tuple(loaded.device_ids)
    assert intent.iothub.route_to_app == intent.app(Slot.L1).name
    assert intent.grafana.major_version == 11 and intent.grafana.sku == "Standard"
    assert intent.digital_twins.name == "factory-twin-adt"
    assert intent.receiver_urls == {}  # nothing crosses
    assert json.loads(json.dumps(intent.to_json()))["cosmos"]["partition_key"] == "/device_id"


def test_each_app_sets_the_union_of_its_functions_contracts(project):
    _, _, intent = _intent(project, ALL_AZURE)
    for app in intent.function_apps:
        roles = {f.role for f in app.functions}
        declared = {n for r in roles for n in contract_for(r).names()}
        required = {n for r in roles for n in contract_for(r).required()}
        wiring = {k for k in app.app_settings if k.startswith(("DTWIN_APP_URL_", "DTWIN_FUNC"))}
        wiring |= {v.name for v in AZURE_APP_SETTINGS} & set(app.app_settings)
        assert required <= set(app.app_settings), app.layer
        assert set(app.app_settings) - wiring <= declared, app.layer
    l2 = intent.app(Slot.L2)
    assert l2.app_settings["DTWIN_HOT_STORE"] == "hot"
    assert l2.app_settings["DTWIN_PERSISTER_FUNCTION"] == "persister"
    # Services are reached by URL with the app's identity, never a key.
    cosmos = intent.cosmos.account
    assert l2.app_settings["DTWIN_COSMOS_ENDPOINT"] == f"https://{cosmos}.documents.azure.com:443/"
    assert l2.app_settings["DTWIN_COSMOS_DATABASE"] == intent.cosmos.database
    cold = intent.app(Slot.L3_COLD).app_settings
    assert cold["DTWIN_BLOB_ACCOUNT_URL"].endswith(".blob.core.windows.net")
    assert not [k for a in intent.function_apps for k in a.app_settings if k.endswith("_KEY")]
    # The persister calls the event checker in its own app and the ADT updater on L4's.
    assert l2.app_settings["DTWIN_APP_URL_L4"] == (
        f"https://{intent.app(Slot.L4).name}.azurewebsites.net"
    )
    assert l2.app_settings["DTWIN_FUNCTIONS_KEY_L4"] == Deferred("functions_key", "L4")
    assert intent.app(Slot.L4).app_settings["DTWIN_ADT_URL"] == Deferred("adt_url")
    assert intent.app(Slot.L1).app_settings["DTWIN_APP_URL_L2"] == l2.url


def test_triggers_follow_the_roles(project):
    _, _, intent = _intent(project, ALL_AZURE)
    triggers = {f.role: (f.trigger, f.schedule) for a in intent.function_apps for f in a.functions}
    assert triggers["dispatcher"] == ("event_grid", None)
    assert triggers["hot-to-cold-mover"] == ("timer", "0 0 * * * *")
    assert triggers["cold-to-archive-mover"][0] == "timer"
    assert triggers["persister"] == ("http", None)


def test_glue_secrets_are_placeholders_and_receiver_urls_are_given(project):
    """L1 on AWS, the rest on Azure: Azure receives ingestion, signed with the boundary's
    secret, which the intent never holds."""
    providers = {**ALL_AZURE, "layer_1_provider": "aws"}
    _, _, intent = _intent(project, providers)
    l2 = intent.app(Slot.L2)
    assert l2.app_settings["DTWIN_GLUE_SECRET__L1_L2_INGESTION"] == SecretRef("l1-l2-ingestion")
    assert l2.app_settings["DTWIN_GLUE_PREVIOUS_SECRET__L1_L2_INGESTION"] == SecretRef(
        "l1-l2-ingestion", "previous_secret"
    )
    assert intent.receiver_urls == {"l1-l2-ingestion": f"{l2.url}/api/ingestion"}
    assert intent.iothub is None and intent.app(Slot.L1) is None
    text = json.dumps(intent.to_json())
    assert '"$secret": "l1-l2-ingestion"' in text


def test_each_receiver_of_one_app_has_its_boundarys_own_secret(project):
    """L2, L4 and L5 on AWS: the L3 hot app's hot writer and hot reader both receive, and
    one app has one environment, so each boundary's secrets have their own settings."""
    providers = {**ALL_AZURE, **dict.fromkeys(("layer_1_provider", "layer_2_provider"), "aws")}
    providers.update(layer_4_provider="aws", layer_5_provider="aws")
    _, _, intent = _intent(project, providers)
    settings = intent.app(Slot.L3_HOT).app_settings
    secrets = {k: v for k, v in settings.items() if isinstance(v, SecretRef)}
    assert secrets == {
        "DTWIN_GLUE_SECRET__L2_L3HOT_WRITER": SecretRef("l2-l3hot-writer"),
        "DTWIN_GLUE_PREVIOUS_SECRET__L2_L3HOT_WRITER": SecretRef(
            "l2-l3hot-writer", "previous_secret"
        ),
        # Both reader boundaries end at the one hot reader, with one secret between them.
        "DTWIN_GLUE_SECRET__L3HOT_READER": SecretRef("l4-l3hot-reader"),
        "DTWIN_GLUE_PREVIOUS_SECRET__L3HOT_READER": SecretRef("l4-l3hot-reader", "previous_secret"),
    }


def test_the_boundary_settings_follow_the_stored_secret_ids():
    """The setting of a boundary's secret is named for the id deploy stores it under."""
    from dtwin_gui.core.topology import BOUNDARY_SPECS
    from dtwin_gui.deploy.glue_secrets import secret_id
    from dtwin_gui.runtime.core.contracts import azure_boundary_setting

    for spec in BOUNDARY_SPECS:
        tag = secret_id(spec.name).upper().replace("-", "_")
        assert azure_boundary_setting("DTWIN_GLUE_SECRET", spec.name) == (
            f"DTWIN_GLUE_SECRET__{tag}"
        )


@pytest.mark.parametrize("known", [False, True])
def test_a_sender_on_azure_takes_the_remote_url_or_a_placeholder(project, known):
    """L1-L2 on Azure, L3-L5 on AWS: the persister sends to AWS's hot writer."""
    providers = dict.fromkeys(ALL_AZURE, "aws")
    providers.update(layer_1_provider="azure", layer_2_provider="azure")
    url = "https://abc.lambda-url.eu-west-1.on.aws/"
    glue = {"l2-l3hot-writer": url} if known else {}
    _, _, intent = _intent(project, providers, glue=glue)
    settings = intent.app(Slot.L2).app_settings
    assert settings["DTWIN_HOT_WRITER_URL"] == (url if known else GlueUrl("l2-l3hot-writer"))
    assert settings["DTWIN_HOT_WRITER_SECRET"] == SecretRef("l2-l3hot-writer")
    assert "DTWIN_HOT_STORE" not in settings
    assert intent.cosmos is None and intent.blob_containers == ()
    assert [a.layer for a in intent.function_apps] == ["L1", "L2"]


def test_the_sandbox_gives_its_own_app_urls(project):
    _, _, intent = _intent(
        project, {**ALL_AZURE, "layer_1_provider": "aws"}, app_url=lambda a: f"https://gw/{a}"
    )
    l2 = intent.app(Slot.L2)
    assert l2.url == f"https://gw/{l2.name}"
    assert intent.receiver_urls["l1-l2-ingestion"] == f"https://gw/{l2.name}/api/ingestion"


def test_an_aws_only_twin_has_no_azure_part(project):
    with pytest.raises(KeyError):
        _intent(project, dict.fromkeys(ALL_AZURE, "aws"))
    assert len(SLOTS) == len(ALL_AZURE)


def test_an_azure_twin_without_l4_and_l5_has_no_digital_twins_grafana_or_l4_app(project):
    none = {"layer_4_provider": "none", "layer_5_provider": "none"}
    _, topology, intent = _intent(project, {**ALL_AZURE, **none}, suffix="abc123")
    assert topology.left_out == [Slot.L4, Slot.L5]
    assert [a.layer for a in intent.function_apps] == ["L1", "L2", "L3_hot", "L3_cold"]
    assert intent.digital_twins is None and intent.grafana is None
    for app in intent.function_apps:
        assert not [k for k in app.app_settings if k.endswith(("_L4", "_L5"))], app.layer
        assert "adt-updater" not in {f.name for f in app.functions}
    # The layers that stay are named as in a full twin.
    assert intent.app(Slot.L2).name == "factory-twin-l2-fn-abc123"
