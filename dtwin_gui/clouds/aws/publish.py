"""The ``publish`` part: a device's telemetry into AWS IoT Core, as the device would send it."""

from __future__ import annotations

from collections.abc import Callable

from dtwin_gui.clouds.aws.connection import AwsConnection


def publisher(connection: AwsConnection, *, workspace=None) -> Callable[[str, bytes], None]:
    """``publish(topic, body)`` through IoT Core's data plane (QoS 1: waits for its answer).
    The client is made once and is safe to share between publishing threads. (``workspace``,
    the deployment's, is not needed: the data plane takes the connection's credentials.)"""
    client = connection.client("iot-data")

    def publish(topic: str, body: bytes) -> None:
        client.publish(topic=topic, qos=1, payload=body)

    return publish
