"""DynamoDB hot store and S3 object stores (the HotStore / ObjectStore ports)."""

from __future__ import annotations

import time
from decimal import Decimal

from dtwin_gui.runtime.core.ports import ObjectInfo
from dtwin_gui.runtime.core.records import parse_timestamp

#: Item attribute holding the TTL safety net (epoch seconds); never returned to callers.
TTL_ATTRIBUTE = "dtwin_expires_at"
_KEY_NAMES = {"#d": "device_id", "#t": "timestamp"}


def _to_dynamo(value: object) -> object:
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def _from_dynamo(value: object) -> object:
    if isinstance(value, Decimal):
        return (
            int(value)
            if value == value.to_integral_value() and "." not in str(value)
            else float(value)
        )
    return value


class DynamoHotStore:
    """Hot records in a DynamoDB table with hash key ``device_id`` and range key ``timestamp``."""

    def __init__(self, table_name: str, dynamodb_resource, *, ttl_days: int | None = None):
        self.table = dynamodb_resource.Table(table_name)
        self.ttl_days = ttl_days

    def put(self, record: dict) -> None:
        item = {k: _to_dynamo(v) for k, v in record.items() if v is not None}
        if self.ttl_days:
            moment = parse_timestamp(record["timestamp"]).timestamp()
            item[TTL_ATTRIBUTE] = int(moment + self.ttl_days * 86400)
        self.table.put_item(Item=item)

    @staticmethod
    def _record(item: dict) -> dict:
        return {k: _from_dynamo(v) for k, v in item.items() if k != TTL_ATTRIBUTE}

    def query(self, device_id, *, start=None, end=None, limit=100, newest_first=False, after=None):
        values = {":d": device_id}
        condition = "#d = :d"
        low, high = start, end
        if after is not None:
            # Continue strictly past the previous page's last timestamp.
            if newest_first:
                high = after if high is None or after < high else high
            else:
                low = after if low is None or after > low else low
        if low is not None and high is not None:
            condition += " AND #t BETWEEN :lo AND :hi"
            values.update({":lo": low, ":hi": high})
        elif low is not None:
            condition += " AND #t >= :lo"
            values[":lo"] = low
        elif high is not None:
            condition += " AND #t <= :hi"
            values[":hi"] = high
        out: list[dict] = []
        kwargs = {
            "KeyConditionExpression": condition,
            # DynamoDB rejects names the expression does not use.
            "ExpressionAttributeNames": {k: v for k, v in _KEY_NAMES.items() if k in condition},
            "ExpressionAttributeValues": values,
            "ScanIndexForward": not newest_first,
        }
        while len(out) < limit:
            page = self.table.query(Limit=limit + 1, **kwargs)
            for item in page.get("Items", []):
                if after is not None and item["timestamp"] == after:
                    continue
                out.append(self._record(item))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return out[:limit]

    def older_than(self, cutoff: str, *, limit: int) -> list[dict]:
        out: list[dict] = []
        kwargs = {
            "FilterExpression": "#t < :c",
            "ExpressionAttributeNames": {"#t": "timestamp"},
            "ExpressionAttributeValues": {":c": cutoff},
        }
        while True:
            page = self.table.scan(**kwargs)
            out.extend(self._record(i) for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        out.sort(key=lambda r: (r["device_id"], r["timestamp"]))
        return out[:limit]

    def delete(self, keys: list[tuple[str, str]]) -> None:
        with self.table.batch_writer() as batch:
            for device_id, timestamp in keys:
                batch.delete_item(Key={"device_id": device_id, "timestamp": timestamp})


class S3ObjectStore:
    """JSON Lines objects in an S3 bucket, written with the tier's storage class."""

    def __init__(self, bucket: str, s3_client, *, storage_class: str = "STANDARD"):
        self.bucket = bucket
        self.s3 = s3_client
        self.storage_class = storage_class

    def put(self, key: str, data: bytes) -> None:
        extra = {"ContentEncoding": "gzip"} if key.endswith(".gz") else {}
        self.s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=data,
            StorageClass=self.storage_class,
            ContentType="application/x-ndjson",
            **extra,
        )

    def get(self, key: str) -> bytes:
        return self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def exists(self, key: str) -> bool:
        try:
            self.s3.head_object(Bucket=self.bucket, Key=key)
        except self.s3.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def list(self, prefix: str = "") -> list[ObjectInfo]:
        out = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        ):
            out.extend(ObjectInfo(o["Key"], o["Size"]) for o in page.get("Contents", []))
        return sorted(out, key=lambda o: o.key)

    def delete(self, key: str) -> None:
        self.s3.delete_object(Bucket=self.bucket, Key=key)


def epoch_now() -> int:
    return int(time.time())
