"""The S3 backend: the state bucket (and its DynamoDB lock table) through boto3.

The plugin's ``state_backend`` part: :func:`state_backend` ``(config, connection)`` gives an
:class:`S3StateBackend` with

* :meth:`~S3StateBackend.objects`: the bucket as an
  :class:`~dtwin_gui.deploy.remote_objects.ObjectStore` (conditional writes with
  ``If-None-Match: *`` / ``If-Match``; every object written with server-side encryption);
* :meth:`~S3StateBackend.create`: "create it for me": the bucket with versioning, default
  encryption (SSE-S3, or SSE-KMS with ``kms_key_id``), the public access block on all four
  settings, ACLs disabled (bucket owner enforced) and a policy refusing plain-HTTP access;
  with ``lock = "dynamodb"`` the lock table (``LockID`` string key, on-demand). Running it
  again on an existing bucket of this account brings it to those settings;
* :meth:`~S3StateBackend.inspect`: the bucket's settings, read back, in the neutral shape
  :func:`dtwin_gui.app.backend.check_backend` judges (``exists``, ``versioning``,
  ``encryption``, ``public_access_blocked``, ``lock_table``).

In the sandbox the same calls go to moto (the endpoint of the connection).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from dtwin_gui.deploy.remote_objects import ObjectConflict, ObjectStoreError, StoredObject

_CONFLICT_CODES = {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}
_MISSING_CODES = {"NoSuchKey", "404", "NotFound"}
PUBLIC_ACCESS_BLOCK = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def _code(exc) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def _status(exc) -> int:
    return int(getattr(exc, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


class S3Objects:
    """One bucket as an ObjectStore."""

    def __init__(self, client, bucket: str, *, kms_key_id: str = "") -> None:
        self.client, self.bucket = client, bucket
        self._sse = (
            {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_id}
            if kms_key_id
            else {"ServerSideEncryption": "AES256"}
        )

    def where(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def _failed(self, exc, key: str, action: str) -> ObjectStoreError:
        code = _code(exc)
        if code in _CONFLICT_CODES or _status(exc) in (409, 412):
            return ObjectConflict(f"{self.where(key)}: {code or 'precondition failed'}")
        if code == "NoSuchBucket":
            return ObjectStoreError(
                f"the state bucket {self.bucket} does not exist: create it (Settings -> State "
                "backend -> Create it for me, or dtwin deploy --backend ... --create-backend)"
            )
        if code in ("AccessDenied", "403", "AllAccessDisabled"):
            return ObjectStoreError(
                f"{action} {self.where(key)} was refused (AccessDenied): the signed-in identity "
                "needs s3:GetObject, s3:PutObject, s3:DeleteObject and s3:ListBucket on it"
            )
        return ObjectStoreError(f"{action} {self.where(key)} failed: {code or exc}")

    def get(self, key: str) -> StoredObject | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            reply = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _code(exc) in _MISSING_CODES:
                return None
            raise self._failed(exc, key, "reading") from None
        except BotoCoreError as exc:
            raise ObjectStoreError(f"reading {self.where(key)} failed: {exc}") from None
        return StoredObject(reply["Body"].read(), str(reply.get("ETag", "")))

    def put(self, key: str, data: bytes, *, if_absent: bool = False, if_version: str = "") -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        extra = dict(self._sse)
        if if_absent:
            extra["IfNoneMatch"] = "*"
        if if_version:
            extra["IfMatch"] = if_version
        try:
            reply = self.client.put_object(
                Bucket=self.bucket, Key=key, Body=data, ContentType="application/json", **extra
            )
        except ClientError as exc:
            raise self._failed(exc, key, "writing") from None
        except BotoCoreError as exc:
            raise ObjectStoreError(f"writing {self.where(key)} failed: {exc}") from None
        return str(reply.get("ETag", ""))

    def delete(self, key: str, *, if_version: str = "") -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        extra = {"IfMatch": if_version} if if_version else {}
        try:
            self.client.delete_object(Bucket=self.bucket, Key=key, **extra)
        except ClientError as exc:
            if _code(exc) in _MISSING_CODES:
                return
            raise self._failed(exc, key, "removing") from None
        except BotoCoreError as exc:
            raise ObjectStoreError(f"removing {self.where(key)} failed: {exc}") from None


class S3StateBackend:
    def __init__(self, config, connection) -> None:
        self.config, self.connection = config, connection
        self.region = config.region or connection.region

    def _client(self, service: str):
        return self.connection.client(service)

    def objects(self) -> S3Objects:
        return S3Objects(self._client("s3"), self.config.bucket, kms_key_id=self.config.kms_key_id)

    # --- create it for me -------------------------------------------------------------------
    def create(self, log: Callable[[str], None] = lambda message: None) -> list[str]:
        """Make (or bring to the safe settings) the bucket and the lock table; returns one
        line per thing done."""
        from botocore.exceptions import ClientError

        s3, bucket, done = self._client("s3"), self.config.bucket, []
        try:
            s3.head_bucket(Bucket=bucket)  # us-east-1 answers "created" for an existing one
            exists = True
        except ClientError:
            exists = False
        try:
            if exists:
                raise ClientError({"Error": {"Code": "BucketAlreadyOwnedByYou"}}, "HeadBucket")
            where = {}
            if self.region != "us-east-1":
                where = {"CreateBucketConfiguration": {"LocationConstraint": self.region}}
            s3.create_bucket(Bucket=bucket, ObjectOwnership="BucketOwnerEnforced", **where)
            done.append(f"created the bucket {bucket} in {self.region}")
        except ClientError as exc:
            if _code(exc) == "BucketAlreadyExists":
                raise ObjectStoreError(
                    f"the bucket name {bucket} is taken by another AWS account (bucket names "
                    "are global): choose another name"
                ) from None
            if _code(exc) != "BucketAlreadyOwnedByYou":
                raise ObjectStoreError(
                    f"creating the bucket {bucket} failed: {_code(exc) or exc}"
                ) from None
            done.append(f"the bucket {bucket} exists in this account: its settings were checked")
        log(done[-1])
        steps = [
            ("blocked all public access", self._block_public),
            ("turned versioning on", self._versioning),
            ("turned default encryption on", self._encryption),
        ]
        if self.connection.is_sandbox:  # moto answers on plain HTTP (loopback only)
            log("the sandbox serves plain HTTP on loopback: no TLS-only bucket policy there")
        else:
            steps.append(("refused plain-HTTP access (bucket policy)", self._tls_only))
        for what, step in steps:
            try:
                step(s3, bucket)
            except ClientError as exc:
                raise ObjectStoreError(
                    f"{bucket}: could not be {what}: {_code(exc) or exc}"
                ) from None
            done.append(what)
            log(what)
        if self.config.lock == "dynamodb":
            done.append(self._lock_table())
            log(done[-1])
        return done

    def _block_public(self, s3, bucket: str) -> None:
        s3.put_public_access_block(
            Bucket=bucket, PublicAccessBlockConfiguration=dict(PUBLIC_ACCESS_BLOCK)
        )

    def _versioning(self, s3, bucket: str) -> None:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})

    def _encryption(self, s3, bucket: str) -> None:
        rule: dict = {"SSEAlgorithm": "AES256"}
        if self.config.kms_key_id:
            rule = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": self.config.kms_key_id}
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": rule, "BucketKeyEnabled": True}]
            },
        )

    def _tls_only(self, s3, bucket: str) -> None:
        arn = f"arn:aws:s3:::{bucket}"
        statement = {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [arn, f"{arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
        policy = {"Version": "2012-10-17", "Statement": [statement]}
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))

    def _lock_table(self) -> str:
        from botocore.exceptions import ClientError

        dynamodb, table = self._client("dynamodb"), self.config.lock_table
        try:
            dynamodb.create_table(
                TableName=table,
                KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
                SSESpecification={"Enabled": True},
            )
            made = f"created the lock table {table} (on-demand, key LockID)"
        except ClientError as exc:
            if _code(exc) != "ResourceInUseException":
                raise ObjectStoreError(
                    f"creating the lock table {table} failed: {_code(exc)}"
                ) from None
            keys = dynamodb.describe_table(TableName=table)["Table"]["KeySchema"]
            if keys != [{"AttributeName": "LockID", "KeyType": "HASH"}]:
                raise ObjectStoreError(
                    f"the table {table} exists but its key is not the string LockID that "
                    "Terraform's lock needs: choose another table name"
                ) from None
            made = f"the lock table {table} exists with the key LockID"
        dynamodb.get_waiter("table_exists").wait(
            TableName=table, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )
        return made

    # --- read back -------------------------------------------------------------------------
    def inspect(self) -> dict:
        """The bucket's settings as S3 reports them (``exists`` False when there is none)."""
        from botocore.exceptions import ClientError

        s3, bucket = self._client("s3"), self.config.bucket
        out: dict = {"bucket": bucket, "exists": True}
        try:
            s3.head_bucket(Bucket=bucket)
        except ClientError:
            return {"bucket": bucket, "exists": False}
        status = s3.get_bucket_versioning(Bucket=bucket).get("Status", "")
        out["versioning"] = status == "Enabled"
        try:
            rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
            default = rules["Rules"][0]["ApplyServerSideEncryptionByDefault"]
            out["encryption"] = default.get("SSEAlgorithm", "")
        except (ClientError, KeyError, IndexError):
            out["encryption"] = ""
        try:
            block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        except ClientError:
            block = {}
        out["public_access_block"] = {k: bool(block.get(k)) for k in PUBLIC_ACCESS_BLOCK}
        out["public_access_blocked"] = all(out["public_access_block"].values())
        if self.config.lock == "dynamodb":
            try:
                table = self._client("dynamodb").describe_table(TableName=self.config.lock_table)
                out["lock_table"] = table["Table"]["TableStatus"]
            except ClientError:
                out["lock_table"] = "missing"
        return out


def state_backend(config, connection) -> S3StateBackend:
    """The plugin's ``state_backend`` part."""
    return S3StateBackend(config, connection)
