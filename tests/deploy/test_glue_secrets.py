"""Glue secrets: one per crossing boundary, kept in the keyring (a 0600 workspace file only
without one), handed out as environment variables, rolled by rotation."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import keyring
import pytest
from helpers import edit_json
from keyring.backends import fail

from dtwin_gui.build import build_packages
from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.deploy.glue_secrets import (
    FILE_NAME,
    GlueSecrets,
    GlueSecretsError,
    ensure,
    environment_for,
    rotate,
)
from dtwin_gui.deploy.workspace import DeploymentWorkspace
from dtwin_gui.iac.root import generate_root

MULTI = {"layer_2_provider": "azure", "layer_3_hot_provider": "google"}
CROSSING = ("l1-l2-ingestion", "l2-l3hot-writer", "l3hot-l3cold-writer", "l3hot-reader")


def multi_cloud(project: Path, **slots: str) -> Path:
    edit_json(project / "config_providers.json", lambda data: data.update(slots or MULTI))
    return project


@pytest.fixture
def no_keyring():
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def test_one_secret_per_crossing_boundary_and_the_readers_share_one(project):
    store = GlueSecrets(multi_cloud(project), "sandbox")

    assert store.ensure() == list(CROSSING)
    assert store.ensure() == []  # idempotent: nothing new the second time
    secrets = {s.id: s for s in store.all()}
    assert list(secrets) == list(CROSSING)
    assert secrets["l3hot-reader"].boundaries == ("l4-l3hot-reader", "l5-l3hot-reader")
    values = [s.current for s in secrets.values()]
    assert len(set(values)) == len(values) and all(len(v) == 64 for v in values)
    assert all(s.previous is None and s.generation == 1 for s in secrets.values())


def test_secrets_are_per_target(project):
    multi_cloud(project)
    sandbox, aws = GlueSecrets(project, "sandbox"), GlueSecrets(project, "aws")
    sandbox.ensure()
    aws.ensure()
    assert set(sandbox.secret_values()).isdisjoint(aws.secret_values())


def test_an_all_aws_project_has_no_secret_and_touches_no_workspace(project):
    store = GlueSecrets(project, "sandbox")
    assert store.ids() == {} and store.ensure() == [] and store.rotate() == []
    assert store.terraform_environment() == {}
    assert keyring.get_keyring().passwords == {}


def test_with_a_keyring_the_secrets_live_there_and_nowhere_on_disk(project):
    store = GlueSecrets(multi_cloud(project), "sandbox")
    store.ensure()

    stored = keyring.get_keyring().passwords
    assert len(stored) == len(CROSSING)
    assert {service for service, _ in stored} == {"dtwin"}
    assert store.where == "the OS keyring"
    workspace = DeploymentWorkspace(project, "sandbox").root
    assert not (workspace / FILE_NAME).exists()
    for value in store.secret_values():
        for folder in (project, workspace.parent.parent):
            for path in folder.rglob("*"):
                assert not path.is_file() or value.encode() not in path.read_bytes(), path


def test_without_a_keyring_they_go_to_the_workspace_file_owner_only(project, no_keyring):
    store = GlueSecrets(multi_cloud(project), "sandbox")
    store.ensure()

    path = DeploymentWorkspace(project, "sandbox").root / FILE_NAME
    assert "no OS keyring" in store.where and str(path) in store.where
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(json.loads(path.read_text())) == sorted(CROSSING)
    assert not path.resolve().is_relative_to(project.resolve())
    # A new store (the next run) reads the same secrets back.
    assert GlueSecrets(project, "sandbox").secret_values() == store.secret_values()


def test_a_broken_secrets_file_says_what_to_do(project, no_keyring):
    store = GlueSecrets(multi_cloud(project), "sandbox")
    path = DeploymentWorkspace(project, "sandbox").root / FILE_NAME
    path.write_text("{not json")
    with pytest.raises(GlueSecretsError, match="delete it and run `dtwin rotate-secrets`"):
        store.ensure()


def test_rotation_keeps_the_previous_and_drops_the_oldest(project):
    store = GlueSecrets(multi_cloud(project), "sandbox")
    store.ensure()
    first = store.get("l1-l2-ingestion").current

    rotations = store.rotate()
    second = store.get("l1-l2-ingestion")
    assert [r.id for r in rotations] == list(CROSSING)
    assert second.current != first and second.previous == first and second.generation == 2
    assert not any(r.created or r.dropped_oldest for r in rotations)

    rotations = store.rotate()
    third = store.get("l1-l2-ingestion")
    assert third.previous == second.current and first not in third.accepted
    assert all(r.dropped_oldest for r in rotations)
    text = "\n".join(r.describe() for r in rotations)
    assert "generation 3" in text and "generation 1 now refused" in text
    assert not any(v in text or v in repr(rotations) for v in [first, *third.accepted])


def test_environment_for_terraform_and_functions(project):
    multi_cloud(project)
    ensure(project, "sandbox")
    store = GlueSecrets(project, "sandbox")
    env = environment_for(project, "terraform", target="sandbox")
    ingestion = store.get("l1-l2-ingestion")
    assert env["TF_VAR_glue_l1_l2_ingestion_secret"] == ingestion.current
    assert env["TF_VAR_glue_l3hot_reader_secret"] == store.get("l4-l3hot-reader").current
    assert not any(name.endswith("_previous_secret") for name in env)

    rotate(project, "sandbox")
    env = environment_for(project, "terraform", target="sandbox")
    assert env["TF_VAR_glue_l1_l2_ingestion_previous_secret"] == ingestion.current
    receiver = store.function_environment("l1-l2-ingestion", "receiver")
    assert receiver == {
        "DTWIN_GLUE_SECRET": store.get("l1-l2-ingestion").current,
        "DTWIN_GLUE_PREVIOUS_SECRET": ingestion.current,
    }
    sender = store.function_environment("l2-l3hot-writer", "sender")
    assert sender == {"DTWIN_HOT_WRITER_SECRET": store.get("l2-l3hot-writer").current}
    with pytest.raises(GlueSecretsError, match="does not cross clouds"):
        store.function_environment("l3cold-l3archive-writer", "sender")


def test_terraform_environment_covers_what_the_generated_root_asks_for(project, tmp_path):
    """The names match the root's TF_VAR secrets (required now, optional after rotation)."""
    # AWS holds senders (L1, L3 hot -> cold) and receivers (L3 hot writer, archive writer).
    multi_cloud(project, layer_2_provider="google", layer_3_cold_provider="google")
    store = GlueSecrets(project, "sandbox")
    builds = build_packages(project, tmp_path / "build", cloud="aws")
    info = generate_root(
        project,
        target=sandbox_target("http://127.0.0.1:9"),
        builds=builds,
        out_dir=tmp_path / "tf",
    )
    wanted = {n for n in info.required_env if n.endswith("_secret")}
    assert len(wanted) == 4 and set(store.terraform_environment({"aws"})) == wanted
    store.rotate()
    env = store.terraform_environment({"aws"})
    assert (
        set(env) - wanted
        == set(info.optional_env)
        == {
            "TF_VAR_glue_l2_l3hot_writer_previous_secret",
            "TF_VAR_glue_l3cold_l3archive_writer_previous_secret",
        }
    )
    assert not any(v in info.path.read_text() for v in env.values())
