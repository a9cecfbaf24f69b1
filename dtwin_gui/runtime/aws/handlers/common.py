"""What every AWS handler shares: its environment contract, baked config, clients, log.

Created once per container at import time, so a missing required environment variable
fails the function at start with a message naming the variable.
"""

from __future__ import annotations

import base64
import functools
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import dtwin_gui
from dtwin_gui.runtime.aws.clients import client
from dtwin_gui.runtime.aws.services import IotFeedbackPublisher, LambdaInvoker
from dtwin_gui.runtime.aws.stores import DynamoHotStore, S3ObjectStore
from dtwin_gui.runtime.core.contracts import contract_for
from dtwin_gui.runtime.core.function_config import FILE_NAME, FunctionConfig
from dtwin_gui.runtime.core.log import FunctionLog, level_from_env
from dtwin_gui.runtime.core.records import parse_timestamp

#: The package root (``/var/task`` on Lambda): the config file and ``user/`` live here.
PACKAGE_ROOT = Path(dtwin_gui.__file__).resolve().parent.parent
COLD_STORAGE_CLASS = "STANDARD_IA"
ARCHIVE_STORAGE_CLASS = "GLACIER"


class Function:
    """The per-container state of one function."""

    def __init__(self, role: str) -> None:
        self.role = role
        self.env = contract_for(role).load(os.environ)
        self.config = FunctionConfig.load(PACKAGE_ROOT / FILE_NAME)
        self.log = FunctionLog(
            os.environ.get("AWS_LAMBDA_FUNCTION_NAME") or self.config.name,
            level=level_from_env(self.env.get("DTWIN_LOG_LEVEL") or "INFO"),
        )

    def user_file(self, name: str) -> Path:
        return PACKAGE_ROOT / "user" / name

    @functools.cached_property
    def invoker(self) -> LambdaInvoker:
        return LambdaInvoker(client("lambda"))

    def hot_store(self, *, ttl_days: int | None = None) -> DynamoHotStore:
        import boto3

        return DynamoHotStore(
            self.env["DTWIN_HOT_STORE"], boto3.resource("dynamodb"), ttl_days=ttl_days
        )

    def cold_store(self) -> S3ObjectStore:
        return S3ObjectStore(
            self.env["DTWIN_COLD_STORE"], client("s3"), storage_class=COLD_STORAGE_CLASS
        )

    def archive_store(self) -> S3ObjectStore:
        return S3ObjectStore(
            self.env["DTWIN_ARCHIVE_STORE"], client("s3"), storage_class=ARCHIVE_STORAGE_CLASS
        )

    def feedback_publisher(self) -> IotFeedbackPublisher:
        endpoint = self.env.get("DTWIN_IOT_ENDPOINT")
        iot = client("iot-data") if not endpoint else _iot_data_at(endpoint)
        return IotFeedbackPublisher(iot, self.config.twin_name, self.config.feedback_topic)

    def sender(self, prefix: str, layer: str):
        from dtwin_gui.runtime.core.glue import Sender

        return Sender.from_env(
            os.environ, prefix, source_cloud="aws", source_layer=layer, log=self.log
        )


def _iot_data_at(endpoint: str):
    import boto3

    url = endpoint if endpoint.startswith("http") else f"https://{endpoint}"
    return boto3.client("iot-data", endpoint_url=url)


def event_time(event: object) -> datetime:
    """The 'now' of a scheduled event: its ``now`` override (sandbox clock), its ``time``
    (EventBridge), else the wall clock."""
    if isinstance(event, dict):
        for key in ("now", "time"):
            if isinstance(event.get(key), str) and event[key]:
                return parse_timestamp(event[key])
    return datetime.now(UTC)


def is_http_event(event: object) -> bool:
    """Whether ``event`` came through a Function URL (payload format 2.0)."""
    return isinstance(event, dict) and event.get("version") == "2.0" and "requestContext" in event


def http_parts(event: dict) -> tuple[str, dict[str, str], bytes]:
    """Method, headers and raw body of a Function URL event."""
    method = event.get("requestContext", {}).get("http", {}).get("method", "GET")
    raw = event.get("body") or ""
    body = base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode("utf-8")
    return method, dict(event.get("headers") or {}), body


def http_reply(status: int, data: dict, headers: dict | None = None) -> dict:
    """A Function URL response carrying ``data`` as JSON."""
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **(headers or {})},
        "body": json.dumps(data),
    }


def receive(function: Function, event: dict, handlers: dict) -> dict:
    """Serve a glue receiver behind a Function URL."""
    from dtwin_gui.runtime.core.glue import response_headers

    receiver = _receiver(function, tuple(sorted(handlers)), handlers)
    try:
        method, headers, body = http_parts(event)
    except (ValueError, TypeError, AttributeError):  # bad base64, non-text body, odd shapes
        status = 400
        reply = {"status": "error", "error": "the request body could not be read"}
    else:
        status, reply = receiver.handle(method, headers, body)
    return http_reply(status, reply, response_headers(status))


_RECEIVERS: dict = {}


def _receiver(function: Function, kinds: tuple, handlers: dict):
    from dtwin_gui.runtime.core.glue import Receiver

    if kinds not in _RECEIVERS:  # one per container, so the replay cache persists
        log = getattr(function, "log", None)  # its lines go to the function's own log
        _RECEIVERS[kinds] = Receiver.from_env(handlers, os.environ, log=log)
    return _RECEIVERS[kinds]
