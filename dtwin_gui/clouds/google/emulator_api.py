"""The sandbox's Google emulators as the provisioner, probes and leftovers reach them: plain
REST on loopback (the Pub/Sub emulator's v1 API, the Firestore emulator's v1 and
``/emulator/v1`` APIs, fake-gcs-server's JSON API), so nothing here sets the process-wide
``*_EMULATOR_HOST`` variables the Google SDKs read.

Every function takes the sandbox connection (its endpoints ``google_project``, ``pubsub``,
``firestore``, ``gcs``, ``google_gateway``; see :func:`endpoint`).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

DEFAULT_PROJECT = "dtwin-sandbox"
_TIMEOUT_S = 30
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class EmulatorError(RuntimeError):
    """An emulator refused a request (``status`` its HTTP status, 0 when unreachable)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


def endpoint(connection, name: str) -> str:
    """Endpoint ``name`` of the sandbox connection (``""`` when it has none)."""
    endpoints = getattr(connection, "endpoints", None) or {}
    value = endpoints.get(name) if isinstance(endpoints, Mapping) else None
    return str(value or "")


def project(connection) -> str:
    return (
        endpoint(connection, "google_project")
        or str(getattr(connection, "project", "") or "")
        or DEFAULT_PROJECT
    )


def gateway(connection) -> str:
    return endpoint(connection, "google_gateway").rstrip("/")


def _base(host: str) -> str:
    return host.rstrip("/") if host.startswith("http") else f"http://{host}"


def call(url: str, method: str = "GET", body: Any = None, admin: bool = False) -> dict:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} if data is not None else {}
    if admin:  # the Firestore emulator's admin bearer (its metadata operations need it)
        headers["Authorization"] = "Bearer owner"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with _NO_PROXY.open(request, timeout=_TIMEOUT_S) as reply:
            raw = reply.read()
    except urllib.error.HTTPError as err:
        text = err.read().decode("utf-8", "replace")[:300]
        raise EmulatorError(f"{method} {url}: HTTP {err.code}: {text}", err.code) from None
    except OSError as exc:
        raise EmulatorError(f"{method} {url}: {exc}") from None
    try:
        return json.loads(raw) if raw else {}
    except ValueError:
        return {}


def _quiet_404(fn, *args, **kwargs) -> dict | None:
    try:
        return fn(*args, **kwargs)
    except EmulatorError as exc:
        if exc.status == 404:
            return None
        raise


# --- Pub/Sub --------------------------------------------------------------------------------
def _pubsub(connection, path: str) -> str:
    return f"{_base(endpoint(connection, 'pubsub'))}/v1/projects/{project(connection)}/{path}"


def ensure_topic(connection, topic: str) -> bool:
    """Make ``topic``; True when it was made now."""
    url = _pubsub(connection, f"topics/{topic}")
    if _quiet_404(call, url) is not None:
        return False
    try:
        call(url, "PUT", {})
    except EmulatorError as exc:
        if exc.status != 409:
            raise
    return True


def ensure_subscription(connection, name: str, topic: str, filter_: str = "") -> bool:
    """A pull subscription of ``topic`` (the emulator keeps the filter but ignores it)."""
    url = _pubsub(connection, f"subscriptions/{name}")
    topic_path = f"projects/{project(connection)}/topics/{topic}"
    current = _quiet_404(call, url)
    if current is not None and current.get("topic") == topic_path:
        return False
    if current is not None:
        call(url, "DELETE")
    body: dict[str, Any] = {"topic": topic_path, "ackDeadlineSeconds": 30}
    if filter_:
        body["filter"] = filter_
    try:
        call(url, "PUT", body)
    except EmulatorError as exc:
        if exc.status != 400 or not filter_:
            raise
        body.pop("filter")  # an emulator without filters: the device side filters in code
        call(url, "PUT", body)
    return True


def delete_topic(connection, topic: str) -> None:
    _quiet_404(call, _pubsub(connection, f"topics/{topic}"), "DELETE")


def delete_subscription(connection, name: str) -> None:
    _quiet_404(call, _pubsub(connection, f"subscriptions/{name}"), "DELETE")


def topics(connection) -> list[str]:
    """Short names of every topic of the sandbox project."""
    found = call(_pubsub(connection, "topics?pageSize=1000")).get("topics") or []
    return sorted(t["name"].rsplit("/", 1)[-1] for t in found if t.get("name"))


