"""The simulator's device side on Google Cloud: telemetry into the twin's Pub/Sub topic, and
each device's feedback from its subscription.

Google has no device service: a device is a Pub/Sub publisher. The simulator speaks the
Pub/Sub REST API (``POST /v1/projects/{p}/topics/{t}:publish``, the body base64 in
``data``, the device in the ``device_id`` attribute) with the user's credentials
(google-auth's ``AuthorizedSession``: a service-account key or Application Default
Credentials), and in the sandbox plain HTTP to the emulator (``PUBSUB_EMULATOR_HOST``).
HTTP first: one request per message is plenty for a simulator; gRPC streaming
(google-cloud-pubsub's publisher) pays off above about 1,000 messages a second
(docs/google.md, "Device side").

Feedback: event-feedback publishes to the twin's feedback topic with attribute
``device_id``; each device has a subscription filtered on it. The emulator ignores
subscription filters, so the reader filters in code too and acknowledges everything it
pulled (what another device's filter would have kept never belonged to this subscription).
Topic and subscription names come from the topology (``core/resource_names.py``).
"""

from __future__ import annotations

import base64
import threading
from pathlib import Path

from dtwin_gui.core.providers import Cloud
from dtwin_gui.core.resource_names import FEEDBACK_TOPIC, TELEMETRY_TOPIC, ResourceKind

PUBSUB_API = "https://pubsub.googleapis.com"
TIMEOUT_S = 15
#: Messages asked per pull (the API's maximum is 1,000).
PULL_MAX = 100


def device_of(topic: str) -> tuple[str, str]:
    """``(twin, device id)`` of a telemetry topic (``dtwin/<twin>/<device>/telemetry``)."""
    parts = topic.split("/")
    if len(parts) != 4 or parts[0] != "dtwin" or parts[3] != "telemetry" or not parts[2]:
        raise ValueError(f"{topic!r} is not a telemetry topic (dtwin/<twin>/<device>/telemetry)")
    return parts[1], parts[2]


def _error():
    from dtwin_gui.deploy.simulate import SimulationError

    return SimulationError


def _topology(workspace):
    """The twin's topology, from the project the deployment ``workspace`` belongs to."""
    from dtwin_gui.core.project import load_project
    from dtwin_gui.core.topology import topology_for_project

    root = getattr(workspace, "project_root", None)
    if root is None:
        raise _error()("the Google device side needs the deployment's workspace")
    return topology_for_project(load_project(Path(root)))


def _name(topology, key) -> str:
    try:
        return topology.name_of(key, Cloud.GOOGLE)
    except KeyError as exc:
        raise _error()(f"{exc.args[0]}: L1 is not on Google Cloud in this project") from None


class PubSubRest:
    """The Pub/Sub REST API of one project: Google's, or the emulator's (plain HTTP)."""

    def __init__(self, connection):
        self.connection = connection
        self.project = connection.project_id()
        if not self.project:
            raise _error()(
                "no Google Cloud project is chosen: enter it on the Credentials page "
                "(or set GOOGLE_CLOUD_PROJECT for the dtwin commands)"
            )
        if connection.is_sandbox:
            self.base = f"http://{connection.pubsub_host}"
        else:
            self.base = PUBSUB_API
        self._local = threading.local()  # a session per publishing thread

    @property
    def session(self):
        found = getattr(self._local, "session", None)
        if found is None:
            found = self._local.session = self.connection.http()
        return found

    def _post(self, path: str, body: dict) -> dict:
        url = f"{self.base}/v1/projects/{self.project}/{path}"
        try:
            answer = self.session.post(url, json=body, timeout=TIMEOUT_S)
        except Exception as exc:  # network, or google-auth could not get a token
            where = " (dtwin sandbox status)" if self.connection.is_sandbox else ""
            raise _error()(f"Pub/Sub at {self.base} did not answer: {exc}{where}") from None
        if answer.status_code == 404:
            name = path.split(":", 1)[0]
            raise _error()(f"{name} does not exist in project {self.project}: deploy the twin")
        if answer.status_code >= 300:
            raise _error()(
                f"Pub/Sub refused {path.split(':', 1)[-1]} on {path.split(':', 1)[0]}: "
                f"{answer.status_code} {answer.text[:300]}"
            )
        return answer.json() if answer.content else {}

    def publish(self, topic: str, data: bytes, attributes: dict[str, str]) -> str:
        message = {"data": base64.b64encode(data).decode("ascii"), "attributes": attributes}
        answer = self._post(f"topics/{topic}:publish", {"messages": [message]})
        return (answer.get("messageIds") or [""])[0]

    def pull(self, subscription: str, max_messages: int = PULL_MAX) -> list[dict]:
        """Messages waiting on ``subscription`` (returns at once when there are none)."""
        body = {"maxMessages": max_messages, "returnImmediately": True}
        return self._post(f"subscriptions/{subscription}:pull", body).get("receivedMessages", [])

    def acknowledge(self, subscription: str, ack_ids: list[str]) -> None:
        if ack_ids:
            self._post(f"subscriptions/{subscription}:acknowledge", {"ackIds": ack_ids})


def publisher(connection, *, workspace=None):
    """The part ``publish``: ``publish(topic, body)`` puts ``body`` on the twin's telemetry
    topic as the topic's device (attribute ``device_id``). Safe to share between threads."""
    topology = _topology(workspace)
    telemetry = _name(topology, TELEMETRY_TOPIC)
    api = PubSubRest(connection)

    def publish(topic: str, body: bytes) -> None:
        try:
            _, device_id = device_of(topic)
        except ValueError as exc:
            raise _error()(str(exc)) from None
        api.publish(telemetry, body, {"device_id": device_id})

    return publish


def feedback_reader(connection, *, workspace=None):
    """The part ``feedback``: ``receive(device_id) -> [message bytes]``, the feedback waiting
    on the device's subscription, each acknowledged once read; only messages whose
    ``device_id`` attribute is the device's (the emulator ignores subscription filters)."""
    topology = _topology(workspace)
    _name(topology, FEEDBACK_TOPIC)  # says so when L1 is not on Google
    api = PubSubRest(connection)

    def receive(device_id: str) -> list[bytes]:
        try:
            subscription = topology.name_of(
                ResourceKind.FEEDBACK_SUBSCRIPTION.of(device_id), Cloud.GOOGLE
            )
        except KeyError:
            raise _error()(f"device {device_id} has no feedback subscription here") from None
        got, ack_ids = [], []
        while True:
            pulled = api.pull(subscription)
            for item in pulled:
                ack_ids.append(item["ackId"])
                message = item.get("message", {})
                if message.get("attributes", {}).get("device_id") == device_id:
                    got.append(base64.b64decode(message.get("data", "")))
            api.acknowledge(subscription, ack_ids)
            ack_ids = []
            if len(pulled) < PULL_MAX:
                return got

    return receive
