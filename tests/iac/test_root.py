"""The generated Terraform root: what it instantiates and wires, what it never contains, and
that real Terraform accepts it, applies it to the sandbox, finds no drift and destroys it."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from helpers import edit_json, skip_unless_tools

from dtwin_gui.build import build_packages
from dtwin_gui.clouds.aws.connection import SANDBOX_CREDENTIALS, AwsConnection, sandbox_target
from dtwin_gui.clouds.aws.terraform_provider import AWS_PROVIDER_VERSION, SANDBOX_ACCOUNT
from dtwin_gui.iac.cli_config import TerraformSettings, find_mirror, write_cli_config
from dtwin_gui.iac.root import (
    ROOT_FILE,
    TERRAFORM_DIR_ENV,
    RootError,
    generate_root,
    glue_variable,
    terraform_dir,
    unique_suffix,
)
from dtwin_gui.runtime.core.contracts import CONTRACTS

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "upload" / "template"
TWIN = "factory-twin"
ALL_LAYERS = (
    "aws_setup",
    "aws_l1",
    "aws_l2",
    "aws_l3_hot",
    "aws_l3_cold",
    "aws_l3_archive",
    "aws_l4",
    "aws_l5",
)
SANDBOX = sandbox_target("http://127.0.0.1:9")


def set_providers(project: Path, **slots: str) -> None:
    """Move the given layers (``layer_2_provider="azure"``) to another cloud."""
    edit_json(project / "config_providers.json", lambda data: data.update(slots))


def generate(project: Path, tmp: Path, target: AwsConnection = SANDBOX, **kwargs):
    builds = build_packages(project, tmp / "build", cloud="aws")
    info = generate_root(project, target=target, builds=builds, out_dir=tmp / "tf", **kwargs)
    return info, json.loads(info.path.read_text(encoding="utf-8")), builds


# --- the all-AWS example ------------------------------------------------------------------


def test_all_aws_root_instantiates_every_layer(project, tmp_path):
    info, doc, _ = generate(project, tmp_path)
    assert info.path == tmp_path / "tf" / ROOT_FILE
    assert info.modules == ALL_LAYERS
    assert sorted(doc["module"]) == sorted(ALL_LAYERS)
    for name, module in doc["module"].items():
        # The package is all of modules/ ("//" marks the folder inside it), so that a
        # layer module may use the shared ../_function and ../_bucket.
        package, inner = module["source"].split("//")
        assert Path(package).is_absolute() and Path(package) == terraform_dir() / "modules"
        assert inner == f"aws/{name[4:]}"
        assert (Path(package) / inner / "main.tf").is_file()
    assert doc["terraform"]["required_providers"] == {
        "aws": {"source": "hashicorp/aws", "version": "5.100.0"}
    }
    assert "backend" not in doc["terraform"]  # local state in the root's folder
    assert list(doc["provider"]) == ["aws"]
    assert info.variables == () and info.required_env == ()
    assert info.outputs == tuple(sorted(doc["output"]))
    assert {
        "function_names",
        "hot_table_name",
        "hot_reader_function_name",
        "hot_reader_url",
        "cold_bucket_name",
        "archive_bucket_name",
        "iot_thing_names",
        "iot_policy_names",
        "telemetry_rule_name",
        "twinmaker_role_arn",
        "twinmaker_bucket_name",
        "grafana_workspace_id",
        "grafana_workspace_endpoint",
    } <= set(info.outputs)


def test_sandbox_provider_points_every_service_at_the_emulator(project, tmp_path):
    _, doc, _ = generate(project, tmp_path)
    aws = doc["provider"]["aws"]
    assert aws["region"] == "us-east-1"
    assert set(aws["endpoints"].values()) == {"http://127.0.0.1:9"}
    assert {"iam", "sts", "lambda", "logs", "iot", "dynamodb", "s3", "scheduler"} <= set(
        aws["endpoints"]
    )
    assert aws["skip_credentials_validation"] and aws["skip_requesting_account_id"]
    assert aws["skip_metadata_api_check"] and aws["s3_use_path_style"]
    assert aws["max_retries"] == 3
    # The emulator answers DescribeEndpoint randomly: no data source, no output.
    assert "data" not in doc and "iot_endpoint" not in doc["output"]
    for module in ("aws_l3_cold", "aws_l3_archive"):
        assert doc["module"][module]["enable_lifecycle"] is False
    for module in ("aws_l3_cold", "aws_l3_archive", "aws_l4"):
        assert doc["module"][module]["enforce_tls"] is False  # plain HTTP on loopback


def test_modules_get_names_packages_and_wiring_from_topology_and_build(project, tmp_path):
    info, doc, builds = generate(project, tmp_path)
    suffix = unique_suffix(SANDBOX_ACCOUNT, "us-east-1")
    assert info.unique_suffix == suffix and len(suffix) == 6
    l1, l2, hot = doc["module"]["aws_l1"], doc["module"]["aws_l2"], doc["module"]["aws_l3_hot"]
    assert l1["rule_name"] == "factory_twin_telemetry"
    assert l1["telemetry_topic_filter"] == "dtwin/factory-twin/+/telemetry"
    assert l1["devices"]["pressure-sensor-1"] == {
        "thing_name": "factory-twin-pressure-sensor-1",
        "policy_name": "factory-twin-pressure-sensor-1",
        "telemetry_topic": "dtwin/factory-twin/pressure-sensor-1/telemetry",
        "feedback_topic": "dtwin/factory-twin/pressure-sensor-1/feedback",
    }
    assert l1["processor_arns"] == "${module.aws_l2.processor_arns}"
    assert "connector" not in l1
    assert l2["hot_table"] == "${module.aws_l3_hot.table}"
    assert l2["feedback_topic_pattern"] == "dtwin/factory-twin/*/feedback"
    assert sorted(l2["processors"]) == [
        "pressure-sensor-1",
        "temperature-sensor-1",
        "temperature-sensor-2",
    ]
    assert sorted(l2["actions"]) == ["high-temperature-alert"]
    assert "workflow" not in l2 and "ingestion" not in l2
    assert hot["table_name"] == "factory-twin-hot"
    assert (hot["hot_days"], l2["hot_ttl_days"]) == (30, 60)
    assert hot["cold_bucket"] == "${module.aws_l3_cold.bucket}"
    assert doc["module"]["aws_l3_cold"]["bucket_name"] == f"factory-twin-cold-{suffix}"
    assert doc["module"]["aws_l3_cold"]["archive_bucket"] == "${module.aws_l3_archive.bucket}"
    assert doc["module"]["aws_l3_archive"]["bucket_name"] == f"factory-twin-archive-{suffix}"
    assert doc["module"]["aws_l4"]["hot_reader_arn"] == "${module.aws_l3_hot.hot_reader_arn}"
    assert doc["module"]["aws_l5"]["hot_reader_arn"] == "${module.aws_l3_hot.hot_reader_arn}"
    assert doc["module"]["aws_l5"]["workspace_name"] == "factory-twin-grafana"

    # Every function input is its package: handler, where the setup module uploads the zip,
    # base64 SHA-256 of the zip.
    inputs = {
        "dispatcher": l1["dispatcher"],
        "persister": l2["persister"],
        "event-checker": l2["event_checker"],
        "event-feedback": l2["event_feedback"],
        "hot-reader": hot["hot_reader"],
        "hot-to-cold-mover": hot["hot_to_cold_mover"],
        "cold-to-archive-mover": doc["module"]["aws_l3_cold"]["cold_to_archive_mover"],
        **{f"processor-{d}": v for d, v in l2["processors"].items()},
        **{f"action-{a}": v for a, v in l2["actions"].items()},
    }
    assert sorted(inputs) == sorted(b.function for b in builds)
    for build in builds:
        given = inputs[build.function]
        digest = hashlib.sha256(Path(build.path).read_bytes()).digest()
        assert given == {
            "name": build.name,
            "role_name": build.name,
            "handler": build.handler,
            "s3_bucket": "${module.aws_setup.bucket}",
            "s3_key": f'${{module.aws_setup.package_keys["{build.name}"]}}',
            "package_hash": base64.b64encode(digest).decode(),
        }
    setup = doc["module"]["aws_setup"]
    assert setup["bucket_name"] == f"{TWIN}-functions-{info.unique_suffix}"
    assert setup["enforce_tls"] is False  # the sandbox is plain HTTP
    assert setup["packages"] == {
        b.name: {"path": str(Path(b.path).resolve()), "hash": b.sha256} for b in builds
    }
    assert doc["output"]["functions_bucket_name"]["value"] == setup["bucket_name"]


def test_the_root_is_deterministic_and_private(project, tmp_path):
    first, _, _ = generate(project, tmp_path)
    data = first.path.read_bytes()
    again, _, _ = generate(project, tmp_path)
    assert again.path.read_bytes() == data
    assert json.dumps(json.loads(data), indent=2, sort_keys=True) + "\n" == data.decode()
    assert first.path.stat().st_mode & 0o777 == 0o600


def test_log_level_follows_the_project_mode(project, tmp_path):
    def levels(doc):
        return {m["common"]["log_level"] for n, m in doc["module"].items() if n != "aws_setup"}

    _, doc, _ = generate(project, tmp_path / "debug")
    assert levels(doc) == {"DEBUG"}
    edit_json(project / "config.json", lambda data: data.update(mode="PRODUCTION"))
    _, doc, _ = generate(project, tmp_path / "production")
    assert levels(doc) == {"INFO"}


# --- real AWS ---------------------------------------------------------------------------------


def test_a_real_aws_root_has_no_sandbox_settings_and_no_credentials(project, tmp_path):
    credentials = {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLEKEY123", "AWS_SECRET_ACCESS_KEY": "s3cr3t/Key"}
    target = AwsConnection("aws", "eu-west-1", None, credentials)
    info, doc, _ = generate(project, tmp_path, target, account_id="111122223333")
    aws = doc["provider"]["aws"]
    assert aws == {
        "region": "eu-west-1",
        "default_tags": {"tags": {"dtwin:twin": TWIN, "dtwin:managed-by": "dtwin"}},
    }
    assert info.unique_suffix == unique_suffix("111122223333", "eu-west-1")
    assert info.unique_suffix != unique_suffix(SANDBOX_ACCOUNT, "us-east-1")
    assert doc["data"] == {"aws_iot_endpoint": {"data": {"endpoint_type": "iot:Data-ATS"}}}
    assert doc["output"]["iot_endpoint"]["value"] == (
        "${data.aws_iot_endpoint.data.endpoint_address}"
    )
    assert doc["module"]["aws_l2"]["iot_endpoint"] == (
        "${data.aws_iot_endpoint.data.endpoint_address}"
    )
    assert doc["module"]["aws_l3_cold"]["enable_lifecycle"] is True
    for module in ("aws_l3_cold", "aws_l3_archive", "aws_l4"):
        assert doc["module"][module]["enforce_tls"] is True
    text = info.path.read_text()
    for value in credentials.values():
        assert value not in text


def test_a_configured_backend_is_written(project, tmp_path):
    backend = {"s3": {"bucket": "team-state", "key": "factory-twin.tfstate", "region": "eu-west-1"}}
    _, doc, _ = generate(project, tmp_path, backend=backend)
    assert doc["terraform"]["backend"] == backend


# --- mixed clouds -----------------------------------------------------------------------------


def test_a_mixed_project_yields_only_the_aws_part(project, tmp_path):
    set_providers(project, layer_2_provider="azure")
    info, doc, builds = generate(project, tmp_path)
    assert info.modules == tuple(m for m in ALL_LAYERS if m != "aws_l2")
    assert list(doc["provider"]) == ["aws"]
    assert all(name.startswith("aws_") for name in doc["module"])
    l1, hot = doc["module"]["aws_l1"], doc["module"]["aws_l3_hot"]
    assert l1["connector"]["name"] == "factory-twin-connector"
    assert l1["remote_url"] == "${var.glue_l1_l2_ingestion_url}"
    assert l1["remote_secret"] == "${var.glue_l1_l2_ingestion_secret}"
    assert "processor_arns" not in l1
    assert hot["hot_writer"]["name"] == "factory-twin-hot-writer"
    assert hot["hot_writer_secret"] == "${var.glue_l2_l3hot_writer_secret}"
    assert hot["hot_writer_previous_secret"] == "${var.glue_l2_l3hot_writer_previous_secret}"
    assert info.required_env == (
        "TF_VAR_glue_l1_l2_ingestion_secret",
        "TF_VAR_glue_l1_l2_ingestion_url",
        "TF_VAR_glue_l2_l3hot_writer_secret",
    )
    assert info.optional_env == ("TF_VAR_glue_l2_l3hot_writer_previous_secret",)
    for variable in doc["variable"].values():
        assert variable["sensitive"] is True and variable["type"] == "string"
    assert "default" not in doc["variable"]["glue_l1_l2_ingestion_secret"]
    assert doc["variable"]["glue_l2_l3hot_writer_previous_secret"]["default"] is None
    assert "l2_l3hot_writer_receiver_url" in info.outputs
    assert {b.role for b in builds} == {
        "dispatcher",
        "connector",
        "hot-writer",
        "hot-reader",
        "hot-to-cold-mover",
        "cold-to-archive-mover",
    }


def test_hot_storage_elsewhere_puts_one_reader_proxy_on_aws(project, tmp_path):
    set_providers(project, layer_3_hot_provider="azure")
    info, doc, _ = generate(project, tmp_path)
    l4, l5 = doc["module"]["aws_l4"], doc["module"]["aws_l5"]
    assert l4["hot_reader_proxy"]["name"] == "factory-twin-hot-reader-proxy"
    assert l4["remote_url"] == "${var.glue_l3hot_reader_url}"
    assert "hot_reader_proxy" not in l5
    assert l5["hot_reader_arn"] == "${module.aws_l4.hot_reader_proxy_arn}"
    l2 = doc["module"]["aws_l2"]
    assert "hot_table" not in l2 and "hot_ttl_days" not in l2
    assert l2["hot_writer_url"] == "${var.glue_l2_l3hot_writer_url}"
    cold = doc["module"]["aws_l3_cold"]
    assert cold["cold_writer_secret"] == "${var.glue_l3hot_l3cold_writer_secret}"
    by_name = {v.name: v for v in info.variables}
    assert by_name["glue_l3hot_reader_secret"].boundaries == ("l4-l3hot-reader", "l5-l3hot-reader")


def test_remote_readers_share_the_hot_readers_one_secret(project, tmp_path):
    set_providers(project, layer_4_provider="azure", layer_5_provider="azure")
    info, doc, _ = generate(project, tmp_path)
    hot = doc["module"]["aws_l3_hot"]
    assert hot["remote_readers"] is True
    assert hot["reader_secret"] == "${var.glue_l3hot_reader_secret}"
    readers = {v.name: v for v in info.variables if "reader" in v.name}
    assert sorted(readers) == ["glue_l3hot_reader_previous_secret", "glue_l3hot_reader_secret"]
    assert readers["glue_l3hot_reader_secret"].boundaries == (
        "l4-l3hot-reader",
        "l5-l3hot-reader",
    )
    # Azure Digital Twins as L4 also gets the persister's twin updates.
    l2 = doc["module"]["aws_l2"]
    assert l2["twin_update_url"] == "${var.glue_l2_l4_twin_update_url}"
    assert l2["twin_update_secret"] == "${var.glue_l2_l4_twin_update_secret}"


def test_no_aws_layer_means_no_root(project, tmp_path):
    set_providers(
        project,
        **{key: "azure" for key in json.loads((project / "config_providers.json").read_text())},
    )
    with pytest.raises(RootError, match="no layer of this project is on AWS"):
        generate_root(project, target=SANDBOX, builds=[], out_dir=tmp_path / "tf")
    assert not (tmp_path / "tf" / ROOT_FILE).exists()


# --- errors and odd inputs ----------------------------------------------------------------


def test_a_missing_package_is_reported(project, tmp_path):
    builds = build_packages(project, tmp_path / "build", cloud="aws")
    partial = [b for b in builds if b.role != "persister"]
    with pytest.raises(RootError, match="no package for AWS function 'persister'"):
        generate_root(project, target=SANDBOX, builds=partial, out_dir=tmp_path / "tf")


def test_a_stale_package_is_reported(project, tmp_path):
    builds = build_packages(project, tmp_path / "build", cloud="aws")
    edit_json(project / "config.json", lambda data: data.update(digital_twin_name="other-twin"))
    with pytest.raises(RootError, match="stale"):
        generate_root(project, target=SANDBOX, builds=builds, out_dir=tmp_path / "tf")


def test_the_workflow_definition_is_passed_verbatim(project, tmp_path):
    edit_json(
        project / "config_features.json", lambda d: d.update(trigger_notification_workflow=True)
    )
    with pytest.raises(RootError, match=r"state_machines/aws_step_function\.json"):
        generate(project, tmp_path / "missing")
    definition = {
        "StartAt": "Notify",
        "States": {
            "Notify": {"Type": "Pass", "Result": "${not-a-terraform-template}", "End": True}
        },
    }
    (project / "state_machines").mkdir()
    (project / "state_machines/aws_step_function.json").write_text(json.dumps(definition))
    info, doc, _ = generate(project, tmp_path / "present")
    workflow = doc["module"]["aws_l2"]["workflow"]
    assert workflow["name"] == workflow["role_name"] == "factory-twin-workflow"
    # Terraform reads JSON strings as templates: "${" is escaped so it stays literal.
    assert json.loads(workflow["definition"].replace("$${", "${")) == definition
    assert "$${not-a-terraform-template}" in workflow["definition"]
    assert "workflow_arn" in info.outputs


def test_a_name_too_long_for_aws_is_reported(project, tmp_path):
    # `dtwin validate` checks the topology's names with the suffix placeholder; the root
    # checks them again with the deployment's suffix, and refuses to write a bad one.
    edit_json(project / "config.json", lambda data: data.update(digital_twin_name="t" * 55))
    builds = build_packages(project, tmp_path / "build", cloud="aws")
    with pytest.raises(RootError, match="choose a shorter twin name"):
        generate_root(project, target=SANDBOX, builds=builds, out_dir=tmp_path / "tf")


def test_the_modules_folder_is_found_or_named(monkeypatch, tmp_path):
    assert terraform_dir() == REPO / "terraform"
    monkeypatch.setenv(TERRAFORM_DIR_ENV, str(tmp_path))
    assert terraform_dir() == tmp_path


def test_glue_variables_are_named_per_boundary():
    assert glue_variable("l1-l2-ingestion", "secret") == "glue_l1_l2_ingestion_secret"
    assert glue_variable("l3hot-l3cold-writer", "url") == "glue_l3hot_l3cold_writer_url"
    # The hot reader has one secret for both reader boundaries.
    assert glue_variable("l4-l3hot-reader", "secret") == glue_variable("l5-l3hot-reader", "secret")
    with pytest.raises(ValueError, match="unknown"):
        glue_variable("l1-l2-ingestion", "password")


def test_unique_suffix_is_stable_and_bucket_safe():
    suffix = unique_suffix("123456789012", "us-east-1")
    assert suffix == unique_suffix("123456789012", "us-east-1")
    assert len(suffix) == 6 and suffix.isalnum() and suffix == suffix.lower()
    assert suffix != unique_suffix("123456789012", "eu-west-1")


# --- real Terraform ---------------------------------------------------------------------------


class TerraformCli:
    """Plain ``terraform`` subprocesses (the engine's runner is tested elsewhere)."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env
        self.timings: dict[str, float] = {}

    def run(self, *args: str, check: bool = True, extra_env=None, timeout: float = 600):
        started = time.monotonic()
        result = subprocess.run(
            ["terraform", *args, "-no-color"],
            cwd=self.workdir,
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        self.timings[args[0]] = time.monotonic() - started
        if check:
            assert result.returncode == 0, (
                f"terraform {' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr}"
            )
        return result


@pytest.fixture(scope="module")
def terraform_env(tmp_path_factory) -> dict[str, str]:
    mirror = find_mirror()
    provider = "registry.terraform.io/hashicorp/aws/" + AWS_PROVIDER_VERSION
    if shutil.which("terraform") is None or mirror is None or not (mirror / provider).is_dir():
        skip_unless_tools(
            f"terraform or a provider mirror with aws {AWS_PROVIDER_VERSION} is missing"
        )
    home = tmp_path_factory.mktemp("terraform-home")
    settings = TerraformSettings(mirror_dir=mirror, plugin_cache_dir=home / "plugin-cache")
    env = write_cli_config(settings, home / "cli.tfrc")
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "AWS_EC2_METADATA_DISABLED": "true",
        **env,
    }


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    from dtwin_gui.clouds.aws.sandbox.emulator import AwsEmulator

    with AwsEmulator(workdir=tmp_path_factory.mktemp("functions")) as aws:
        yield aws


def _copy_template(tmp_path_factory, name: str) -> Path:
    dest = tmp_path_factory.mktemp(name) / "project"
    shutil.copytree(TEMPLATE, dest)
    return dest


@pytest.fixture(scope="module")
def template_root(tmp_path_factory, terraform_env, emulator):
    """The example's root against the module's emulator, initialised once."""
    project = _copy_template(tmp_path_factory, "template")
    target = sandbox_target(emulator.endpoint, emulator.region)
    info, _, builds = generate(project, project.parent, target)
    cli = TerraformCli(info.path.parent, {**terraform_env, **target.process_env()})
    cli.run("init", "-input=false")
    return info, builds, cli, target


@pytest.mark.slow
def test_the_template_root_validates(template_root):
    _, _, cli, _ = template_root
    cli.run("validate")


@pytest.mark.slow
def test_the_mixed_root_validates_and_plans_without_writing_secrets(
    tmp_path_factory, terraform_env, emulator
):
    project = _copy_template(tmp_path_factory, "mixed")
    set_providers(project, layer_2_provider="azure")
    target = sandbox_target(emulator.endpoint, emulator.region)
    info, doc, _ = generate(project, project.parent, target)
    assert "aws_l2" not in doc["module"]
    values = {name: f"value-{secrets.token_hex(12)}" for name in info.required_env}
    cli = TerraformCli(info.path.parent, {**terraform_env, **target.process_env()})
    cli.run("init", "-input=false")
    cli.run("validate")
    # Without the TF_VAR values Terraform refuses to plan, naming the variable.
    missing = cli.run("plan", "-input=false", check=False)
    assert missing.returncode != 0 and "glue_l1_l2_ingestion" in missing.stdout + missing.stderr
    cli.run("plan", "-input=false", extra_env=values)
    for path in info.path.parent.rglob("*"):
        if path.is_file() and ".terraform" not in path.parts:
            text = path.read_text(errors="replace")
            for value in values.values():
                assert value not in text, f"{path} contains a secret"


@pytest.mark.slow
def test_apply_plan_destroy_against_the_sandbox(template_root, emulator):
    assert {"iot_tags", "grafana"} <= set(emulator.patches)
    info, builds, cli, target = template_root
    text = info.path.read_text()
    for value in SANDBOX_CREDENTIALS.values():
        assert f'"{value}"' not in text

    cli.run("apply", "-auto-approve", "-input=false")
    outputs = json.loads(cli.run("output", "-json").stdout)
    out = {k: v["value"] for k, v in outputs.items()}

    # Lambda: every function, its own role, exactly its contract's environment.
    lam = emulator.client("lambda")
    functions = {f["FunctionName"]: f for f in lam.list_functions()["Functions"]}
    assert set(functions) == {b.name for b in builds} == set(out["function_names"].values())
    roles = set()
    for build in builds:
        config = functions[build.name]
        contract = CONTRACTS[build.role]
        env = config["Environment"]["Variables"]
        assert set(contract.required()) <= set(env) <= set(contract.names()), build.name
        assert config["Runtime"] == "python3.11" and config["Handler"] == build.handler
        roles.add(config["Role"])
    assert len(roles) == len(builds)
    persister = functions["factory-twin-persister"]["Environment"]["Variables"]
    assert persister == {
        "DTWIN_TWIN_NAME": TWIN,
        "DTWIN_LOG_LEVEL": "DEBUG",
        "DTWIN_HOT_STORE": "factory-twin-hot",
        "DTWIN_HOT_TTL_DAYS": "60",
        "DTWIN_EVENT_CHECKER_FUNCTION": "factory-twin-event-checker",
    }
    url = lam.get_function_url_config(FunctionName="factory-twin-hot-reader")
    assert url["AuthType"] == "AWS_IAM"
    logs = emulator.client("logs").describe_log_groups(logGroupNamePrefix="/aws/lambda/factory")
    assert {g["logGroupName"] for g in logs["logGroups"]} == {
        f"/aws/lambda/{b.name}" for b in builds
    }

    # Storage.
    dynamodb = emulator.client("dynamodb")
    table = dynamodb.describe_table(TableName=out["hot_table_name"])["Table"]
    assert {(k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]} == {
        ("device_id", "HASH"),
        ("timestamp", "RANGE"),
    }
    ttl = dynamodb.describe_time_to_live(TableName="factory-twin-hot")["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "dtwin_expires_at"
    s3 = emulator.client("s3")
    buckets = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert {out["cold_bucket_name"], out["archive_bucket_name"], out["twinmaker_bucket_name"]} <= (
        buckets
    )
    block = s3.get_public_access_block(Bucket=out["cold_bucket_name"])
    assert all(block["PublicAccessBlockConfiguration"].values())

    # IoT: things, a policy per device, the topic rule.
    iot = emulator.client("iot")
    things = {t["thingName"] for t in iot.list_things()["things"]}
    assert set(out["iot_thing_names"].values()) <= things
    policy = json.loads(
        iot.get_policy(policyName="factory-twin-temperature-sensor-2")["policyDocument"]
    )
    resources = [s["Resource"] for s in policy["Statement"]]
    assert all("temperature-sensor-2" in r for r in resources)
    rule = iot.get_topic_rule(ruleName="factory_twin_telemetry")["rule"]
    assert rule["sql"] == "SELECT *, topic(3) AS device_id FROM 'dtwin/factory-twin/+/telemetry'"

    # Schedules, TwinMaker's role, Grafana.
    scheduler = emulator.client("scheduler")
    for mover in ("hot-to-cold-mover", "cold-to-archive-mover"):
        schedule = scheduler.get_schedule(Name=f"factory-twin-{mover}")
        assert schedule["Target"]["Arn"].endswith(f":function:factory-twin-{mover}")
    iam = emulator.client("iam")
    assert (
        iam.get_role(RoleName="factory-twin-twinmaker")["Role"]["Arn"]
        == (out["twinmaker_role_arn"])
    )
    grafana = emulator.client("grafana").describe_workspace(workspaceId=out["grafana_workspace_id"])
    assert grafana["workspace"]["authentication"]["providers"] == ["AWS_SSO"]

    # The wiring works at run time: a record handed to the dispatcher reaches the table
    # through the processor and the persister (the gateway runs the deployed packages).
    reply = lam.invoke(
        FunctionName="factory-twin-dispatcher",
        Payload=json.dumps({"device_id": "temperature-sensor-2", "temperature": 21.5}).encode(),
    )
    assert "FunctionError" not in reply, reply["Payload"].read()
    deadline = time.monotonic() + 60
    while not (items := dynamodb.scan(TableName="factory-twin-hot")["Items"]):
        assert time.monotonic() < deadline, "the record never reached the hot table"
        time.sleep(0.5)
    assert items[0]["device_id"] == {"S": "temperature-sensor-2"}
    # ... and the movers may move it on: hot → cold → archive (run "in a year").
    for mover in ("hot-to-cold-mover", "cold-to-archive-mover"):
        reply = lam.invoke(
            FunctionName=f"factory-twin-{mover}",
            Payload=json.dumps({"now": "2099-01-01T00:00:00.000Z"}).encode(),
        )
        assert "FunctionError" not in reply, reply["Payload"].read()
    assert dynamodb.scan(TableName="factory-twin-hot")["Items"] == []
    assert "Contents" not in s3.list_objects_v2(Bucket=out["cold_bucket_name"])
    archived = s3.list_objects_v2(Bucket=out["archive_bucket_name"])["Contents"]
    assert [o["Key"].split("/")[0] for o in archived] == ["temperature-sensor-2"]

    # Deploy twice = no change.
    plan = cli.run("plan", "-detailed-exitcode", "-input=false", check=False)
    assert plan.returncode == 0, plan.stdout[-4000:] + plan.stderr

    cli.run("destroy", "-auto-approve", "-input=false")
    from dtwin_gui.clouds.aws.leftovers import find_leftovers

    assert find_leftovers(target, TWIN) == {}
    assert lam.list_functions()["Functions"] == []
    print("terraform timings (s):", {k: round(v, 1) for k, v in cli.timings.items()})
