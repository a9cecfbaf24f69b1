"""No glue secret lands in the project folder, a tfvars file, Terraform's logged events or
an export; the only files holding them are the keyring (or, without one, the 0600 workspace
file) and Terraform's own state/plan inside the owner-only workspace."""

from __future__ import annotations

import zipfile
from pathlib import Path

from helpers import edit_json

from dtwin_gui import cli
from dtwin_gui.deploy.glue_secrets import GlueSecrets
from dtwin_gui.iac.cli_config import TerraformSettings
from dtwin_gui.iac.runner import Terraform

ECHO_ROOT = """
variable "glue_l1_l2_ingestion_secret" {
  type = string
}
variable "glue_l1_l2_ingestion_previous_secret" {
  type    = string
  default = ""
}
resource "terraform_data" "receiver_env" {
  input = {
    secret   = var.glue_l1_l2_ingestion_secret
    previous = var.glue_l1_l2_ingestion_previous_secret
  }
  # Terraform prints what this echoes: the runner must mask it in every event.
  provisioner "local-exec" {
    command = "echo received ${var.glue_l1_l2_ingestion_secret}"
  }
}
output "echo" {
  value = "${var.glue_l1_l2_ingestion_secret}/${var.glue_l1_l2_ingestion_previous_secret}"
}
"""


def rotated(project: Path) -> GlueSecrets:
    edit_json(project / "config_providers.json", lambda d: d.update(layer_2_provider="azure"))
    store = GlueSecrets(project, "sandbox")
    store.ensure()
    store.rotate()
    return store


def files_holding(folder: Path, values: list[str]) -> list[Path]:
    return [
        path
        for path in folder.rglob("*")
        if path.is_file() and any(v.encode() in path.read_bytes() for v in values)
    ]


def test_no_secret_in_the_project_or_its_export(capsys, project, tmp_path):
    store = rotated(project)
    values = store.secret_values()
    assert len(values) == 2 * len(store.ids())

    out = tmp_path / "twin.zip"
    assert cli.main(["export", str(project), str(out)]) == 0
    assert files_holding(project, values) == []
    with zipfile.ZipFile(out) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            assert not any(v.encode() in data for v in values), name
    printed = "".join(capsys.readouterr())
    assert not any(v in printed for v in values)


def test_terraform_gets_them_from_the_environment_and_its_events_never_show_them(project, tmp_path):
    store = rotated(project)
    env = store.terraform_environment()
    values = store.secret_values()
    workdir = tmp_path / "root"
    workdir.mkdir()
    (workdir / "main.tf").write_text(ECHO_ROOT)
    events = []
    tf = Terraform(
        workdir, settings=TerraformSettings(mirror_dir=None), env=env, sink=events.append
    )
    tf.init()
    tf.plan(workdir / "deploy.tfplan")
    tf.apply(workdir / "deploy.tfplan")

    echoed = tf.output()["echo"]["value"]  # Terraform really received both secrets
    current = store.get("l1-l2-ingestion")
    assert echoed == f"{current.current}/{current.previous}"
    logged = "\n".join(repr(e) for e in events)
    assert "received ***" in logged  # the echoed line is there, masked
    assert not any(v in logged for v in values)
    assert list(workdir.rglob("*.tfvars")) == [] and list(workdir.rglob("*.tfvars.json")) == []
    assert not any(v in (workdir / "main.tf").read_text() for v in values)


def test_the_deployment_hands_terraform_the_secrets_and_a_rotation_is_a_change(project):
    """The orchestrator's Terraform environment carries each boundary's TF_VAR (so the next
    deploy is not skipped as unchanged after a rotation); a one-cloud project adds none."""
    from dtwin_gui.clouds.aws.connection import sandbox_target
    from dtwin_gui.deploy.orchestrator import Deployment

    target = sandbox_target("http://127.0.0.1:9")
    assert not [k for k in Deployment(project, target)._process_env() if "glue" in k]

    store = rotated(project)
    before = Deployment(project, target)._process_env()
    glue = {k: v for k, v in before.items() if k.startswith("TF_VAR_glue_")}
    assert glue and set(glue.values()) <= set(store.secret_values())
    store.rotate()
    after = Deployment(project, target)._process_env()
    assert {k: after[k] for k in glue} != glue
