"""Calls between functions (HTTP + ID token), device feedback (Pub/Sub) and the Google
clients: the Invoker / FeedbackPublisher ports on Google.

On real Google every function's URL is ``{DTWIN_GOOGLE_FUNCTIONS_URL}/{deployed name}`` and
a call carries an ID token for that URL from the metadata server (the caller's service
account holds run.invoker on the target). In the sandbox the base is the gateway on
loopback over plain HTTP and no token is fetched.
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping

from dtwin_gui.runtime.core.glue_sender import is_loopback

#: ID tokens live an hour; one is reused for this long.
TOKEN_SECONDS = 45 * 60


class InvocationFailed(RuntimeError):
    """The called function answered with an error status (or could not be reached)."""


def project_of(environ: Mapping[str, str]) -> str | None:
    return (
        environ.get("DTWIN_GOOGLE_PROJECT")
        or environ.get("GOOGLE_CLOUD_PROJECT")
        or environ.get("GCLOUD_PROJECT")
    )


class HttpInvoker:
    """POSTs JSON to ``{base}/{function}``; ``function`` is a deployed function name."""

    def __init__(self, base: str, *, timeout: float = 60.0, token_source=None) -> None:
        if not base:
            raise InvocationFailed(
                "DTWIN_GOOGLE_FUNCTIONS_URL is not set: cannot call the twin's other functions"
            )
        self.base = base.rstrip("/")
        self.timeout = timeout
        host = urllib.parse.urlsplit(self.base).hostname or ""
        self.needs_token = not is_loopback(host)
        self._token_source = token_source
        self._tokens: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> HttpInvoker:
        return cls(environ.get("DTWIN_GOOGLE_FUNCTIONS_URL") or "")

    def url(self, function: str) -> str:
        return f"{self.base}/{urllib.parse.quote(function, safe='')}"

    def _token(self, audience: str) -> str:
        with self._lock:
            token, when = self._tokens.get(audience, ("", 0.0))
            if token and time.monotonic() - when < TOKEN_SECONDS:
                return token
            if self._token_source is not None:
                token = self._token_source(audience)
            else:
                import google.auth.transport.requests
                from google.oauth2 import id_token

                request = google.auth.transport.requests.Request()
                token = id_token.fetch_id_token(request, audience)
            self._tokens[audience] = (token, time.monotonic())
            return token

    def invoke(self, function: str, payload: dict, *, wait: bool = True) -> dict | None:
        # An HTTP function has no fire-and-forget call: ``wait=False`` still waits for the
        # answer (a failure surfaces to the caller's retry), then drops it.
        url = self.url(function)
        headers = {"Content-Type": "application/json"}
        if self.needs_token:
            headers["Authorization"] = f"Bearer {self._token(url)}"
        request = urllib.request.Request(
            url, data=json.dumps(payload).encode("utf-8"), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            text = exc.read()[:300].decode("utf-8", "replace")
            raise InvocationFailed(f"{function} failed: HTTP {exc.code}: {text}") from None
        except urllib.error.URLError as exc:
            raise InvocationFailed(f"{function} unreachable at {url}: {exc.reason}") from None
        if not wait:
            return None
        return json.loads(body) if body else None


class PubSubFeedbackPublisher:
    """Publishes feedback to the twin's feedback topic with attribute ``device_id`` (each
    device's subscription filters on it)."""

    def __init__(self, publisher, topic_path: str, *, timeout: float = 30.0) -> None:
        self.publisher = publisher
        self.topic = topic_path
        self.timeout = timeout

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> PubSubFeedbackPublisher:
        from google.cloud import pubsub_v1

        topic = environ.get("DTWIN_FEEDBACK_TOPIC")
        if not topic:
            raise RuntimeError(
                "event feedback goes to the devices through the twin's feedback topic, and "
                "DTWIN_FEEDBACK_TOPIC is not set (L1 is not on Google?): put L1 and L2 on one "
                "cloud for feedback"
            )
        if not topic.startswith("projects/"):
            project = project_of(environ)
            if not project:
                raise RuntimeError("DTWIN_GOOGLE_PROJECT is not set: no project for the topic")
            topic = f"projects/{project}/topics/{topic}"
        return cls(pubsub_v1.PublisherClient(), topic)

    def publish(self, device_id: str, message: dict) -> None:
        data = json.dumps(message, sort_keys=True).encode("utf-8")
        future = self.publisher.publish(self.topic, data, device_id=device_id)
        future.result(timeout=self.timeout)


def firestore_client(environ: Mapping[str, str]):
    from google.cloud import firestore

    database = environ.get("DTWIN_FIRESTORE_DATABASE") or "(default)"
    return firestore.Client(project=project_of(environ), database=database)


def storage_client(environ: Mapping[str, str]):
    from google.cloud import storage

    if os.environ.get("STORAGE_EMULATOR_HOST") or environ.get("STORAGE_EMULATOR_HOST"):
        from google.auth.credentials import AnonymousCredentials

        return storage.Client(
            project=project_of(environ) or "dtwin-sandbox", credentials=AnonymousCredentials()
        )
    return storage.Client(project=project_of(environ))
