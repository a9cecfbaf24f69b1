"""The S3 state backend's "create it for me" and its object store, on moto behind the sandbox
gateway (issue 17): versioning, default encryption, all four public access blocks, the
DynamoDB lock table, conditional writes. The TLS-only bucket policy is made on real AWS
only (the sandbox serves plain HTTP): its document is checked, not enforced here."""

from __future__ import annotations

import json

import pytest

from dtwin_gui.app.backend import BackendProblem, check_backend, create_backend
from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.clouds.aws.state_backend import PUBLIC_ACCESS_BLOCK, state_backend
from dtwin_gui.clouds.base import SANDBOX, Connections
from dtwin_gui.deploy.remote_objects import ObjectConflict, ObjectStoreError
from dtwin_gui.iac.backend import parse_backend


@pytest.fixture
def connections(aws):
    return Connections(SANDBOX, {"aws": sandbox_target(aws.endpoint, aws.region)})


def test_create_makes_a_versioned_encrypted_private_bucket_and_a_lock_table(aws, connections):
    config = parse_backend("s3://team-state/dtwin/t/terraform.tfstate?lock=dynamodb:tf-locks")
    lines: list[str] = []
    report = create_backend(config, connections, log=lines.append)
    assert report.done[0] == "created the bucket team-state in us-east-1"
    assert "created the lock table tf-locks (on-demand, key LockID)" in report.done
    assert lines == [line for line in lines if line]  # every step said what it did
    assert report.weaknesses == []
    s3 = aws.client("s3")
    assert s3.get_bucket_versioning(Bucket="team-state")["Status"] == "Enabled"
    rule = s3.get_bucket_encryption(Bucket="team-state")["ServerSideEncryptionConfiguration"]
    assert rule["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    block = s3.get_public_access_block(Bucket="team-state")["PublicAccessBlockConfiguration"]
    assert block == PUBLIC_ACCESS_BLOCK
    ownership = s3.get_bucket_ownership_controls(Bucket="team-state")["OwnershipControls"]
    assert ownership["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    table = aws.client("dynamodb").describe_table(TableName="tf-locks")["Table"]
    assert table["KeySchema"] == [{"AttributeName": "LockID", "KeyType": "HASH"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    # again: nothing is lost, the settings stay
    again = create_backend(config, connections)
    assert (
        again.done[0] == "the bucket team-state exists in this account: its settings were checked"
    )
    assert "the lock table tf-locks exists with the key LockID" in again.done


def test_create_with_a_kms_key_uses_sse_kms(aws, connections):
    create_backend(parse_backend("s3://team-state/t?kms=alias/dtwin-state"), connections)
    rules = aws.client("s3").get_bucket_encryption(Bucket="team-state")
    default = rules["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert default["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": "alias/dtwin-state",
    }
    assert default["BucketKeyEnabled"] is True


def test_an_existing_bucket_made_elsewhere_is_checked_and_brought_in_line(aws, connections):
    aws.client("s3").create_bucket(Bucket="made-by-hand")
    config = parse_backend("s3://made-by-hand/t")
    report = check_backend(config, connections)
    assert report.weaknesses == [
        "versioning is off (an overwritten state could not be restored)",
        "default encryption is off",
        "public access is not blocked",
    ]
    assert create_backend(config, connections).weaknesses == []
    assert check_backend(config, connections).weaknesses == []
    assert check_backend(parse_backend("s3://not-there/t"), connections).weaknesses == [
        "it does not exist"
    ]


def test_a_lock_table_with_another_key_is_refused(aws, connections):
    aws.client("dynamodb").create_table(
        TableName="other",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    with pytest.raises(BackendProblem, match="its key is not the string LockID"):
        create_backend(parse_backend("s3://team-state/t?lock=dynamodb:other"), connections)


def test_the_tls_only_policy_denies_plain_http_on_real_aws(aws):
    """The policy a real-AWS backend bucket gets, put on a bucket of the emulated S3 and read
    back (the sandbox's own buckets do without it: the sandbox is plain HTTP on loopback, and
    moto does not enforce bucket policies)."""
    from dtwin_gui.clouds.aws.connection import AwsConnection

    arn = "arn:aws:s3:::team-state-tls"
    client = aws.client("s3")
    client.create_bucket(Bucket="team-state-tls")
    backend = state_backend(parse_backend("s3://team-state-tls/t"), AwsConnection("aws"))
    backend._tls_only(client, "team-state-tls")
    policy = json.loads(client.get_bucket_policy(Bucket="team-state-tls")["Policy"])
    assert policy["Statement"] == [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [arn, f"{arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]


def test_the_bucket_as_an_object_store_writes_conditionally_and_encrypted(aws, connections):
    config = parse_backend("s3://team-state/t")
    create_backend(config, connections)
    objects = state_backend(config, connections["aws"]).objects()
    first = objects.put("k", b'{"a": 1}', if_absent=True)
    with pytest.raises(ObjectConflict):
        objects.put("k", b'{"a": 2}', if_absent=True)
    second = objects.put("k", b'{"a": 3}', if_version=first)
    with pytest.raises(ObjectConflict):
        objects.put("k", b'{"a": 4}', if_version=first)
    with pytest.raises(ObjectConflict):
        objects.delete("k", if_version=first)
    assert objects.get("k").data == b'{"a": 3}'
    head = aws.client("s3").head_object(Bucket="team-state", Key="k")
    assert head["ServerSideEncryption"] == "AES256"
    objects.delete("k", if_version=second)
    assert objects.get("k") is None
    objects.delete("k")  # absent: no error
    versions = aws.client("s3").list_object_versions(Bucket="team-state", Prefix="k")
    assert len(versions["Versions"]) == 2  # versioning keeps what was overwritten
    with pytest.raises(ObjectStoreError, match="the state bucket nope does not exist"):
        state_backend(parse_backend("s3://nope/t"), connections["aws"]).objects().put("k", b"")
