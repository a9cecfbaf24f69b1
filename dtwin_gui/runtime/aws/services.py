"""Lambda invocation and IoT feedback publishing (the Invoker / FeedbackPublisher ports)."""

from __future__ import annotations

import json


class InvocationFailed(RuntimeError):
    """The invoked function raised; the message carries its error type and text."""


class LambdaInvoker:
    def __init__(self, lambda_client) -> None:
        self.client = lambda_client

    def invoke(self, function: str, payload: dict, *, wait: bool = True) -> dict | None:
        reply = self.client.invoke(
            FunctionName=function,
            InvocationType="RequestResponse" if wait else "Event",
            Payload=json.dumps(payload).encode(),
        )
        # Read the body even when it is empty (an Event invocation's 202): an unread
        # streaming body keeps its connection out of the pool, so every call would open a
        # new (TLS) connection.
        body = reply["Payload"].read()
        if not wait:
            return None
        result = json.loads(body) if body else None
        if reply.get("FunctionError"):
            error = result if isinstance(result, dict) else {}
            raise InvocationFailed(
                f"{function} failed: {error.get('errorType', 'Error')}: "
                f"{error.get('errorMessage', body[:200])}"
            )
        return result


class IotFeedbackPublisher:
    """Publishes feedback to ``topic_template`` (``{twin}``/``{device_id}``) via iot-data."""

    def __init__(self, iot_data_client, twin_name: str, topic_template: str) -> None:
        self.client = iot_data_client
        self.twin_name = twin_name
        self.topic_template = topic_template

    def topic(self, device_id: str) -> str:
        return self.topic_template.format(twin=self.twin_name, device_id=device_id)

    def publish(self, device_id: str, message: dict) -> None:
        self.client.publish(
            topic=self.topic(device_id), qos=1, payload=json.dumps(message).encode()
        )
