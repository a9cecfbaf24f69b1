"""Push subscriptions on the Pub/Sub emulator (its REST API, no SDK): what stands in for
Eventarc's Pub/Sub trigger in the sandbox. The emulator POSTs each message's push body
(``{"message": {...}, "subscription": ...}``) to the endpoint; functions-framework takes that
raw body as a ``google.cloud.pubsub.topic.v1.messagePublished`` CloudEvent."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

#: The push subscription that triggers function ``name`` (one per function).
PREFIX = "dtwin-trigger-"


class PubSubError(RuntimeError):
    pass


def subscription_name(function: str) -> str:
    return f"{PREFIX}{function}"


def call(host: str, method: str, path: str, body: Any = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"http://{host}/v1/{path}",
        data=data,
        method=method,
        headers={"Content-Type": "application/json"} if data is not None else {},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            raw = reply.read()
    except urllib.error.HTTPError as err:
        text = err.read().decode("utf-8", "replace")[:300]
        raise PubSubError(f"{method} {path}: HTTP {err.code}: {text}") from None
    return json.loads(raw) if raw else {}


def _exists(host: str, path: str) -> dict | None:
    try:
        return call(host, "GET", path)
    except PubSubError as exc:
        if "HTTP 404" in str(exc):
            return None
        raise


def ensure_topic(host: str, project: str, topic: str) -> None:
    path = f"projects/{project}/topics/{topic}"
    if _exists(host, path) is None:
        try:
            call(host, "PUT", path, {})
        except PubSubError as exc:
            if "HTTP 409" not in str(exc):
                raise


def ensure_push(host: str, project: str, function: str, topic: str, endpoint: str) -> None:
    """Make the function's push subscription deliver ``topic`` to ``endpoint``."""
    ensure_topic(host, project, topic)
    path = f"projects/{project}/subscriptions/{subscription_name(function)}"
    topic_path = f"projects/{project}/topics/{topic}"
    current = _exists(host, path)
    if current is not None and current.get("topic") != topic_path:
        call(host, "DELETE", path)
        current = None
    if current is None:
        body = {"topic": topic_path, "pushConfig": {"pushEndpoint": endpoint}}
        body["ackDeadlineSeconds"] = 60
        call(host, "PUT", path, body)
    elif (current.get("pushConfig") or {}).get("pushEndpoint") != endpoint:
        call(host, "POST", f"{path}:modifyPushConfig", {"pushConfig": {"pushEndpoint": endpoint}})


def remove_push(host: str, project: str, function: str) -> None:
    path = f"projects/{project}/subscriptions/{subscription_name(function)}"
    try:
        call(host, "DELETE", path)
    except PubSubError as exc:
        if "HTTP 404" not in str(exc):
            raise
