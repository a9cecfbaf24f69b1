"""The gcs backend: a Cloud Storage bucket as the state's home (google-cloud-storage).

The plugin's ``state_backend`` part, :func:`state_backend` ``(config, connection)``:

* :meth:`GcsStateBackend.objects`: the bucket as an
  :class:`~dtwin_gui.deploy.remote_objects.ObjectStore` (``ifGenerationMatch=0`` for a new
  object, ``ifGenerationMatch=<generation>`` to replace or remove one);
* :meth:`GcsStateBackend.create`: the bucket in the connection's region (or ``region``)
  with object versioning, uniform bucket-level access and public access prevention
  *enforced*; encrypted at rest by Google, or by ``kms_key_id`` (a Cloud KMS key) by default.
  On an existing bucket of the project those settings are patched in;
* :meth:`GcsStateBackend.inspect`: those settings read back (neutral shape, see
  :func:`dtwin_gui.app.backend.check_backend`).

The sandbox's fake-gcs-server serves buckets, versioning and the generation preconditions
(tested there); it neither enforces public access prevention nor encrypts, and Terraform's
gcs backend is not pointed at it: the sandbox keeps team state in S3 on its AWS.
"""

from __future__ import annotations

from collections.abc import Callable

from dtwin_gui.deploy.remote_objects import ObjectConflict, ObjectStoreError, StoredObject


class GcsObjects:
    """One bucket as an ObjectStore."""

    def __init__(self, bucket) -> None:
        self.bucket = bucket

    def where(self, key: str) -> str:
        return f"gs://{self.bucket.name}/{key}"

    def _failed(self, exc, key: str, action: str) -> ObjectStoreError:
        code = getattr(exc, "code", 0)
        if code in (409, 412):
            return ObjectConflict(f"{self.where(key)}: precondition failed")
        if code == 404:
            return ObjectStoreError(
                f"the state bucket {self.bucket.name} does not exist: create it (Settings -> "
                "State backend -> Create it for me, or dtwin backend create URL)"
            )
        if code == 403:
            return ObjectStoreError(
                f"{action} {self.where(key)} was refused: the signed-in identity needs "
                "roles/storage.objectAdmin on the bucket"
            )
        return ObjectStoreError(f"{action} {self.where(key)} failed: {exc}")

    def get(self, key: str) -> StoredObject | None:
        from google.api_core.exceptions import GoogleAPIError, NotFound

        blob = self.bucket.blob(key)
        try:
            data = blob.download_as_bytes()
        except NotFound as exc:
            if "bucket" in str(exc).lower() and "object" not in str(exc).lower():
                raise self._failed(exc, key, "reading") from None
            return None
        except GoogleAPIError as exc:
            raise self._failed(exc, key, "reading") from None
        return StoredObject(data, str(blob.generation or ""))

    def put(self, key: str, data: bytes, *, if_absent: bool = False, if_version: str = "") -> str:
        from google.api_core.exceptions import GoogleAPIError

        blob = self.bucket.blob(key)
        options: dict = {"content_type": "application/json"}
        if if_absent:
            options["if_generation_match"] = 0
        elif if_version:
            options["if_generation_match"] = int(if_version)
        try:
            blob.upload_from_string(data, **options)
        except GoogleAPIError as exc:
            raise self._failed(exc, key, "writing") from None
        return str(blob.generation or "")

    def delete(self, key: str, *, if_version: str = "") -> None:
        from google.api_core.exceptions import GoogleAPIError, NotFound

        options = {"if_generation_match": int(if_version)} if if_version else {}
        try:
            self.bucket.blob(key).delete(**options)
        except NotFound:
            return
        except GoogleAPIError as exc:
            raise self._failed(exc, key, "removing") from None


class GcsStateBackend:
    def __init__(self, config, connection) -> None:
        self.config, self.connection = config, connection

    def _client(self):
        from google.cloud import storage

        options = {}
        if self.connection.is_sandbox:
            options["client_options"] = {"api_endpoint": self.connection.gcs_url}
        return storage.Client(
            project=self.connection.project_id() or None,
            credentials=self.connection.credentials(),
            **options,
        )

    def objects(self) -> GcsObjects:
        return GcsObjects(self._client().bucket(self.config.bucket))

    def create(self, log: Callable[[str], None] = lambda message: None) -> list[str]:
        from google.api_core.exceptions import Conflict, GoogleAPIError

        client = self._client()
        bucket = client.bucket(self.config.bucket)
        self._secure(bucket)
        try:
            client.create_bucket(bucket, location=self.config.region or self.connection.region)
            done = [f"created the bucket {self.config.bucket}"]
        except Conflict:
            try:
                bucket = client.get_bucket(self.config.bucket)
            except GoogleAPIError:
                raise ObjectStoreError(
                    f"the bucket name {self.config.bucket} is taken by another project "
                    "(bucket names are global): choose another name"
                ) from None
            self._secure(bucket)
            try:
                bucket.patch()
            except GoogleAPIError as exc:
                raise ObjectStoreError(
                    f"{self.config.bucket}: could not be secured: {exc}"
                ) from None
            done = [f"the bucket {self.config.bucket} exists: its settings were brought in line"]
        except GoogleAPIError as exc:
            raise ObjectStoreError(
                f"creating the bucket {self.config.bucket} failed: {exc}"
            ) from None
        done.append("versioning on, uniform access, public access prevention enforced")
        if self.config.kms_key_id:
            done.append(f"encrypted by default with {self.config.kms_key_id}")
        for line in done:
            log(line)
        return done

    def _secure(self, bucket) -> None:
        bucket.versioning_enabled = True
        bucket.iam_configuration.uniform_bucket_level_access_enabled = True
        bucket.iam_configuration.public_access_prevention = "enforced"
        if self.config.kms_key_id:
            bucket.default_kms_key_name = self.config.kms_key_id

    def inspect(self) -> dict:
        from google.api_core.exceptions import NotFound

        try:
            bucket = self._client().get_bucket(self.config.bucket)
        except NotFound:
            return {"bucket": self.config.bucket, "exists": False}
        prevention = bucket.iam_configuration.public_access_prevention
        return {
            "bucket": self.config.bucket,
            "exists": True,
            "versioning": bool(bucket.versioning_enabled),
            # Google encrypts every object at rest; a default KMS key is the customer's own
            "encryption": bucket.default_kms_key_name or "Google-managed",
            "public_access_blocked": prevention == "enforced",
            "uniform_access": bool(bucket.iam_configuration.uniform_bucket_level_access_enabled),
        }


def state_backend(config, connection) -> GcsStateBackend:
    """The plugin's ``state_backend`` part."""
    return GcsStateBackend(config, connection)
