"""The neutral root assembler: AWS's fragment gives the same root as before the split, the
fragments of several clouds share one root whose boundaries are wired module to module, and a
cloud in the root without Terraform is refused by name."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields
from pathlib import Path

import pytest
from helpers import edit_json

from dtwin_gui.build import build_packages
from dtwin_gui.clouds import base
from dtwin_gui.clouds.aws.connection import AwsConnection, sandbox_target
from dtwin_gui.clouds.base import SANDBOX as SANDBOX_MODE
from dtwin_gui.clouds.base import CloudPlugin, Connections, SandboxPath
from dtwin_gui.core.providers import Cloud
from dtwin_gui.iac.root import RootError, generate_root, glue_variable, terraform_dir
from dtwin_gui.iac.root_fragment import RootContext, RootFragment
from dtwin_gui.iac.root_parts import Ref, RootVariable

GOLDEN = Path(__file__).parent / "golden"
#: Set to rewrite the golden roots after a change to the root that is meant (not a ``DTWIN_*``
#: name: the test session clears those before any test runs).
UPDATE_ENV = "UPDATE_GOLDEN_ROOTS"
SANDBOX = sandbox_target("http://127.0.0.1:9")

CASES = {
    "all_aws_sandbox": ({}, SANDBOX, None),
    "all_aws_real": ({}, AwsConnection("aws", "eu-west-1"), "111122223333"),
    "l2_azure_sandbox": ({"layer_2_provider": "azure"}, SANDBOX, None),
    "cold_google_l2_google_real": (
        {"layer_2_provider": "google", "layer_3_cold_provider": "google"},
        AwsConnection("aws", "eu-west-1"),
        "111122223333",
    ),
}


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


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_root_is_the_one_generated_before_the_cloud_split(case, project, tmp_path):
    """Golden roots written by the AWS-only generator (before iac/ became neutral): the
    example project, all on AWS (sandbox and real account) and mixed with Azure/Google.
    Regenerated once on purpose since: the layers' five common inputs became one ``common``
    object (issue 13), same values."""
    slots, target, account = CASES[case]
    edit_json(project / "config_providers.json", lambda data: data.update(slots))
    build = tmp_path / "build"
    builds = build_packages(project, build, cloud="aws")
    info = generate_root(
        project, connections=target, builds=builds, out_dir=tmp_path / "tf", account_id=account
    )
    got = _normalize(json.loads(info.path.read_text(encoding="utf-8")), build.resolve())
    golden = GOLDEN / f"{case}.json"
    if os.environ.get(UPDATE_ENV):
        golden.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    assert got == json.loads(golden.read_text(encoding="utf-8")), (
        f"the generated root changed; if that is meant, rerun with {UPDATE_ENV}=1"
    )
    assert info.clouds == ("aws",) and info.wired == ()


# --- a second cloud in the root ---------------------------------------------------------


@dataclass(frozen=True)
class FakeGoogleConnection:
    cloud: Cloud = Cloud.GOOGLE
    is_sandbox: bool = True

    def process_env(self) -> dict[str, str]:
        return {}

    def describe(self) -> str:
        return "Google Cloud (fake)"


COLD_URL = "module.google_l3_cold.cold_writer_url"


def fake_google_fragment(ctx: RootContext) -> RootFragment:
    """What a Google plugin would give for L3 cold: a receiver for the hot-to-cold mover and
    a sender to the archive on AWS."""
    archive = "l3cold-l3archive-writer"
    url, secret = glue_variable(archive, "url"), glue_variable(archive, "secret")
    return RootFragment(
        cloud=Cloud.GOOGLE,
        required_providers={"google": {"source": "hashicorp/google", "version": "6.0.0"}},
        providers={"google": {"project": "demo"}},
        modules={
            "google_l3_cold": {
                "source": "./google/l3_cold",
                "archive_writer_url": Ref(f"var.{url}"),
                "archive_writer_secret": Ref(f"var.{secret}"),
            }
        },
        variables={
            url: RootVariable(url, (archive,), "url", True, "URL"),
            secret: RootVariable(secret, (archive,), "secret", True, "HMAC secret"),
        },
        outputs={"google_cold_bucket": Ref("module.google_l3_cold.bucket")},
        receiver_urls={"l3hot-l3cold-writer": Ref(COLD_URL)},
        unique_suffix="abcdef",
    )


def _google_plugin(monkeypatch, **changes) -> None:
    real = base.plugin(Cloud.GOOGLE)
    values = {f.name: getattr(real, f.name) for f in fields(real)}
    values.update(sandbox_path=SandboxPath.TERRAFORM, **changes)
    fragment = values.pop("fragment", None)

    class Plugin(CloudPlugin):
        def part(self, name):
            return fragment if name == "terraform_fragment" else None

    monkeypatch.setitem(base._registry, Cloud.GOOGLE, Plugin(**values))


def _cold_on_google(project, tmp_path, connections):
    edit_json(project / "config_providers.json", lambda d: d.update(layer_3_cold_provider="google"))
    builds = build_packages(project, tmp_path / "build", cloud="aws")
    info = generate_root(project, connections=connections, builds=builds, out_dir=tmp_path / "tf")
    return info, json.loads(info.path.read_text(encoding="utf-8"))


def test_two_clouds_share_one_root_and_urls_flow_module_to_module(monkeypatch, project, tmp_path):
    _google_plugin(monkeypatch, fragment=fake_google_fragment)
    both = Connections(SANDBOX_MODE, {Cloud.AWS: SANDBOX, Cloud.GOOGLE: FakeGoogleConnection()})
    info, doc = _cold_on_google(project, tmp_path, both)
    assert info.clouds == ("aws", "google")
    assert set(doc["terraform"]["required_providers"]) == {"aws", "google"}
    assert set(doc["provider"]) == {"aws", "google"}
    assert "google_l3_cold" in doc["module"] and "aws_l3_hot" in doc["module"]
    # AWS's mover sends to Google's receiver; Google's mover to AWS's archive receiver.
    assert doc["module"]["aws_l3_hot"]["cold_writer_url"] == "${" + COLD_URL + "}"
    assert (
        doc["module"]["google_l3_cold"]["archive_writer_url"]
        == "${module.aws_l3_archive.archive_writer_url}"
    )
    assert sorted(info.wired) == ["l3cold-l3archive-writer", "l3hot-l3cold-writer"]
    # No URL comes in from outside any more; the secrets still do (environment only).
    assert not [v for v in info.variables if v.kind == "url"]
    assert {v.name for v in info.variables if v.kind == "secret"} == {
        "glue_l3hot_l3cold_writer_secret",
        "glue_l3cold_l3archive_writer_secret",
    }
    assert "google_cold_bucket" in info.outputs


def test_a_cloud_outside_the_root_sends_its_url_through_a_variable(monkeypatch, project, tmp_path):
    """Without a Google connection (or where the sandbox provisions Google on emulators),
    the receiver URL on Google is a root variable, as before the split."""
    _google_plugin(monkeypatch, fragment=fake_google_fragment)
    info, doc = _cold_on_google(project, tmp_path, SANDBOX)
    assert info.clouds == ("aws",) and info.wired == ()
    url = glue_variable("l3hot-l3cold-writer", "url")
    assert doc["module"]["aws_l3_hot"]["cold_writer_url"] == "${var." + url + "}"
    assert url in doc["variable"] and doc["variable"][url]["sensitive"] is True


def test_a_cloud_in_the_root_without_terraform_is_refused_by_name(monkeypatch, project, tmp_path):
    _google_plugin(monkeypatch)  # no terraform_fragment part
    both = Connections(SANDBOX_MODE, {Cloud.AWS: SANDBOX, Cloud.GOOGLE: FakeGoogleConnection()})
    with pytest.raises(RootError, match=r"Google Cloud cannot be deployed by this version"):
        _cold_on_google(project, tmp_path, both)
    assert not (tmp_path / "tf" / "main.tf.json").exists()


def test_the_emulated_cloud_path_keeps_its_part_out_of_the_root(monkeypatch, project, tmp_path):
    # Google as shipped: provisioned on emulators in the sandbox, so even connected it adds
    # nothing to the root and its receiver URL comes in as a variable.
    assert base.plugin(Cloud.GOOGLE).sandbox_path is SandboxPath.PROVISIONED
    both = Connections(SANDBOX_MODE, {Cloud.AWS: SANDBOX, Cloud.GOOGLE: FakeGoogleConnection()})
    info, _ = _cold_on_google(project, tmp_path, both)
    assert info.clouds == ("aws",)
    assert glue_variable("l3hot-l3cold-writer", "url") in {v.name for v in info.variables}
