"""Where a deployment's Terraform state lives: the backend of one deployment target.

A :class:`BackendConfig` is saved in the app's settings per target (``sandbox``, ``aws``...),
never in the project folder, and holds no secret: credentials reach Terraform (and dtwin's
own calls) from the target's sign-in, through the process environment, as for the rest of
the deploy. Kinds:

``local``
    ``terraform.tfstate`` in the deployment workspace (one person, one machine).
``s3``
    ``bucket`` + ``key`` (+ ``region``; lock ``lockfile``: S3's own conditional writes,
    Terraform >= 1.10, or ``dynamodb`` with ``lock_table``; ``kms_key_id`` for SSE-KMS,
    else SSE-S3). ``s3://bucket/key?region=eu-west-1&lock=dynamodb:table&kms=alias/x``.
``azurerm``
    ``storage_account`` + ``container`` + ``key`` (Entra ID sign-in, blob leases lock it;
    ``resource_group`` is where "create it for me" makes the account).
    ``azurerm://account/container/key?resource_group=rg``.
``gcs``
    ``bucket`` + ``prefix`` (state ``<prefix>/default.tfstate``; ``kms_key_id`` for a
    customer-managed key). ``gcs://bucket/prefix`` (``gs://`` too).

Beside the state, dtwin keeps the deployment's own records (SDK steps' state, what the
sandbox provisioned, the last deploy's fingerprint and outputs) and its deploy lock under
:func:`records_prefix` in the same bucket or container.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import parse_qsl, quote, urlencode

from pydantic import BaseModel, ConfigDict, ValidationError

BackendKind = Literal["local", "s3", "azurerm", "gcs"]
KINDS: tuple[str, ...] = ("local", "s3", "azurerm", "gcs")
#: The cloud whose sign-in reaches each remote kind.
CLOUD_OF_KIND = {"s3": "aws", "azurerm": "azure", "gcs": "google"}
KIND_LABELS = {
    "local": "In the workspace (this computer only)",
    "s3": "Amazon S3",
    "azurerm": "Azure Blob Storage",
    "gcs": "Google Cloud Storage",
}
#: The state object of a gcs backend's default workspace, under its prefix.
GCS_STATE_NAME = "default.tfstate"
#: Suffix of the folder of dtwin's own records beside the state object.
RECORDS_SUFFIX = ".dtwin/"
_URL_SCHEMES = {"s3": "s3", "azurerm": "azurerm", "gcs": "gcs", "gs": "gcs"}
_SECRET_WORDS = re.compile(r"key|secret|token|password|sas|credential", re.IGNORECASE)


class BackendError(ValueError):
    """A backend setting is wrong; the message says which field and what to do."""


class BackendConfig(BaseModel):
    """One target's Terraform backend (see the module docstring). No secret fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: BackendKind = "local"
    bucket: str = ""
    key: str = ""
    prefix: str = ""
    region: str = ""
    lock: Literal["lockfile", "dynamodb"] = "lockfile"
    lock_table: str = ""
    kms_key_id: str = ""
    storage_account: str = ""
    container: str = ""
    resource_group: str = ""

    @property
    def remote(self) -> bool:
        return self.kind != "local"

    @property
    def cloud(self) -> str | None:
        """The cloud whose sign-in this backend needs (None: local)."""
        return CLOUD_OF_KIND.get(self.kind)

    def problems(self) -> list[str]:
        """Every problem of this configuration, each naming its field ([] when valid)."""
        return _CHECKS[self.kind](self)

    def validated(self) -> BackendConfig:
        """This configuration, or :class:`BackendError` listing its problems."""
        problems = self.problems()
        if problems:
            raise BackendError(f"the {self.kind} backend is not usable: " + "; ".join(problems))
        return self

    def to_url(self) -> str:
        """The ``--backend`` form of this configuration (round-trips :func:`parse_backend`)."""
        if self.kind == "local":
            return "local"
        query: dict[str, str] = {}
        if self.kind == "s3":
            path = f"{self.bucket}/{self.key}"
            if self.region:
                query["region"] = self.region
            if self.lock == "dynamodb":
                query["lock"] = f"dynamodb:{self.lock_table}"
        elif self.kind == "azurerm":
            path = f"{self.storage_account}/{self.container}/{self.key}"
            if self.resource_group:
                query["resource_group"] = self.resource_group
        else:
            path = f"{self.bucket}/{self.prefix}"
        if self.kms_key_id:
            query["kms"] = self.kms_key_id
        text = f"{self.kind}://{quote(path, safe='/._-~:')}"
        return text + (f"?{urlencode(query, safe=':/')}" if query else "")

    def describe(self) -> str:
        """One line for logs and the GUI (``s3://bucket/key``, ``the workspace``)."""
        return "the workspace (local state)" if self.kind == "local" else self.to_url()


