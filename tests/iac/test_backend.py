"""The state backend model: URLs, validation with clear errors, no secrets, the backend block
of the generated root, and its place in the app settings (issue 17)."""

from __future__ import annotations

import json

import pytest

from dtwin_gui.app.backend import BackendProblem, save_backend
from dtwin_gui.iac.backend import (
    LOCAL,
    BackendConfig,
    BackendError,
    config_from,
    default_key,
    parse_backend,
    records_prefix,
    state_object,
    terraform_block,
)
from dtwin_gui.settings import AppSettings, load_settings


@pytest.mark.parametrize(
    "url",
    [
        "local",
        "s3://team-state/dtwin/factory/terraform.tfstate",
        "s3://team-state/t.tfstate?region=eu-west-1&lock=dynamodb:tf-locks&kms=alias/state",
        "azurerm://teamstate01/tfstate/dtwin/factory.tfstate?resource_group=rg-state",
        "gcs://team-state/dtwin/factory",
    ],
)
def test_a_backend_url_round_trips(url):
    config = parse_backend(url)
    assert parse_backend(config.to_url()) == config
    assert config.problems() == []


def test_the_fields_of_each_kind_are_read_from_the_url():
    s3 = parse_backend("s3://team-state/a/b.tfstate?region=eu-west-1&lock=dynamodb:locks")
    assert (s3.kind, s3.bucket, s3.key, s3.region) == (
        "s3",
        "team-state",
        "a/b.tfstate",
        "eu-west-1",
    )
    assert (s3.lock, s3.lock_table, s3.cloud) == ("dynamodb", "locks", "aws")
    azure = parse_backend("azurerm://acct/state/k.tfstate")
    assert (azure.storage_account, azure.container, azure.key, azure.cloud) == (
        "acct",
        "state",
        "k.tfstate",
        "azure",
    )
    gcs = parse_backend("gs://team-state/dtwin/x/")
    assert (gcs.kind, gcs.bucket, gcs.prefix, gcs.cloud) == (
        "gcs",
        "team-state",
        "dtwin/x",
        "google",
    )
    assert parse_backend("") == LOCAL and not LOCAL.remote and LOCAL.cloud is None


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://x/y", "is not a backend"),
        ("s3://Bad_Bucket/key", "bucket: 'Bad_Bucket' is not an S3 bucket name"),
        ("s3://ab/key", "is not an S3 bucket name"),
        ("s3://192.168.1.1/key", "is not an S3 bucket name"),
        ("s3://team-state", "key: empty"),
        ("s3://team-state/a//b", "may not start or end with / nor contain //"),
        ("s3://team-state/k?region=mars", "region: 'mars' is not an AWS region"),
        ("s3://team-state/k?lock=dynamodb:", "lock_table: '' is not a DynamoDB table name"),
        ("s3://team-state/k?lock=flock", "use lock=lockfile or lock=dynamodb:TABLE"),
        ("s3://team-state/k?colour=red", "unknown option(s) colour"),
        ("azurerm://Team_State/c/k", "storage_account: 'Team_State' is not a storage account"),
        ("azurerm://acct/c--x/k", "container: 'c--x' is not a container name"),
        ("azurerm://acct/state", "key: empty"),
        ("gcs://goog-state/p", "bucket: 'goog-state' is not a Cloud Storage bucket name"),
        ("gcs://team-state", "prefix: empty"),
    ],
)
def test_a_wrong_backend_says_which_field_and_why(url, says):
    with pytest.raises(BackendError) as raised:
        parse_backend(url)
    assert says in str(raised.value)


@pytest.mark.parametrize(
    "url",
    [
        "s3://team-state/k?secret_key=abc",
        "s3://team-state/k?access_key=AKIA",
        "azurerm://acct/c/k?sas_token=xyz",
        "gcs://team-state/p?credentials=/tmp/key.json",
    ],
)
def test_credentials_never_go_into_a_backend(url):
    with pytest.raises(BackendError, match="credentials never go into the backend setting"):
        parse_backend(url)


def test_a_saved_backend_with_a_secret_field_is_refused_with_that_reason():
    with pytest.raises(BackendError, match="access_key: credentials never go"):
        config_from({"kind": "s3", "bucket": "team-state", "key": "k", "access_key": "AKIA"})
    with pytest.raises(BackendError, match="kind"):
        config_from({"kind": "consul"})


