"""A rotation never stops the glue: a real sender posts signed envelopes over HTTP to a real
receiver while ``rotate()`` rolls the boundary's secret; each side gets its secrets only from
the environment dtwin hands it, as a redeployed function would. A forged secret and, after a
second rotation, the oldest one are refused."""

from __future__ import annotations

import secrets
import threading
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from helpers import edit_json

from dtwin_gui.deploy.glue_secrets import GlueSecrets
from dtwin_gui.runtime.core.glue_protocol import GlueRejected
from dtwin_gui.runtime.core.glue_receiver import Receiver, wsgi_app
from dtwin_gui.runtime.core.glue_sender import Sender

BOUNDARY = "l2-l3hot-writer"  # the persister on Azure posts to the hot writer on AWS


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args) -> None:  # keep test output clean
        pass


class _Silent:
    """A glue log that keeps its lines (so the test can check no secret is in them)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __getattr__(self, level):
        return lambda event, message="", **fields: self.lines.append(f"{event} {message} {fields}")


class HotWriterFunction:
    """The receiving function: rebuilt from its environment on every (re)deploy."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.log = _Silent()
        self.receiver: Receiver | None = None
        self.deploys = 0

    def deploy(self, environment: dict[str, str]) -> None:
        self.deploys += 1
        self.receiver = Receiver.from_env({"telemetry": self.handle}, environment, log=self.log)

    def handle(self, payload: dict, envelope: dict) -> dict:
        self.received.append(envelope["trace_id"])
        return {"stored": 1}

    def __call__(self, environ, start_response):
        return wsgi_app(self.receiver)(environ, start_response)


@pytest.fixture
def hot_writer():
    function = HotWriterFunction()
    server = make_server("127.0.0.1", 0, function, WSGIServer, _Quiet)
    thread = threading.Thread(target=server.serve_forever, name="hot-writer", daemon=True)
    thread.start()
    function.url = f"http://127.0.0.1:{server.server_port}/"
    yield function
    server.shutdown()
    server.server_close()
    thread.join()


def persister(url: str, environment: dict[str, str], log) -> Sender:
    """The sending function, built from its environment like the runtime's persister."""
    env = {"DTWIN_HOT_WRITER_URL": url, **environment}
    return Sender.from_env(
        env, "HOT_WRITER", source_cloud="azure", source_layer="L2", max_attempts=1, log=log
    )


def record(n: int) -> dict:
    return {"device_id": "pressure-sensor-1", "timestamp": f"2026-12-02T03:00:{n:02d}.000Z"}


def send(sender: Sender, n: int) -> str:
    trace_id = f"msg-{n}"
    sender.send("telemetry", record(n), trace_id=trace_id)
    return trace_id


def test_messages_keep_flowing_during_rotation_and_old_old_and_forged_are_refused(
    project, hot_writer
):
    edit_json(project / "config_providers.json", lambda d: d.update(layer_2_provider="azure"))
    store = GlueSecrets(project, "sandbox")
    store.ensure()
    log = hot_writer.log
    sent: list[str] = []

    def env(side):
        return store.function_environment(BOUNDARY, side)

    # Before: both ends deployed with generation 1.
    hot_writer.deploy(env("receiver"))
    old_sender = persister(hot_writer.url, env("sender"), log)
    generation_1 = store.get(BOUNDARY).current
    sent += [send(old_sender, n) for n in range(3)]

    # During: rotate; the receiver is redeployed first (new + previous), the sender still
    # signs with the old secret and keeps getting through; then the sender is redeployed.
    store.rotate()
    hot_writer.deploy(env("receiver"))
    assert set(hot_writer.receiver._secrets) == {generation_1, store.get(BOUNDARY).current}
    sent += [send(old_sender, n) for n in range(3, 6)]
    new_sender = persister(hot_writer.url, env("sender"), log)
    sent += [send(new_sender, n) for n in range(6, 9)]
    sent.append(send(old_sender, 9))  # a straggler on the old secret still lands

    # A forged secret never gets through.
    forged = persister(hot_writer.url, {"DTWIN_HOT_WRITER_SECRET": secrets.token_hex(32)}, log)
    with pytest.raises(GlueRejected) as refused:
        send(forged, 50)
    assert refused.value.status == 401

    # After a second rotation the oldest secret (generation 1) is refused; 2 and 3 work.
    store.rotate()
    hot_writer.deploy(env("receiver"))
    with pytest.raises(GlueRejected) as refused:
        send(old_sender, 51)
    assert refused.value.status == 401
    assert "signature does not match" in refused.value.message
    sent.append(send(new_sender, 10))
    newest_sender = persister(hot_writer.url, env("sender"), log)
    sent.append(send(newest_sender, 11))

    assert hot_writer.received == sent  # every accepted message arrived, once, in order
    assert hot_writer.deploys == 3
    every_secret = [generation_1, *store.get(BOUNDARY).accepted]
    assert not any(s in line for s in every_secret for line in log.lines)


def test_a_concurrent_stream_loses_nothing_across_a_rotation(project, hot_writer):
    """A sender keeps posting from another thread while the rotation is rolled out."""
    edit_json(project / "config_providers.json", lambda d: d.update(layer_2_provider="azure"))
    store = GlueSecrets(project, "sandbox")
    store.ensure()
    hot_writer.deploy(store.function_environment(BOUNDARY, "receiver"))
    sender = persister(
        hot_writer.url, store.function_environment(BOUNDARY, "sender"), hot_writer.log
    )
    sent: list[str] = []
    failures: list[BaseException] = []
    rolled_out = threading.Event()

    def stream() -> None:
        n = 0
        try:
            while not rolled_out.is_set() or n < 40:
                sent.append(send(sender, n))
                n += 1
        except BaseException as exc:  # reported below
            failures.append(exc)

    worker = threading.Thread(target=stream)
    worker.start()
    store.rotate()
    hot_writer.deploy(store.function_environment(BOUNDARY, "receiver"))
    rolled_out.set()
    worker.join()

    assert failures == []
    assert len(sent) >= 40 and hot_writer.received == sent
