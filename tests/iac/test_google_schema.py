"""The Google modules against the google provider's input schema, without the provider.

The google provider cannot be installed on these machines, so ``terraform validate`` cannot
run. Every module under terraform/modules/google is parsed and each resource is checked
against the project's trimmed copy of the google 6.50 input schema (tests/iac/schemas/, made
by scripts/trim_provider_schema.py from ../shared/provider-schemas/google-6.50.0.inputs.json.gz):
the type exists, every argument and nested block is one the provider knows, every required
one is set. ``terraform fmt -check`` keeps the modules formatted.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import hcl2
import pytest
from iac.test_azure_schema import PARSER_KEYS, module_problems

from dtwin_gui.iac.root import terraform_dir

GOOGLE = terraform_dir() / "modules" / "google"
SCHEMA_FILE = Path(__file__).parent / "schemas" / "google-6.50.0.inputs.trimmed.json"
MODULE_DIRS = sorted(p for p in GOOGLE.iterdir() if p.is_dir())


def _is_struct(type_: str) -> bool:
    """A nested block's type is a struct name (``FirestoreFieldTtlConfig``)."""
    return type_.rsplit("<", 1)[-1][:1].isupper()


def _schema() -> dict:
    """The trimmed schema; a block that has only computed attributes (``ttl_config {}`` of
    google_firestore_field) gets a placeholder child so the check knows it is a block."""
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    for section in ("resources", "data_sources"):
        for spec in schema[section].values():
            for key, value in list(spec.items()):
                has_children = any(k.startswith(key + ".") for k in spec)
                if _is_struct(value["type"]) and not has_children:
                    spec[f"{key}.__computed_only__"] = {"required": False, "type": "string"}
    return schema


def test_every_layer_google_hosts_and_the_shared_parts_are_there():
    names = {p.name for p in MODULE_DIRS}
    assert names == {
        "_function",
        "_scheduler",
        "setup",
        "l1",
        "l2",
        "l3_hot",
        "l3_cold",
        "l3_archive",
    }


@pytest.mark.parametrize("folder", MODULE_DIRS, ids=lambda p: p.name)
def test_every_resource_matches_the_google_schema(folder):
    assert module_problems(folder, _schema()) == []


def test_the_modules_use_the_real_google_resources():
    types = set()
    for folder in MODULE_DIRS:
        for path in folder.glob("*.tf"):
            for block in hcl2.loads(path.read_text(encoding="utf-8")).get("resource", []):
                types |= {t.strip('"') for t in block}
    assert types <= set(_schema()["resources"])
    assert {
        "google_project_service",
        "google_service_account",
        "google_project_iam_member",
        "google_storage_bucket",
        "google_storage_bucket_object",
        "google_pubsub_topic",
        "google_pubsub_subscription",
        "google_cloudfunctions2_function",
        "google_cloud_scheduler_job",
        "google_firestore_database",
        "google_firestore_index",
        "google_firestore_field",
        "google_workflows_workflow",
    } <= types


def test_the_check_catches_unknown_and_missing(tmp_path):
    (tmp_path / "main.tf").write_text(
        """
resource "google_cloudfunctions2_function" "f" {
  location = "europe-west1"
  build_config {
    runtime    = "python311"
    entrypoint = "x"
  }
}
""",
        encoding="utf-8",
    )
    problems = module_problems(tmp_path, _schema())
    where = f"{tmp_path.name}/main.tf: google_cloudfunctions2_function.f"
    assert f"{where}: required 'name' is not set" in problems
    assert f"{where}.build_config: unknown argument or block 'entrypoint'" in problems


def test_the_modules_only_need_google_6():
    for folder in MODULE_DIRS:
        versions = hcl2.loads((folder / "versions.tf").read_text(encoding="utf-8"))
        (providers,) = versions["terraform"][0]["required_providers"]
        assert providers["google"]["version"].strip('"') == "~> 6.0", folder.name
        assert set(providers) - PARSER_KEYS == {"google"}, folder.name


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not installed")
def test_the_modules_are_terraform_fmt_clean():
    run = subprocess.run(
        ["terraform", "fmt", "-check", "-recursive", "-diff", str(GOOGLE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