def test_fields_of_another_kind_are_problems():
    mixed = BackendConfig(kind="local", bucket="team-state")
    assert mixed.problems() == ["bucket: not used by the local backend"]
    azure = BackendConfig(
        kind="azurerm", storage_account="acct", container="state", key="k", lock="dynamodb"
    )
    assert any("blob lease" in p for p in azure.problems())
    both = BackendConfig(kind="s3", bucket="team-state", key="k", lock_table="t")
    assert any("choose one" in p for p in both.problems())
    with pytest.raises(BackendError, match=r"the s3 backend is not usable: .*choose one"):
        both.validated()


def test_the_s3_block_locks_with_the_lock_file_or_dynamodb_and_names_no_credential():
    block = terraform_block(parse_backend("s3://team-state/a/t.tfstate"), region="eu-west-2")
    assert block == {
        "s3": {
            "bucket": "team-state",
            "key": "a/t.tfstate",
            "region": "eu-west-2",
            "encrypt": True,
            "use_lockfile": True,
        }
    }
    dynamo = terraform_block(parse_backend("s3://team-state/t?lock=dynamodb:locks&kms=alias/s"))
    assert dynamo["s3"]["dynamodb_table"] == "locks" and "use_lockfile" not in dynamo["s3"]
    assert dynamo["s3"]["kms_key_id"] == "alias/s" and dynamo["s3"]["region"] == "us-east-1"
    sandbox = terraform_block(parse_backend("s3://team-state/t"), sandbox=True)["s3"]
    assert sandbox["use_path_style"] and sandbox["skip_credentials_validation"]
    for kind_block in (block, dynamo, {"s3": sandbox}):
        text = json.dumps(kind_block)
        assert "endpoint" not in text and "access_key" not in text and "secret" not in text


def test_the_azurerm_and_gcs_blocks():
    azure = terraform_block(parse_backend("azurerm://acct/state/t.tfstate"))
    assert azure == {
        "azurerm": {
            "storage_account_name": "acct",
            "container_name": "state",
            "key": "t.tfstate",
            "use_azuread_auth": True,
        }
    }
    gcs = terraform_block(parse_backend("gcs://team-state/dtwin/x?kms=projects/p/keys/k"))
    assert gcs == {
        "gcs": {
            "bucket": "team-state",
            "prefix": "dtwin/x",
            "kms_encryption_key": "projects/p/keys/k",
        }
    }
    assert terraform_block(LOCAL) is None


def test_the_records_and_the_lock_live_beside_the_state_object():
    s3 = parse_backend("s3://team-state/dtwin/factory/terraform.tfstate")
    assert state_object(s3) == "dtwin/factory/terraform.tfstate"
    assert records_prefix(s3) == "dtwin/factory/terraform.tfstate.dtwin/"
    gcs = parse_backend("gcs://team-state/dtwin/factory")
    assert state_object(gcs) == "dtwin/factory/default.tfstate"
    assert records_prefix(gcs) == "dtwin/factory/default.tfstate.dtwin/"
    assert default_key("factory-twin", "sandbox") == "dtwin/factory-twin/sandbox/terraform.tfstate"


def test_each_target_keeps_its_backend_in_the_app_settings(tmp_path):
    path = tmp_path / "settings.json"
    team = parse_backend("s3://team-state/dtwin/factory/terraform.tfstate")
    save_backend("sandbox", team, move_existing=True, path=path)
    loaded = load_settings(path)
    assert loaded.backend_for("sandbox") == team and loaded.moves_state("sandbox")
    assert loaded.backend_for("aws") == LOCAL and not loaded.moves_state("aws")
    save_backend("sandbox", LOCAL, path=path)  # back to local: the entry goes
    assert load_settings(path).state_backends == {}
    with pytest.raises(BackendProblem, match="bucket"):
        save_backend("aws", BackendConfig(kind="s3", bucket="X", key="k"), path=path)


def test_a_settings_file_with_a_secret_in_a_backend_falls_back_to_the_defaults(tmp_path):
    path = tmp_path / "settings.json"
    backend = {"kind": "s3", "bucket": "team-state", "key": "k", "secret_key": "abc"}
    path.write_text(json.dumps({"state_backends": {"sandbox": {"backend": backend}}}))
    loaded = load_settings(path)
    assert loaded == AppSettings(load_error=loaded.load_error)
    assert "secret_key" in loaded.load_error