LOCAL = BackendConfig()


def parse_backend(text: str) -> BackendConfig:
    """``local``, ``s3://bucket/key[?region=&lock=dynamodb:TABLE&kms=]``,
    ``azurerm://account/container/key[?resource_group=]`` or ``gcs://bucket/prefix`` as a
    validated :class:`BackendConfig`; :class:`BackendError` says what is wrong."""
    text = (text or "").strip()
    if text in ("", "local"):
        return LOCAL
    scheme, sep, rest = text.partition("://")
    kind = _URL_SCHEMES.get(scheme.lower())
    if not sep or kind is None:
        raise BackendError(
            f"{text!r} is not a backend: use local, s3://BUCKET/KEY, "
            "azurerm://ACCOUNT/CONTAINER/KEY or gcs://BUCKET/PREFIX"
        )
    path, _, query_text = rest.partition("?")
    query = dict(parse_qsl(query_text, keep_blank_values=True))
    secret = sorted(k for k in query if _SECRET_WORDS.search(k) and k != "kms")
    if secret:
        raise BackendError(
            f"{', '.join(secret)}: credentials never go into the backend setting; they come "
            "from your sign-in (profile, az login, application default credentials)"
        )
    fields: dict[str, str] = {"kind": kind}
    if kind == "s3":
        bucket, _, key = path.partition("/")
        fields.update(bucket=bucket, key=key, region=query.pop("region", ""))
        lock = query.pop("lock", "lockfile")
        if lock.startswith("dynamodb:"):
            fields.update(lock="dynamodb", lock_table=lock.split(":", 1)[1])
        elif lock != "lockfile":
            raise BackendError(f"lock={lock}: use lock=lockfile or lock=dynamodb:TABLE")
    elif kind == "azurerm":
        parts = [*path.split("/", 2), "", ""]
        fields.update(storage_account=parts[0], container=parts[1], key=parts[2])
        fields["resource_group"] = query.pop("resource_group", "")
    else:
        bucket, _, prefix = path.partition("/")
        fields.update(bucket=bucket, prefix=prefix.rstrip("/"))
    fields["kms_key_id"] = query.pop("kms", "")
    if query:
        raise BackendError(f"{text}: unknown option(s) {', '.join(sorted(query))}")
    return config_from(fields).validated()


def config_from(fields: dict) -> BackendConfig:
    """A :class:`BackendConfig` from a mapping (settings file, dialog); :class:`BackendError`
    for unknown or secret-looking fields."""
    try:
        return BackendConfig.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "backend"
        if first["type"] == "extra_forbidden" and _SECRET_WORDS.search(where):
            raise BackendError(
                f"{where}: credentials never go into the backend setting; they come from "
                "your sign-in"
            ) from None
        raise BackendError(f"{where}: {first['msg']}") from None


def default_key(twin_name: str, target: str) -> str:
    """The state key dtwin suggests: ``dtwin/<twin>/<target>/terraform.tfstate``."""
    return f"dtwin/{twin_name}/{target}/terraform.tfstate"


def state_object(config: BackendConfig) -> str:
    """The object (key) that holds the state in its bucket or container."""
    if config.kind == "gcs":
        return f"{config.prefix}/{GCS_STATE_NAME}" if config.prefix else GCS_STATE_NAME
    return config.key


def records_prefix(config: BackendConfig) -> str:
    """Where dtwin's own records and deploy lock live beside the state: ``<state>.dtwin/``."""
    return state_object(config) + RECORDS_SUFFIX


