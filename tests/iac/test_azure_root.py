"""Azure's part of the generated root for real Azure (connections mode "cloud"): an all-Azure
root and an AWS + Azure root whose boundaries are wired module to module. Golden files as in
tests/iac/test_root_assembly.py (rerun with UPDATE_GOLDEN_ROOTS=1 after a meant change)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from helpers import edit_json

from dtwin_gui.build import build_packages
from dtwin_gui.clouds.aws.connection import AwsConnection
from dtwin_gui.clouds.azure.connection import AzureConnection
from dtwin_gui.clouds.base import CLOUD, Connections
from dtwin_gui.core.providers import Cloud
from dtwin_gui.iac.root import RootError, generate_root, glue_variable, terraform_dir

GOLDEN = Path(__file__).parent / "golden"
UPDATE_ENV = "UPDATE_GOLDEN_ROOTS"


def _normalize(value, build: Path):
    """Paths and package hashes vary with the machine and the runtime code; the rest not."""
    if isinstance(value, dict):
        return {
            k: "<hash>" if k in ("hash", "package_hash") else _normalize(v, build)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_normalize(v, build) for v in value]
    if isinstance(value, str):
        return value.replace(str(build), "<build>").replace(str(terraform_dir()), "<terraform>")
    return value


AZURE = AzureConnection("azure", subscription_id="00000000-0000-0000-0000-000000000001")
AWS = AwsConnection("aws", "eu-west-1")
ALL_AZURE = {
    "layer_1_provider": "azure",
    "layer_2_provider": "azure",
    "layer_3_hot_provider": "azure",
    "layer_3_cold_provider": "azure",
    "layer_3_archive_provider": "azure",
    "layer_4_provider": "azure",
    "layer_5_provider": "azure",
}
# L1 on AWS, L2-L5 on Azure: the ingestion boundary crosses AWS -> Azure.
CASES = {
    "all_azure_real": (ALL_AZURE, {Cloud.AZURE: AZURE}),
    "l1_aws_rest_azure_real": (
        {**ALL_AZURE, "layer_1_provider": "aws"},
        {Cloud.AWS: AWS, Cloud.AZURE: AZURE},
    ),
}


def _root(project, tmp_path, case):
    providers, connections = CASES[case]
    edit_json(project / "config_providers.json", lambda d: d.update(providers))
    build = tmp_path / "build"
    builds = build_packages(project, build)
    info = generate_root(
        project,
        connections=Connections(CLOUD, connections),
        builds=builds,
        out_dir=tmp_path / "tf",
        account_id="111122223333",
    )
    return info, _normalize(json.loads(info.path.read_text(encoding="utf-8")), build.resolve())


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_azure_root_is_the_golden_one(case, project, tmp_path):
    _, got = _root(project, tmp_path, case)
    golden = GOLDEN / f"{case}.json"
    if os.environ.get(UPDATE_ENV):
        golden.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    assert got == json.loads(golden.read_text(encoding="utf-8")), (
        f"the generated root changed; if that is meant, rerun with {UPDATE_ENV}=1"
    )


def test_an_all_azure_root_has_every_layer_and_no_glue(project, tmp_path):
    info, doc = _root(project, tmp_path, "all_azure_real")
    assert info.clouds == ("azure",)
    assert set(doc["module"]) == {
        "azure_setup",
        "azure_l1",
        "azure_l2",
        "azure_l3_hot",
        "azure_l3_cold",
        "azure_l3_archive",
        "azure_l4",
        "azure_l5",
    }
    assert doc["terraform"]["required_providers"]["azurerm"]["version"] == "~> 4.0"
    assert "variable" not in doc  # nothing crosses: no secret comes in
    l2 = doc["module"]["azure_l2"]
    assert l2["hot_store"] == "hot"
    # L1 calls L2 and grants its feedback the hub; L2 never waits for L1 (no cycle).
    assert not [v for v in json.dumps(l2).split('"') if "module.azure_l1" in v]
    assert doc["module"]["azure_l1"]["l2_app_url"] == "${module.azure_l2.app_url}"
    assert doc["module"]["azure_l1"]["feedback_principal_ids"] == {
        "l2": "${module.azure_l2.principal_id}"
    }
    assert l2["package"].startswith("<build>/azure/")
    hot = doc["module"]["azure_l3_hot"]
    assert hot["data_principal_ids"] == {"l2": "${module.azure_l2.principal_id}"}
    assert hot["hot_ttl_days"] == 60 and hot["hot_days"] == 30
    setup = doc["module"]["azure_setup"]
    assert {r["tier"] for r in setup["lifecycle_rules"]} == {"Cool", "Archive"}


def test_aws_sends_to_azure_inside_one_root(project, tmp_path):
    info, doc = _root(project, tmp_path, "l1_aws_rest_azure_real")
    assert info.clouds == ("aws", "azure")
    assert info.wired == ("l1-l2-ingestion",)
    # The AWS connector's remote is Azure's ingestion receiver, a module output.
    assert doc["module"]["aws_l1"]["remote_url"] == "${module.azure_l2.ingestion_url}"
    assert glue_variable("l1-l2-ingestion", "url") not in doc["variable"]
    secret = glue_variable("l1-l2-ingestion", "secret")
    assert doc["variable"][secret]["sensitive"] is True
    assert doc["module"]["azure_l2"]["ingestion_secret"] == "${var." + secret + "}"
    assert "azure_l1" not in doc["module"]


def test_azure_without_a_subscription_is_refused(project, tmp_path):
    edit_json(project / "config_providers.json", lambda d: d.update(ALL_AZURE))
    builds = build_packages(project, tmp_path / "build")
    bare = AzureConnection("azure")
    with pytest.raises(RootError, match="subscription"):
        generate_root(
            project,
            connections=Connections(CLOUD, {Cloud.AZURE: bare}),
            builds=builds,
            out_dir=tmp_path / "tf",
        )


def _declared(folder: Path, kind: str) -> set[str]:
    import hcl2

    names = set()
    for path in folder.glob("*.tf"):
        for block in hcl2.loads(path.read_text(encoding="utf-8")).get(kind, []):
            names.update(k.strip('"') for k in block)
    return names


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_azure_input_and_output_the_root_uses_is_declared(case, project, tmp_path):
    """Without the provider nothing else would notice a misspelt module input or output."""
    _, doc = _root(project, tmp_path, case)
    modules = terraform_dir() / "modules" / "azure"
    text = json.dumps(doc)
    for name, inputs in doc["module"].items():
        if not name.startswith("azure_"):
            continue
        folder = modules / name.removeprefix("azure_")
        assert set(inputs) - {"source"} <= _declared(folder, "variable"), name
    for layer, output in set(re.findall(r"module\.azure_(\w+?)\.(\w+)", text)):
        assert output in _declared(modules / layer, "output"), (layer, output)


def _module_outputs(folder: Path) -> dict[str, bool]:
    """Output name -> whether the module declares it sensitive."""
    import hcl2

    found = {}
    for path in folder.glob("*.tf"):
        for block in hcl2.loads(path.read_text(encoding="utf-8")).get("output", []):
            for name, body in block.items():
                found[name.strip('"')] = bool(body.get("sensitive"))
    return found


def _secret_outputs(doc) -> set[str]:
    """Root outputs whose value reads a module output the module declares sensitive (which
    Terraform refuses unless the root output is sensitive too)."""
    modules = terraform_dir() / "modules" / "azure"
    out = set()
    for name, body in doc["output"].items():
        for layer, output in re.findall(r"module\.azure_(\w+?)\.(\w+)", json.dumps(body)):
            if _module_outputs(modules / layer).get(output):
                out.add(name)
    return out


def _marked_sensitive(doc) -> set[str]:
    return {name for name, body in doc["output"].items() if body.get("sensitive") is True}


# The hot reader proxy: in L4's app when L4 is on Azure (it serves L5 too), else in L5's.
PROXY_CASES = {
    "l4": ({**ALL_AZURE, "layer_3_hot_provider": "aws"}, "azure_l4"),
    "l5": ({**ALL_AZURE, "layer_3_hot_provider": "aws", "layer_4_provider": "aws"}, "azure_l5"),
}


def test_the_sdk_reads_the_hot_readers_key_from_the_root(project, tmp_path):
    from dtwin_gui.clouds.azure.sdk import context

    _, doc = _root(project, tmp_path, "all_azure_real")
    outputs = doc["output"]
    assert outputs[context.OUT_HOT_READER_URL]["value"] == "${module.azure_l3_hot.hot_reader_url}"
    assert outputs[context.OUT_HOT_READER_KEY]["value"] == "${module.azure_l3_hot.functions_key}"
    # L3 hot is on Azure: Grafana reads it directly, there is no proxy.
    assert context.OUT_HOT_READER_PROXY_URL not in outputs
    assert _secret_outputs(doc) == {context.OUT_HOT_READER_KEY} == _marked_sensitive(doc)


@pytest.mark.parametrize("where", sorted(PROXY_CASES))
def test_grafana_on_azure_reads_the_proxy_from_the_root(where, project, tmp_path):
    from dtwin_gui.clouds.azure.sdk import context

    providers, module = PROXY_CASES[where]
    edit_json(project / "config_providers.json", lambda d: d.update(providers))
    info = generate_root(
        project,
        connections=Connections(CLOUD, {Cloud.AWS: AWS, Cloud.AZURE: AZURE}),
        builds=build_packages(project, tmp_path / "build"),
        out_dir=tmp_path / "tf",
        account_id="111122223333",
    )
    doc = json.loads(info.path.read_text(encoding="utf-8"))
    outputs = doc["output"]
    url = outputs[context.OUT_HOT_READER_PROXY_URL]["value"]
    assert url == "${module." + module + ".hot_reader_proxy_url}"
    key = outputs[context.OUT_HOT_READER_PROXY_KEY]["value"]
    assert key == "${module." + module + ".functions_key}"
    assert context.OUT_HOT_READER_KEY not in outputs  # L3 hot is on AWS
    assert _secret_outputs(doc) == {context.OUT_HOT_READER_PROXY_KEY} == _marked_sensitive(doc)
    for layer, output in re.findall(r"module\.azure_(\w+?)\.(\w+)", json.dumps(outputs)):
        assert output in _module_outputs(terraform_dir() / "modules" / "azure" / layer)
