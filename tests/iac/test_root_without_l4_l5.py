"""L4/L5 "none": the generated roots have no twin model or dashboards module, no reader proxy
for them and no TwinMaker / Digital Twins / Grafana outputs; the other layers are unchanged."""

from __future__ import annotations

import json

import pytest
from helpers import edit_json

from dtwin_gui.build import build_packages
from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.clouds.azure.connection import AzureConnection
from dtwin_gui.clouds.base import CLOUD, Connections
from dtwin_gui.core.providers import Cloud
from dtwin_gui.iac.root import generate_root

LAYERS = (
    "layer_1_provider",
    "layer_2_provider",
    "layer_3_hot_provider",
    "layer_3_cold_provider",
    "layer_3_archive_provider",
)
AZURE = AzureConnection("azure", subscription_id="00000000-0000-0000-0000-000000000001")


def _providers(project, cloud: str, l4: str = "none", l5: str = "none") -> None:
    choice = dict.fromkeys(LAYERS, cloud) | {"layer_4_provider": l4, "layer_5_provider": l5}
    edit_json(project / "config_providers.json", lambda d: d.update(choice))


def _aws_root(project, tmp_path, name="tf"):
    builds = build_packages(project, tmp_path / f"build-{name}", cloud="aws")
    info = generate_root(
        project,
        target=sandbox_target("http://127.0.0.1:9"),
        builds=builds,
        out_dir=tmp_path / name,
    )
    return json.loads(info.path.read_text(encoding="utf-8"))


def test_an_aws_twin_without_l4_l5_has_no_twinmaker_or_grafana(project, tmp_path):
    full = _aws_root(project, tmp_path, "full")
    _providers(project, "aws")
    doc = _aws_root(project, tmp_path)
    assert set(doc["module"]) == {
        "aws_setup",
        "aws_l1",
        "aws_l2",
        "aws_l3_hot",
        "aws_l3_cold",
        "aws_l3_archive",
    }
    text = json.dumps({"module": doc["module"], "output": doc.get("output", {})})
    assert "twinmaker" not in text.lower() and "grafana" not in text.lower()
    assert "hot_reader_proxy" not in text
    # The layers that stay are the same modules with the same names.
    for module in ("aws_l1", "aws_l2", "aws_l3_hot", "aws_l3_cold", "aws_l3_archive"):
        assert doc["module"][module]["source"] == full["module"][module]["source"]
        for key in ("table_name", "bucket_name", "rule_name"):
            assert doc["module"][module].get(key) == full["module"][module].get(key)


def test_dashboards_without_a_twin_model_read_hot_storage_directly(project, tmp_path):
    _providers(project, "aws", l5="aws")
    doc = _aws_root(project, tmp_path)
    assert "aws_l4" not in doc["module"]
    l5 = doc["module"]["aws_l5"]
    assert "hot_reader_arn" in l5 and "hot_reader_proxy" not in l5


@pytest.mark.parametrize(("l4", "l5"), [("none", "none"), ("azure", "none"), ("none", "azure")])
def test_a_real_azure_root_leaves_the_layers_out(project, tmp_path, l4, l5):
    _providers(project, "azure", l4, l5)
    info = generate_root(
        project,
        connections=Connections(CLOUD, {Cloud.AZURE: AZURE}),
        builds=build_packages(project, tmp_path / "build"),
        out_dir=tmp_path / "tf",
        account_id="111122223333",
    )
    doc = json.loads(info.path.read_text(encoding="utf-8"))
    assert ("azure_l4" in doc["module"]) == (l4 == "azure")
    assert ("azure_l5" in doc["module"]) == (l5 == "azure")
    outputs = json.dumps(doc.get("output", {}))
    assert ("digital_twins" in outputs) == (l4 == "azure")
    assert ("grafana" in outputs) == (l5 == "azure")
