"""Google's part of the generated root for real Google Cloud (connections mode "cloud"): an
all-Google twin (L1-L3 on Google, L4/L5 left out) and the hybrid of the issue (L1-L2 on
Google, L3-L5 on AWS) whose boundary is wired module to module. Golden files as in
tests/iac/test_azure_root.py (rerun with UPDATE_GOLDEN_ROOTS=1 after a meant change)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers import edit_json
from iac.test_azure_root import GOLDEN, UPDATE_ENV, _normalize

from dtwin_gui.build import build_packages
from dtwin_gui.clouds.aws.connection import AwsConnection
from dtwin_gui.clouds.base import CLOUD, Connections
from dtwin_gui.clouds.google.connection import GoogleConnection
from dtwin_gui.core.providers import Cloud
from dtwin_gui.iac.root import generate_root, glue_variable

GOOGLE = GoogleConnection("google", project="my-proj", region="europe-west1")
AWS = AwsConnection("aws", "eu-west-1")
L1_TO_L3 = ("layer_1", "layer_2", "layer_3_hot", "layer_3_cold", "layer_3_archive")
ALL_GOOGLE = {
    **{f"{s}_provider": "google" for s in L1_TO_L3},
    "layer_4_provider": "none",
    "layer_5_provider": "none",
}
HYBRID = {
    "layer_1_provider": "google",
    "layer_2_provider": "google",
    **{f"{s}_provider": "aws" for s in L1_TO_L3[2:]},
    "layer_4_provider": "aws",
    "layer_5_provider": "aws",
}
CASES = {
    "all_google_real": (ALL_GOOGLE, {Cloud.GOOGLE: GOOGLE}),
    "l1_l2_google_rest_aws_real": (HYBRID, {Cloud.AWS: AWS, Cloud.GOOGLE: GOOGLE}),
}


def _root(project: Path, tmp_path: Path, case: str):
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
def test_the_google_root_is_the_golden_one(case, project, tmp_path):
    _, got = _root(project, tmp_path, case)
    golden = GOLDEN / f"{case}.json"
    if os.environ.get(UPDATE_ENV):
        golden.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    assert got == json.loads(golden.read_text(encoding="utf-8")), (
        f"the generated root changed; if that is meant, rerun with {UPDATE_ENV}=1"
    )


def test_an_all_google_root_has_every_layer_it_hosts_and_no_glue(project, tmp_path):
    info, doc = _root(project, tmp_path, "all_google_real")
    assert info.clouds == ("google",)
    assert set(doc["module"]) == {
        "google_setup",
        "google_l1",
        "google_l2",
        "google_l3_hot",
        "google_l3_cold",
        "google_l3_archive",
    }
    assert doc["terraform"]["required_providers"]["google"]["version"] == "~> 6.0"
    assert doc["provider"]["google"] == {"project": "my-proj", "region": "europe-west1"}
    assert "variable" not in doc  # nothing crosses: no secret comes in
    l2 = doc["module"]["google_l2"]
    assert l2["package"] == "<build>/google/factory-twin-l2-functions.zip"
    assert l2["common"]["service_account_email"] == (
        '${module.google_setup.service_account_emails["L2"]}'
    )
    hot = doc["module"]["google_l3_hot"]
    assert hot.get("public_reader") is None  # no reader on another cloud: IAM only


def test_google_sends_to_aws_inside_one_root(project, tmp_path):
    info, doc = _root(project, tmp_path, "l1_l2_google_rest_aws_real")
    assert info.clouds == ("aws", "google")
    assert info.wired == ("l2-l3hot-writer",)
    l2 = doc["module"]["google_l2"]
    assert l2["hot_writer_url"] == "${module.aws_l3_hot.hot_writer_url}"
    assert glue_variable("l2-l3hot-writer", "url") not in doc["variable"]
    secret = glue_variable("l2-l3hot-writer", "secret")
    assert doc["variable"][secret]["sensitive"] is True
    assert l2["hot_writer_secret"] == "${var." + secret + "}"
    assert "google_l3_hot" not in doc["module"]
