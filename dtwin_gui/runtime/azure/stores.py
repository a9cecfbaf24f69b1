"""Cosmos DB hot store and Blob object stores (the HotStore / ObjectStore ports).

The queries work on Azure and on the sandbox's cosmosdb-server alike: no OFFSET/LIMIT, no
transactional batch, and no point reads (the emulator answers 500 for a missing item).
"""

from __future__ import annotations

import contextlib
import hashlib
import time

from dtwin_gui.runtime.core.ports import ObjectInfo
from dtwin_gui.runtime.core.records import parse_timestamp

#: Cosmos system and key properties never returned to callers.
_SYSTEM = frozenset({"id", "ttl", "_rid", "_self", "_etag", "_attachments", "_ts", "_lsn"})
COLD_TIER = "Cool"
ARCHIVE_TIER = "Archive"


class CosmosHotStore:
    """Hot records in a Cosmos container partitioned on ``/device_id``, ``id`` = timestamp."""

    def __init__(self, container, *, ttl_days: int | None = None, now=time.time):
        self.container = container
        self.ttl_days = ttl_days
        self._now = now

    def put(self, record: dict) -> None:
        item = {k: v for k, v in record.items() if v is not None}
        item["id"] = record["timestamp"]
        if self.ttl_days:
            # Per-item TTL counts from the write: what is left of the record's hot days.
            expires = parse_timestamp(record["timestamp"]).timestamp() + self.ttl_days * 86400
            item["ttl"] = max(1, int(expires - self._now()))
        self.container.upsert_item(item)

    @staticmethod
    def _record(item: dict) -> dict:
        return {k: v for k, v in item.items() if k not in _SYSTEM}

    def _items(self, sql: str, parameters: list[dict], *, device_id: str | None, limit: int):
        kwargs = {"query": sql, "parameters": parameters, "max_item_count": max(1, limit)}
        if device_id is None:
            kwargs["enable_cross_partition_query"] = True
        else:
            kwargs["partition_key"] = device_id
        out: list[dict] = []
        for item in self.container.query_items(**kwargs):
            out.append(self._record(item))
            if len(out) >= limit:
                break
        return out

    def query(self, device_id, *, start=None, end=None, limit=100, newest_first=False, after=None):
        where = ["c.device_id = @d"]
        params = [{"name": "@d", "value": device_id}]
        if start is not None:
            where.append("c.timestamp >= @lo")
            params.append({"name": "@lo", "value": start})
        if end is not None:
            where.append("c.timestamp <= @hi")
            params.append({"name": "@hi", "value": end})
        if after is not None:
            where.append("c.timestamp < @after" if newest_first else "c.timestamp > @after")
            params.append({"name": "@after", "value": after})
        order = "DESC" if newest_first else "ASC"
        sql = f"SELECT * FROM c WHERE {' AND '.join(where)} ORDER BY c.timestamp {order}"
        return self._items(sql, params, device_id=device_id, limit=limit)

    def older_than(self, cutoff: str, *, limit: int) -> list[dict]:
        sql = "SELECT * FROM c WHERE c.timestamp < @c"
        items = self._items(sql, [{"name": "@c", "value": cutoff}], device_id=None, limit=10**9)
        items.sort(key=lambda r: (r["device_id"], r["timestamp"]))
        return items[:limit]

    def delete(self, keys: list[tuple[str, str]]) -> None:
        from azure.cosmos.exceptions import CosmosResourceNotFoundError

        for device_id, timestamp in keys:
            with contextlib.suppress(CosmosResourceNotFoundError):
                self.container.delete_item(item=timestamp, partition_key=device_id)


class BlobObjectStore:
    """JSON Lines objects in a Blob container, written at the store's access tier."""

    def __init__(self, container_client, *, tier: str = COLD_TIER):
        self.container = container_client
        self.tier = tier

    def put(self, key: str, data: bytes) -> None:
        from azure.storage.blob import ContentSettings, StandardBlobTier

        digest = hashlib.md5(data, usedforsecurity=False).digest()
        if self.tier == ARCHIVE_TIER and self._archived_copy(key, digest):
            return  # a rerun's same bytes; an archived blob cannot be rewritten in place
        settings = ContentSettings(
            content_type="application/x-ndjson",
            content_encoding="gzip" if key.endswith(".gz") else None,
            content_md5=bytearray(digest),
        )
        self.container.upload_blob(
            key,
            data,
            overwrite=True,
            standard_blob_tier=StandardBlobTier(self.tier),
            content_settings=settings,
        )

    def _archived_copy(self, key: str, digest: bytes) -> bool:
        """Whether ``key`` already holds bytes with ``digest``; other bytes are removed first."""
        from azure.core.exceptions import ResourceNotFoundError

        try:
            props = self.container.get_blob_client(key).get_blob_properties()
        except ResourceNotFoundError:
            return False
        if bytes(props.content_settings.content_md5 or b"") == digest:
            return True
        self.delete(key)
        return False

    def get(self, key: str) -> bytes:
        return self.container.download_blob(key).readall()

    def exists(self, key: str) -> bool:
        return self.container.get_blob_client(key).exists()

    def tier_of(self, key: str) -> str | None:
        tier = self.container.get_blob_client(key).get_blob_properties().blob_tier
        return str(getattr(tier, "value", tier)) if tier else None

    def list(self, prefix: str = "") -> list[ObjectInfo]:
        blobs = self.container.list_blobs(name_starts_with=prefix or None)
        return sorted((ObjectInfo(b.name, b.size) for b in blobs), key=lambda o: o.key)

    def delete(self, key: str) -> None:
        from azure.core.exceptions import ResourceNotFoundError

        with contextlib.suppress(ResourceNotFoundError):
            self.container.delete_blob(key)