def subscriptions(connection) -> dict[str, dict]:
    """``{short name: {"topic": short topic, "push": endpoint or ""}}``."""
    found = call(_pubsub(connection, "subscriptions?pageSize=1000")).get("subscriptions") or []
    return {
        s["name"].rsplit("/", 1)[-1]: {
            "topic": str(s.get("topic", "")).rsplit("/", 1)[-1],
            "push": (s.get("pushConfig") or {}).get("pushEndpoint", ""),
        }
        for s in found
        if s.get("name")
    }


# --- Firestore ------------------------------------------------------------------------------
def _documents(connection, database: str) -> str:
    return (
        f"{_base(endpoint(connection, 'firestore'))}/v1/projects/{project(connection)}"
        f"/databases/{urllib.parse.quote(database, safe='()')}/documents"
    )


def count_documents(connection, database: str, collection: str) -> int:
    query = {
        "structuredAggregationQuery": {
            "structuredQuery": {"from": [{"collectionId": collection}]},
            "aggregations": [{"alias": "n", "count": {}}],
        }
    }
    answer = call(
        _documents(connection, database) + ":runAggregationQuery", "POST", query, admin=True
    )
    rows = answer if isinstance(answer, list) else [answer]
    for row in rows:
        fields = ((row or {}).get("result") or {}).get("aggregateFields") or {}
        if "n" in fields:
            return int(fields["n"].get("integerValue", 0))
    return 0


def collections(connection, database: str) -> list[str]:
    answer = call(_documents(connection, database) + ":listCollectionIds", "POST", {}, admin=True)
    return sorted(answer.get("collectionIds") or [])


def clear_database(connection, database: str) -> None:
    """Delete every document of ``database`` (the emulator's own reset endpoint)."""
    url = (
        f"{_base(endpoint(connection, 'firestore'))}/emulator/v1/projects/"
        f"{project(connection)}/databases/{urllib.parse.quote(database, safe='()')}/documents"
    )
    _quiet_404(call, url, "DELETE", admin=True)


# --- GCS ------------------------------------------------------------------------------------
def _gcs(connection, path: str) -> str:
    return f"{_base(endpoint(connection, 'gcs'))}/storage/v1/{path}"


def ensure_bucket(connection, name: str, storage_class: str = "STANDARD") -> bool:
    if _quiet_404(call, _gcs(connection, f"b/{name}")) is not None:
        return False
    body = {"name": name, "storageClass": storage_class}
    try:
        call(_gcs(connection, f"b?project={project(connection)}"), "POST", body)
    except EmulatorError as exc:
        if exc.status != 409:
            raise
    return True


def buckets(connection) -> list[str]:
    found = call(_gcs(connection, f"b?project={project(connection)}")).get("items") or []
    return sorted(b["name"] for b in found if b.get("name"))


def objects(connection, bucket: str) -> list[dict]:
    """``[{"name", "storageClass", "size"}]`` of every object of ``bucket``."""
    out: list[dict] = []
    token = ""
    while True:
        query = "?maxResults=1000" + (f"&pageToken={urllib.parse.quote(token)}" if token else "")
        page = call(_gcs(connection, f"b/{urllib.parse.quote(bucket, safe='')}/o{query}"))
        out += page.get("items") or []
        token = page.get("nextPageToken") or ""
        if not token:
            return out


def bucket_exists(connection, bucket: str) -> bool:
    return (
        _quiet_404(call, _gcs(connection, f"b/{urllib.parse.quote(bucket, safe='')}")) is not None
    )


def upload(connection, bucket: str, name: str, data: bytes) -> None:
    url = (
        f"{_base(endpoint(connection, 'gcs'))}/upload/storage/v1/b/"
        f"{urllib.parse.quote(bucket, safe='')}/o?uploadType=media&name="
        f"{urllib.parse.quote(name, safe='')}"
    )
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/zip"}
    )
    try:
        with _NO_PROXY.open(request, timeout=_TIMEOUT_S):
            pass
    except urllib.error.HTTPError as err:
        raise EmulatorError(f"upload {bucket}/{name}: HTTP {err.code}", err.code) from None


def delete_bucket(connection, bucket: str) -> None:
    """Delete ``bucket`` with every object in it (nothing when it is gone)."""
    quoted = urllib.parse.quote(bucket, safe="")
    try:
        items = objects(connection, bucket)
    except EmulatorError as exc:
        if exc.status == 404:
            return
        raise
    for item in items:
        name = urllib.parse.quote(item["name"], safe="")
        _quiet_404(call, _gcs(connection, f"b/{quoted}/o/{name}"), "DELETE")
    _quiet_404(call, _gcs(connection, f"b/{quoted}"), "DELETE")
