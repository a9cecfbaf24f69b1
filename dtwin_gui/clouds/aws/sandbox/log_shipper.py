"""The sandbox's function logs in CloudWatch Logs, as Lambda keeps them.

Every line a function writes goes, as on AWS, to the log group ``/aws/lambda/<function>``
(Terraform makes the group with the function) in moto's CloudWatch Logs, so whatever reads a
function's log on AWS (dtwin's hop health: ``filter_log_events``) reads the sandbox's the same
way. Lines are batched and sent from a thread of their own every :data:`FLUSH_S` seconds: a
function never waits for its log. A group that does not exist (the twin was destroyed while
a function still logged) is not made: its lines are dropped, as nothing would read them.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime

log = logging.getLogger(__name__)

FLUSH_S = 0.5
#: CloudWatch's limit per PutLogEvents call.
BATCH = 10_000


class LogShipper:
    def __init__(self, client_factory) -> None:
        """``client_factory()`` gives a boto3 ``logs`` client of the sandbox's moto."""
        self._client_factory = client_factory
        self._pending: dict[str, list[dict]] = defaultdict(list)
        self._streams: dict[str, str] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="aws-log-shipper", daemon=True)
        self._client = None

    def start(self) -> LogShipper:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def __call__(self, function: str, line: str) -> None:
        """The function host's log callback: one line of ``function``."""
        event = {"timestamp": int(time.time() * 1000), "message": line}
        with self._lock:
            self._pending[function].append(event)

    def _run(self) -> None:
        while not self._stop.wait(FLUSH_S):
            self.flush()
        self.flush()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, defaultdict(list)
        for function, events in pending.items():
            try:
                self._put(function, events)
            except Exception as exc:  # the sandbox must not stop for its logs
                log.debug("log lines of %s not shipped: %s", function, exc)

    def _put(self, function: str, events: list[dict]) -> None:
        if self._client is None:
            self._client = self._client_factory()
        group = f"/aws/lambda/{function}"
        missing = self._client.exceptions.ResourceNotFoundException
        try:
            self._send(group, events)
        except missing:
            # The stream went with its group (the twin was destroyed and deployed again under
            # the same name): a new stream in the new group; no group at all drops the lines.
            self._streams.pop(group, None)
            try:
                self._send(group, events)
            except missing:
                self._streams.pop(group, None)

    def _send(self, group: str, events: list[dict]) -> None:
        stream = self._streams.get(group)
        if stream is None:
            day = datetime.now(UTC).strftime("%Y/%m/%d")
            stream = f"{day}/[$LATEST]{uuid.uuid4().hex}"
            self._client.create_log_stream(logGroupName=group, logStreamName=stream)
            self._streams[group] = stream
        for start in range(0, len(events), BATCH):
            batch = events[start : start + BATCH]
            self._client.put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch)
