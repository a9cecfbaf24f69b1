"""IoT resource tags, which moto does not implement.

The aws provider reads tags after creating ``aws_iot_topic_rule`` and ``aws_iot_policy``
(``ListTagsForResource``), so without them neither resource applies. This keeps an in-memory
tag store per ARN answering ``ListTagsForResource`` (``GET /tags?resourceArn=``),
``TagResource`` (``POST /tags``) and ``UntagResource`` (``POST /untag``). Tags given at
creation (``CreateTopicRule``'s ``x-amz-tagging`` header, ``CreatePolicy``'s ``tags``) are
recorded once moto created the resource, and dropped when the resource is deleted.
"""

from __future__ import annotations

import json
import re
import threading
from urllib.parse import parse_qsl, unquote

from dtwin_gui.clouds.aws.sandbox.gateway import Request, Response
from dtwin_gui.clouds.aws.sandbox.patches._common import (
    header,
    json_response,
    rest_error,
    service_of,
)

_RESOURCE = re.compile(r"^/(?P<kind>rules|policies)/(?P<name>[^/]+)$")
_KINDS = {"rules": "rule", "policies": "policy"}


class IotTagStore:
    """Tags per resource ARN (what ``ListTagsForResource`` answers)."""

    def __init__(self, account: str) -> None:
        self.account = account
        self._tags: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    def get(self, arn: str) -> dict[str, str]:
        with self._lock:
            return dict(self._tags.get(arn, {}))

    def tag(self, arn: str, tags: dict[str, str]) -> None:
        with self._lock:
            self._tags.setdefault(arn, {}).update(tags)

    def untag(self, arn: str, keys: list[str]) -> None:
        with self._lock:
            current = self._tags.get(arn, {})
            for key in keys:
                current.pop(key, None)

    def forget(self, arn: str) -> None:
        with self._lock:
            self._tags.pop(arn, None)

    def arn(self, region: str, kind: str, name: str) -> str:
        return f"arn:aws:iot:{region}:{self.account}:{_KINDS[kind]}/{name}"

    # --- the interceptor -----------------------------------------------------------------
    def __call__(self, request: Request, gateway) -> Response | None:
        if service_of(request) != "iot":
            return None
        if request.path == "/tags" and request.method == "GET":
            arn = request.query.get("resourceArn")
            if not arn:
                return rest_error(400, "InvalidRequestException", "resourceArn is required")
            tags = [{"Key": k, "Value": v} for k, v in sorted(self.get(arn).items())]
            return json_response(200, {"tags": tags})
        if request.path in ("/tags", "/untag") and request.method == "POST":
            try:
                body = json.loads(request.body or b"{}")
                arn = body["resourceArn"]
            except (ValueError, KeyError):
                return rest_error(400, "InvalidRequestException", "resourceArn is required")
            if request.path == "/tags":
                self.tag(arn, {t["Key"]: t.get("Value", "") for t in body.get("tags") or []})
            else:
                self.untag(arn, list(body.get("tagKeys") or []))
            return json_response(200, {})
        match = _RESOURCE.match(request.path)
        if match and request.method in ("POST", "DELETE"):
            return self._create_or_delete(request, gateway, match)
        return None

    def _create_or_delete(self, request: Request, gateway, match: re.Match) -> Response:
        response = gateway.forward(request)
        if response.status >= 300:
            return response
        arn = self.arn(request.region, match.group("kind"), unquote(match.group("name")))
        if request.method == "DELETE":
            self.forget(arn)
            return response
        tags: dict[str, str] = {}
        if match.group("kind") == "rules":
            tags = dict(parse_qsl(header(request, "x-amz-tagging") or ""))
        else:
            try:
                listed = json.loads(request.body or b"{}").get("tags") or []
            except (ValueError, AttributeError):
                listed = []
            tags = {t["Key"]: t.get("Value", "") for t in listed if "Key" in t}
        if tags:
            self.tag(arn, tags)
        return response


def install(gateway, emulator) -> None:
    from dtwin_gui.clouds.aws.sandbox.emulator import ACCOUNT

    store = IotTagStore(ACCOUNT)
    emulator.iot_tags = store
    gateway.add_interceptor(lambda request: store(request, gateway))
