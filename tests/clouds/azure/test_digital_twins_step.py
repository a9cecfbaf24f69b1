"""SDK step azure.digital_twins against the emulated Azure Digital Twins (H4)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from azure.core.credentials import AccessToken

from dtwin_gui.clouds.azure.sandbox.digital_twins import DigitalTwinsEmulation
from dtwin_gui.clouds.azure.sdk.digital_twins import DigitalTwinsStep, model_order
from tests.sandbox.azure.test_iothub import serve_https

TEMPLATE = Path(__file__).parents[3] / "upload" / "template"


class _Token:
    def get_token(self, *scopes, **kwargs):
        return AccessToken("sandbox-token", int(time.time()) + 3600)


@pytest.fixture
def ctx(tmp_path, monkeypatch):
    from azure.digitaltwins.core import DigitalTwinsClient

    emulation = DigitalTwinsEmulation("adt-twin")
    hierarchy = json.loads((TEMPLATE / "twin_hierarchy" / "azure_hierarchy.json").read_text())
    with serve_https(emulation.handle, tmp_path, monkeypatch) as host:
        yield SimpleNamespace(
            hierarchy=hierarchy, adt=DigitalTwinsClient(emulation.endpoint(host), _Token())
        )


def test_models_come_after_the_models_they_target():
    ids = [
        m["@id"]
        for m in model_order(
            json.loads((TEMPLATE / "twin_hierarchy" / "azure_hierarchy.json").read_text())["models"]
        )
    ]
    assert ids.index("dtmi:dtwin:factory:Sensor;1") < ids.index("dtmi:dtwin:factory:Machine;1")
    assert ids.index("dtmi:dtwin:factory:Hall;1") < ids.index("dtmi:dtwin:factory:Factory;1")


def test_the_template_graph_is_made_idempotently_and_destroyed(ctx):
    step = DigitalTwinsStep()
    saved = step.ensure(ctx, {})
    twins = [t["$dtId"] for t in ctx.hierarchy["twins"]]
    assert saved["twins"] == twins
    count = list(ctx.adt.query_twins("SELECT COUNT() FROM digitaltwins"))
    assert count[0]["COUNT"] == len(twins)
    rel = ctx.hierarchy["relationships"][0]
    got = ctx.adt.get_relationship(rel["$dtId"], rel["$relationshipId"])
    assert got["$targetId"] == rel["$targetId"]
    assert step.ensure(ctx, saved) == saved
    assert {p.state for p in step.probe(ctx, saved)} == {"present"}
    assert step.destroy(ctx, saved) == []
    assert {p.state for p in step.probe(ctx, saved)} == {"missing"}
    assert list(ctx.adt.list_models()) == []