def terraform_block(
    config: BackendConfig, *, sandbox: bool = False, region: str = ""
) -> dict[str, dict] | None:
    """The root's ``terraform.backend`` block (None for ``local``). No credential and no
    endpoint: those come from the environment (``AWS_ENDPOINT_URL`` in the sandbox, whose
    port changes at each start, so the block stays the same)."""
    if config.kind == "local":
        return None
    if config.kind == "s3":
        block: dict = {
            "bucket": config.bucket,
            "key": config.key,
            "region": config.region or region or "us-east-1",
            "encrypt": True,
        }
        if config.kms_key_id:
            block["kms_key_id"] = config.kms_key_id
        if config.lock == "dynamodb":
            block["dynamodb_table"] = config.lock_table
        else:
            block["use_lockfile"] = True
        if sandbox:  # moto on loopback: no STS/metadata look-ups, path-style addressing
            block.update(
                use_path_style=True,
                skip_credentials_validation=True,
                skip_requesting_account_id=True,
                skip_metadata_api_check=True,
                skip_region_validation=True,
            )
        return {"s3": block}
    if config.kind == "azurerm":
        block = {
            "storage_account_name": config.storage_account,
            "container_name": config.container,
            "key": config.key,
            "use_azuread_auth": True,
        }
        return {"azurerm": block}
    block = {"bucket": config.bucket, "prefix": config.prefix}
    if config.kms_key_id:
        block["kms_encryption_key"] = config.kms_key_id
    return {"gcs": block}


# --- validation ---------------------------------------------------------------------------
_S3_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IP = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
_AWS_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
_DYNAMODB_TABLE = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
_AZ_ACCOUNT = re.compile(r"^[a-z0-9]{3,24}$")
_AZ_CONTAINER = re.compile(r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")
_GCS_BUCKET = re.compile(r"^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$")


def _key_problems(field: str, key: str, *, required: bool = True) -> list[str]:
    if not key:
        return [f"{field}: empty; name the object that holds the state"] if required else []
    if key.startswith("/") or key.endswith("/") or "//" in key:
        return [f"{field}: {key!r} may not start or end with / nor contain //"]
    if len(key.encode()) > 1000:
        return [f"{field}: longer than 1000 bytes"]
    return []


def _local(config: BackendConfig) -> list[str]:
    used = [
        name
        for name in ("bucket", "key", "prefix", "storage_account", "container", "lock_table")
        if getattr(config, name)
    ]
    return [f"{', '.join(used)}: not used by the local backend"] if used else []


def _s3(config: BackendConfig) -> list[str]:
    out = []
    if not _S3_BUCKET.match(config.bucket) or ".." in config.bucket or _IP.match(config.bucket):
        out.append(
            f"bucket: {config.bucket!r} is not an S3 bucket name (3-63 lowercase letters, "
            "digits, dots and hyphens, starting and ending with a letter or digit)"
        )
    out += _key_problems("key", config.key)
    if config.region and not _AWS_REGION.match(config.region):
        out.append(f"region: {config.region!r} is not an AWS region (like eu-west-1)")
    if config.lock == "dynamodb" and not _DYNAMODB_TABLE.match(config.lock_table):
        out.append(
            f"lock_table: {config.lock_table!r} is not a DynamoDB table name (3-255 letters, "
            "digits, _ . -); name the lock table, or use the S3 lock file"
        )
    if config.lock != "dynamodb" and config.lock_table:
        out.append("lock_table: set, but the lock is the S3 lock file; choose one")
    return out


def _azurerm(config: BackendConfig) -> list[str]:
    out = []
    if not _AZ_ACCOUNT.match(config.storage_account):
        out.append(
            f"storage_account: {config.storage_account!r} is not a storage account name "
            "(3-24 lowercase letters and digits)"
        )
    if not _AZ_CONTAINER.match(config.container):
        out.append(
            f"container: {config.container!r} is not a container name (3-63 lowercase "
            "letters, digits and single hyphens, starting and ending with a letter or digit)"
        )
    out += _key_problems("key", config.key)
    if config.lock != "lockfile" or config.lock_table:
        out.append("lock: Azure Blob locks the state with a blob lease; no lock table")
    return out


def _gcs(config: BackendConfig) -> list[str]:
    out = []
    bucket = config.bucket
    if not _GCS_BUCKET.match(bucket) or bucket.startswith("goog") or "google" in bucket:
        out.append(
            f"bucket: {bucket!r} is not a Cloud Storage bucket name (3-63 lowercase letters, "
            "digits, - _ and ., not starting with goog)"
        )
    out += _key_problems("prefix", config.prefix)
    if config.lock != "lockfile" or config.lock_table:
        out.append("lock: Cloud Storage locks the state with its own lock object; no table")
    return out


_CHECKS = {"local": _local, "s3": _s3, "azurerm": _azurerm, "gcs": _gcs}
