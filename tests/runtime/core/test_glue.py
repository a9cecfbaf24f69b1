"""The inter-cloud glue, end to end over a real local HTTP server (wsgiref in a thread)."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.error
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime
from http import HTTPStatus
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

from dtwin_gui.core.providers import Cloud, Slot
from dtwin_gui.core.topology import BOUNDARY_SPECS
from dtwin_gui.runtime.core.env import MissingEnvironment
from dtwin_gui.runtime.core.glue import (
    CLOUDS,
    KINDS,
    LAYERS,
    AuthError,
    BadEnvelope,
    BadPayload,
    GlueError,
    GlueRejected,
    GlueUnavailable,
    Receiver,
    RemoteHotReader,
    RemoteHotWriter,
    RemoteObjectWriter,
    RemoteTwinUpdater,
    ReplayCache,
    Sender,
    dump_envelope,
    make_envelope,
    make_object_payload,
    object_payload,
    parse_envelope,
    receiver_secrets,
    record_payload,
    sign,
    signed_headers,
    verify,
    wsgi_app,
)
from dtwin_gui.runtime.core.records import RecordError

SECRET = "current-secret-7c1d9a"
PREVIOUS = "previous-secret-42b0e6"
RECORD = {"device_id": "sensor-1", "timestamp": "2026-11-25T10:00:00.123Z", "temperature": 21.5}


@pytest.mark.parametrize("function_log_first", [False, True])
def test_glue_lines_go_to_stdout_once_whatever_was_logged_first(function_log_first):
    # A fresh interpreter, as in a cloud function: whether a FunctionLog exists or not, the
    # glue's lines are JSON on stdout, once, and never reach the platform's root handler
    # (which would print them again, unstructured, on stderr here).
    script = f"""
import logging, sys
logging.basicConfig(stream=sys.stderr, level=logging.DEBUG, format="ROOT %(message)s")
from dtwin_gui.runtime.core.log import FunctionLog
from dtwin_gui.runtime.core.glue_log import JsonLineLog
if {function_log_first}:
    FunctionLog("f").info("function-started", "hello")
JsonLineLog().info("glue-duplicate", "seen before", trace_id="t-1", kind="telemetry")
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    events = [json.loads(line)["event"] for line in done.stdout.splitlines()]
    assert events[-1:] == ["glue-duplicate"] and events.count("glue-duplicate") == 1
    assert "ROOT" not in done.stderr


# --- fixtures and helpers -------------------------------------------------------------------------
class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # keep test output free of access logs
        pass


@contextmanager
def serving(app):
    """``app`` on a real HTTP server on 127.0.0.1; yields its URL."""
    server = make_server("127.0.0.1", 0, app, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/glue"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


class Recorder:
    """A kind handler that remembers what it was given and answers ``result``."""

    def __init__(self, result: dict | None = None) -> None:
        self.payloads: list[dict] = []
        self.envelopes: list[dict] = []
        self.result = result

    def __call__(self, payload: dict, envelope: dict) -> dict | None:
        self.payloads.append(payload)
        self.envelopes.append(envelope)
        return self.result


class Scripted:
    """A WSGI app that answers from a script of (status, extra headers), then delegates to
    ``then`` (or answers ok). It records the trace id of every request it saw."""

    def __init__(self, script, then=None) -> None:
        self.script = list(script)
        self.then = then
        self.trace_ids: list[str] = []

    @property
    def calls(self) -> int:
        return len(self.trace_ids)

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        self.trace_ids.append(json.loads(body)["trace_id"])
        if not self.script and self.then is not None:
            environ["wsgi.input"] = io.BytesIO(body)
            return self.then(environ, start_response)
        status, headers = self.script.pop(0) if self.script else (200, [])
        if status == 200:
            reply = {"status": "ok", "trace_id": self.trace_ids[-1]}
        else:
            reply = {"status": "error", "error": f"scripted {status}"}
        data = json.dumps(reply).encode()
        start_response(
            f"{status} {HTTPStatus(status).phrase}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(data))), *headers],
        )
        return [data]


class UpperBound:
    """An rng whose jitter is always the full cap, so the backoff schedule is visible."""

    def uniform(self, low: float, high: float) -> float:
        return high


@pytest.fixture
def telemetry() -> Recorder:
    return Recorder()


@pytest.fixture
def receiver(telemetry) -> Receiver:
    return Receiver({"telemetry": telemetry}, [SECRET, PREVIOUS])


@pytest.fixture
def url(receiver):
    with serving(wsgi_app(receiver)) as address:
        yield address


def body_of(kind="telemetry", payload=None, *, trace_id=None) -> bytes:
    """A valid envelope body."""
    envelope = make_envelope(
        kind,
        RECORD if payload is None else payload,
        source_cloud="aws",
        source_layer="L2",
        trace_id=trace_id,
    )
    return dump_envelope(envelope)


def tampered(**fields) -> bytes:
    """A valid telemetry envelope body with ``fields`` replaced (or added)."""
    envelope = json.loads(body_of(trace_id="t-tampered"))
    envelope.update(fields)
    return json.dumps(envelope).encode()


def post(url: str, body: bytes, headers: dict, method: str = "POST") -> tuple[int, dict]:
    """A raw HTTP request (no Sender), so tests can send anything."""
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json", **headers}, method=method
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        with err:
            return err.code, json.loads(err.read())


def sender(url: str, secret: str = SECRET, **options) -> Sender:
    options.setdefault("sleep", lambda delay: None)
    return Sender(url, secret, source_cloud="aws", source_layer="L2", **options)


def full_text(exc: BaseException | None) -> str:
    """What an exception and its chain say (not the source lines a traceback quotes)."""
    parts = []
    while exc is not None:
        parts += [*traceback.format_exception_only(exc), repr(exc), repr(exc.args)]
        exc = exc.__cause__ or exc.__context__
    return "".join(parts)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- envelope ---------------------------------------------------------------------------------
def test_envelope_has_the_contract_shape_and_round_trips():
    moment = datetime(2026, 11, 25, 10, 0, 0, 123456, tzinfo=UTC)
    envelope = make_envelope(
        "telemetry", RECORD, source_cloud="azure", source_layer="L2", trace_id="t-1", now=moment
    )
    assert envelope == {
        "version": 1,
        "kind": "telemetry",
        "trace_id": "t-1",
        "sent_at": "2026-11-25T10:00:00.123Z",
        "source": {"cloud": "azure", "layer": "L2"},
        "payload": RECORD,
    }
    assert parse_envelope(dump_envelope(envelope)) == envelope
    fresh = make_envelope("hot-query", {}, source_cloud="aws", source_layer="L4", now=0.0)
    assert fresh["sent_at"] == "1970-01-01T00:00:00.000Z"
    assert len(fresh["trace_id"]) == 32


def test_kinds_clouds_and_layers_match_the_topology():
    assert set(KINDS) == {spec.kind for spec in BOUNDARY_SPECS}
    assert tuple(c.value for c in Cloud) == CLOUDS
    assert tuple(s.value for s in Slot) == LAYERS


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not JSON: Expecting property name enclosed in double quotes at line 1"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[1, 2]", "must be a JSON object, not an array"),
        (tampered(version=2), "unsupported envelope version 2"),
        (tampered(version="1"), "unsupported envelope version '1'"),
        (tampered(version=True), "unsupported envelope version True"),
        (tampered(kind="bogus"), "unknown kind 'bogus'"),
        (tampered(trace_id="bad trace"), "trace_id 'bad trace' must be"),
        (tampered(trace_id="x" * 129), "must be 1-128 characters"),
        (tampered(sent_at="2026-11-25 10:00:00"), "sent_at '2026-11-25 10:00:00' is not"),
        (tampered(sent_at="2026-13-25T10:00:00.000Z"), "is not a UTC time"),
        (tampered(source={"cloud": "aws"}), 'exactly "cloud" and "layer"'),
        (tampered(source={"cloud": "ibm", "layer": "L2"}), "source.cloud 'ibm' is not one of"),
        (tampered(source={"cloud": "aws", "layer": "L9"}), "source.layer 'L9' is not one of"),
        (tampered(payload=[1]), "payload must be a JSON object, not an array"),
        (tampered(extra=1), "unknown envelope field(s): extra"),
        (b'{"version": 1, "version": 1}', "duplicate key 'version'"),
        (b'{"version": NaN}', "NaN is not a JSON number"),
        (b'{"version": 1}', "the envelope has no kind, trace_id, sent_at, source, payload"),
        (b"[" * 100_000, "nested too deeply"),
    ],
)
def test_parse_envelope_says_precisely_what_is_wrong(body, message):
    with pytest.raises(BadEnvelope) as caught:
        parse_envelope(body)
    assert message in str(caught.value)


def test_parse_envelope_keeps_a_well_formed_trace_id_for_the_reply():
    with pytest.raises(BadEnvelope) as caught:
        parse_envelope(tampered(version=9))
    assert caught.value.trace_id == "t-tampered"


def test_make_envelope_refuses_what_a_receiver_would_refuse():
    with pytest.raises(BadEnvelope, match="unknown kind"):
        make_envelope("bogus", {}, source_cloud="aws", source_layer="L2")
    with pytest.raises(BadEnvelope, match=r"source\.cloud"):
        make_envelope("telemetry", {}, source_cloud="oracle", source_layer="L2")


# --- signing ----------------------------------------------------------------------------------
def test_sign_is_hmac_sha256_over_timestamp_dot_body():
    expected = hmac.new(b"k", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert sign("k", 1700000000, b"{}") == f"v1={expected}"
    assert sign("k", "1700000000", b"{}") == sign(b"k", 1700000000, b"{}")


def test_verify_accepts_the_window_edges_and_any_header_case():
    body = b'{"a":1}'
    headers = {k.lower(): v for k, v in signed_headers(SECRET, body, now=1000).items()}
    verify(headers, body, [SECRET], now=1300)
    verify(headers, body, [SECRET], now=700)
    verify(list(headers.items()), body, [None, "", SECRET], now=1000)
    with pytest.raises(AuthError, match="outside the ±300 s window"):
        verify(headers, body, [SECRET], now=1301)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"X-Dtwin-Timestamp": "12.5"}, "must be integer unix seconds"),
        ({"X-Dtwin-Timestamp": "-5"}, "must be integer unix seconds"),
        ({"X-Dtwin-Signature": "sha256=abc"}, "must be v1=<64 hex digits>"),
        ({"X-Dtwin-Signature": "v1=" + "0" * 64}, "signature does not match"),
    ],
)
def test_verify_rejects_malformed_headers(change, reason):
    body = b"{}"
    headers = {**signed_headers(SECRET, body, now=1000), **change}
    with pytest.raises(AuthError, match=reason):
        verify(headers, body, [SECRET], now=1000)


def test_verify_without_any_secret_refuses_everything():
    body = b"{}"
    with pytest.raises(AuthError, match="no secret"):
        verify(signed_headers("", body, now=1), body, ["", None], now=1)
    with pytest.raises(TypeError, match="not a single string"):  # not 1-character secrets
        verify(signed_headers("s", body, now=1), body, "secret", now=1)
    with pytest.raises(TypeError, match="not a single string"):
        Receiver({"telemetry": Recorder()}, SECRET)


def test_conflicting_duplicate_headers_are_refused():
    body = b"{}"
    good = signed_headers(SECRET, body, now=1000)
    pairs = [*good.items(), ("x-dtwin-signature", sign("other", 1000, body))]
    with pytest.raises(AuthError, match="conflicting"):
        verify(pairs, body, [SECRET], now=1000)


# --- receiver over HTTP -----------------------------------------------------------------------
def test_a_good_signature_is_accepted_and_the_handler_runs_once(url, telemetry):
    body = body_of(trace_id="trace-good")
    status, reply = post(url, body, signed_headers(SECRET, body))
    assert (status, reply) == (200, {"status": "ok", "trace_id": "trace-good"})
    assert telemetry.payloads == [RECORD]
    assert telemetry.envelopes[0]["source"] == {"cloud": "aws", "layer": "L2"}


def _auth_case(name: str) -> tuple[bytes, dict]:
    body = body_of()
    now = time.time()
    headers = signed_headers(SECRET, body, now=now)
    if name == "wrong secret":
        headers = signed_headers("not-the-secret", body, now=now)
    # Well outside the ±300 s window: the timestamp is whole seconds and the receiver reads
    # its clock later, so "now + 301" could land inside it (the edges: test_verify_accepts_…).
    elif name == "expired":
        headers = signed_headers(SECRET, body, now=now - 360)
    elif name == "future":
        headers = signed_headers(SECRET, body, now=now + 360)
    elif name == "no timestamp":
        del headers["X-Dtwin-Timestamp"]
    elif name == "no signature":
        del headers["X-Dtwin-Signature"]
    elif name == "no headers":
        headers = {}
    elif name == "tampered body":
        body = body.replace(b"21.5", b"99.9")
    elif name == "re-signed timestamp":
        headers["X-Dtwin-Timestamp"] = str(int(now) + 1)
    return body, headers


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("wrong secret", "signature does not match"),
        ("expired", "X-Dtwin-Timestamp is outside the ±300 s window"),
        ("future", "X-Dtwin-Timestamp is outside the ±300 s window"),
        ("no timestamp", "missing X-Dtwin-Timestamp header"),
        ("no signature", "missing X-Dtwin-Signature header"),
        ("no headers", "missing X-Dtwin-Timestamp header"),
        ("tampered body", "signature does not match"),
        ("re-signed timestamp", "signature does not match"),
    ],
)
def test_auth_failures_are_401_and_nothing_runs(url, telemetry, case, reason):
    body, headers = _auth_case(case)
    status, reply = post(url, body, headers)
    assert status == 401
    assert reply == {"status": "error", "error": f"unauthorized: {reason}"}
    assert telemetry.payloads == []


def test_the_previous_secret_is_accepted_during_rotation(url, telemetry):
    body = body_of()
    status, _ = post(url, body, signed_headers(PREVIOUS, body))
    assert status == 200
    assert telemetry.payloads == [RECORD]


def test_an_oversize_body_is_413_and_nothing_runs(telemetry):
    small = Receiver({"telemetry": telemetry}, [SECRET], max_body=1024)
    body = body_of(payload={**RECORD, "note": "x" * 2000})
    with serving(wsgi_app(small)) as address:
        status, reply = post(address, body, signed_headers(SECRET, body))
    assert status == 413
    assert "1024-byte limit" in reply["error"]
    assert telemetry.payloads == []
    # the size is checked before authentication: no headers needed to get 413
    assert small.handle("POST", {}, b"x" * 1025)[0] == 413


def test_the_wsgi_adapter_refuses_a_huge_declared_length_without_reading_it(receiver):
    class Endless(io.RawIOBase):
        read_total = 0

        def read(self, size=-1):
            size = 65536 if size is None or size < 0 else size
            Endless.read_total += size
            return b"x" * size

    answers = []
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_LENGTH": str(10**10),
        "wsgi.input": Endless(),
    }
    body = wsgi_app(receiver)(environ, lambda status, headers: answers.append(status))
    assert answers[0].startswith("413 ")
    assert json.loads(b"".join(body))["status"] == "error"
    assert Endless.read_total <= 1024 * 1024


@pytest.mark.parametrize(
    ("content_length", "status"), [(None, 411), ("abc", 400), ("-1", 400), ("10", 400)]
)
def test_the_wsgi_adapter_checks_content_length(receiver, content_length, status):
    environ = {"REQUEST_METHOD": "POST", "wsgi.input": io.BytesIO(b"short")}
    if content_length is not None:
        environ["CONTENT_LENGTH"] = content_length
    answers = []
    wsgi_app(receiver)(environ, lambda line, headers: answers.append(line))
    assert answers[0].startswith(str(status))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{oops", "bad envelope: the body is not JSON"),
        (tampered(version=2), "bad envelope: unsupported envelope version 2"),
        (tampered(kind="bogus"), "bad envelope: unknown kind 'bogus'"),
        (body_of("cold-chunk", {}), "does not accept kind 'cold-chunk' (only telemetry)"),
    ],
)
def test_malformed_envelopes_are_400_and_nothing_runs(url, telemetry, body, message):
    status, reply = post(url, body, signed_headers(SECRET, body))
    assert status == 400
    assert reply["status"] == "error"
    assert message in reply["error"]
    assert telemetry.payloads == []


def test_a_replay_is_a_duplicate_and_the_handler_runs_once(url, telemetry):
    body = body_of(trace_id="trace-replay")
    headers = signed_headers(SECRET, body)
    assert post(url, body, headers) == (200, {"status": "ok", "trace_id": "trace-replay"})
    assert post(url, body, headers) == (200, {"status": "duplicate", "trace_id": "trace-replay"})
    # a new signature does not make it new either: the key is (trace_id, kind)
    assert post(url, body, signed_headers(SECRET, body))[1]["status"] == "duplicate"
    assert len(telemetry.payloads) == 1


def test_a_replayed_signature_outside_the_window_is_401(receiver, telemetry):
    body = body_of(trace_id="trace-window")
    headers = signed_headers(SECRET, body, now=10_000)
    assert receiver.handle("POST", headers, body, now=10_000)[0] == 200
    assert receiver.handle("POST", headers, body, now=10_301)[0] == 401
    assert receiver.handle("POST", headers, body, now=10_299) == (
        200,
        {"status": "duplicate", "trace_id": "trace-window"},
    )
    assert len(telemetry.payloads) == 1


def test_the_same_trace_id_under_another_kind_is_not_a_duplicate():
    handlers = {"telemetry": Recorder(), "twin-update": Recorder()}
    receiver = Receiver(handlers, [SECRET])
    for kind in ("telemetry", "twin-update"):
        body = body_of(kind, trace_id="shared")
        status, reply = receiver.handle("POST", signed_headers(SECRET, body), body)
        assert (status, reply["status"]) == (200, "ok")
    assert [len(h.payloads) for h in handlers.values()] == [1, 1]


def test_hot_queries_are_never_deduped():
    reader = Recorder(result={"items": [RECORD]})
    receiver = Receiver({"hot-query": reader}, [SECRET])
    body = body_of("hot-query", {"device_id": "sensor-1"}, trace_id="q-1")
    for _ in range(2):
        status, reply = receiver.handle("POST", signed_headers(SECRET, body), body)
        assert (status, reply["result"]) == (200, {"items": [RECORD]})
    assert len(reader.payloads) == 2


def test_bad_payload_is_400_and_a_crash_is_a_generic_500(capsys):
    def picky(payload, envelope):
        raise BadPayload("temperature must be a number")

    attempts = []

    def crashing(payload, envelope):
        attempts.append(payload)
        raise RuntimeError("connection string AccountKey=hunter2 refused")

    receiver = Receiver({"telemetry": picky, "twin-update": crashing}, [SECRET])
    body = body_of(trace_id="t-picky")
    assert receiver.handle("POST", signed_headers(SECRET, body), body) == (
        400,
        {
            "status": "error",
            "error": "bad telemetry payload: temperature must be a number",
            "trace_id": "t-picky",
        },
    )
    body = body_of("twin-update", trace_id="t-crash")
    capsys.readouterr()
    status, reply = receiver.handle("POST", signed_headers(SECRET, body), body)
    assert status == 500
    assert reply == {
        "status": "error",
        "error": "internal error; see the receiver's log",
        "trace_id": "t-crash",
    }
    assert "hunter2" in capsys.readouterr().out  # the detail goes to the log only
    # a failure is not remembered: the sender's retry runs the handler again
    assert receiver.handle("POST", signed_headers(SECRET, body), body)[0] == 500
    assert len(attempts) == 2


def test_a_handler_result_that_is_not_json_is_a_500():
    receiver = Receiver({"hot-query": lambda payload, envelope: {"x": object()}}, [SECRET])
    body = body_of("hot-query", {})
    assert receiver.handle("POST", signed_headers(SECRET, body), body)[0] == 500


def test_a_concurrent_copy_of_an_envelope_in_progress_is_503():
    started, release = threading.Event(), threading.Event()

    def slow(payload, envelope):
        started.set()
        release.wait(10)

    receiver = Receiver({"telemetry": slow}, [SECRET])
    body = body_of(trace_id="t-busy")
    headers = signed_headers(SECRET, body)
    first: list = []
    worker = threading.Thread(target=lambda: first.append(receiver.handle("POST", headers, body)))
    worker.start()
    try:
        assert started.wait(10)
        status, reply = receiver.handle("POST", headers, body)
        assert status == 503
        assert "being handled" in reply["error"]
    finally:
        release.set()
        worker.join(10)
    assert first[0][0] == 200
    assert receiver.handle("POST", headers, body)[1]["status"] == "duplicate"


def test_other_methods_are_405(url, telemetry):
    status, reply = post(url, None, {}, method="GET")
    assert status == 405
    assert "use POST" in reply["error"]
    assert telemetry.payloads == []


def test_a_receiver_needs_a_secret_and_known_kinds():
    with pytest.raises(ValueError, match="needs a secret"):
        Receiver({"telemetry": Recorder()}, [None, ""])
    with pytest.raises(ValueError, match="'bogus'"):
        Receiver({"bogus": Recorder()}, [SECRET])


def test_receiver_secrets_come_from_the_env_contract():
    environ = {"DTWIN_GLUE_SECRET": SECRET, "DTWIN_GLUE_PREVIOUS_SECRET": PREVIOUS}
    assert receiver_secrets(environ) == [SECRET, PREVIOUS]
    assert receiver_secrets({"DTWIN_GLUE_SECRET": SECRET}) == [SECRET]
    receiver = Receiver.from_env({"telemetry": Recorder()}, environ)
    assert SECRET not in repr(receiver)


def test_the_replay_cache_is_a_bounded_lru():
    cache = ReplayCache(max_entries=2)
    cache.add(("a", "telemetry"))
    cache.add(("b", "telemetry"))
    assert ("a", "telemetry") in cache  # refreshes "a"
    cache.add(("c", "telemetry"))
    assert ("b", "telemetry") not in cache
    assert ("a", "telemetry") in cache
    assert len(cache) == 2


# --- sender -----------------------------------------------------------------------------------
def test_the_sender_delivers_and_returns_the_reply(url, telemetry):
    reply = sender(url).send("telemetry", RECORD, trace_id="t-send")
    assert reply == {"status": "ok", "trace_id": "t-send"}
    assert telemetry.payloads == [RECORD]
    assert telemetry.envelopes[0]["source"] == {"cloud": "aws", "layer": "L2"}
    # sending the same trace id again is harmless
    assert sender(url).send("telemetry", RECORD, trace_id="t-send")["status"] == "duplicate"
    assert len(telemetry.payloads) == 1


def test_the_sender_retries_503_with_growing_delays_and_the_same_trace_id(receiver, telemetry):
    flaky = Scripted([(503, []), (503, [])], then=wsgi_app(receiver))
    delays: list[float] = []
    with serving(flaky) as address:
        reply = sender(address, sleep=delays.append, rng=UpperBound()).send("telemetry", RECORD)
    assert reply["status"] == "ok"
    assert flaky.calls == 3
    assert len(set(flaky.trace_ids)) == 1
    assert reply["trace_id"] == flaky.trace_ids[0]
    assert delays == [0.2, 0.4]
    assert telemetry.payloads == [RECORD]


def test_backoff_grows_to_max_delay_then_gives_up_naming_host_and_attempts():
    always = Scripted([(503, [])] * 6)
    delays: list[float] = []
    with serving(always) as address:
        glue = sender(address, sleep=delays.append, rng=UpperBound(), max_attempts=6, max_delay=1)
        with pytest.raises(GlueUnavailable) as caught:
            glue.send("telemetry", RECORD)
    assert always.calls == 6
    assert delays == [0.2, 0.4, 0.8, 1, 1]
    message = str(caught.value)
    assert address.split("/")[2] in message  # host:port
    assert "after 6 attempts" in message
    assert "HTTP 503: scripted 503" in message


def test_real_jitter_stays_under_the_exponential_cap():
    always = Scripted([(500, [])] * 8)
    delays: list[float] = []
    with serving(always) as address:
        glue = sender(address, sleep=delays.append, max_attempts=8, base_delay=0.1, max_delay=0.5)
        with pytest.raises(GlueUnavailable):
            glue.send("telemetry", RECORD)
    caps = [min(0.5, 0.1 * 2**i) for i in range(7)]
    assert len(delays) == 7
    assert all(0 <= d <= cap for d, cap in zip(delays, caps, strict=True))


def test_retry_after_is_honoured_for_429():
    limited = Scripted([(429, [("Retry-After", "2")])])
    delays: list[float] = []
    with serving(limited) as address:
        reply = sender(address, sleep=delays.append).send("telemetry", RECORD)
    assert reply["status"] == "ok"
    assert limited.calls == 2
    assert delays == [2.0]


def test_a_retry_after_longer_than_max_delay_gives_up_at_once():
    limited = Scripted([(503, [("Retry-After", "120")])])
    delays: list[float] = []
    with serving(limited) as address:
        glue = sender(address, sleep=delays.append)
        with pytest.raises(GlueUnavailable, match="asked to retry after 120 s") as caught:
            glue.send("telemetry", RECORD)
    assert caught.value.attempts == 1
    assert limited.calls == 1
    assert delays == []


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 413, 422])
def test_other_4xx_are_never_retried(status):
    refusing = Scripted([(status, [])] * 3)
    delays: list[float] = []
    with serving(refusing) as address, pytest.raises(GlueRejected) as caught:
        sender(address, sleep=delays.append).send("telemetry", RECORD)
    assert caught.value.status == status
    assert f"HTTP {status}: scripted {status}" in str(caught.value)
    assert refusing.calls == 1
    assert delays == []


def test_real_401_and_413_from_a_receiver_are_not_retried(telemetry):
    small = Receiver({"telemetry": telemetry}, [SECRET], max_body=1024)
    counted = Scripted([], then=wsgi_app(small))
    with serving(counted) as address:
        with pytest.raises(GlueRejected) as wrong_secret:
            sender(address, "wrong-secret").send("telemetry", RECORD)
        with pytest.raises(GlueRejected) as too_big:
            sender(address).send("telemetry", {**RECORD, "note": "x" * 2000})
    assert (wrong_secret.value.status, too_big.value.status) == (401, 413)
    assert "signature does not match" in str(wrong_secret.value)
    assert counted.calls == 2
    assert telemetry.payloads == []


def test_an_envelope_over_the_limit_is_not_sent_at_all():
    counted = Scripted([])
    with serving(counted) as address:
        glue = sender(address, max_body=512)
        with pytest.raises(GlueRejected, match="more than the receiver limit of 512"):
            glue.send("telemetry", {**RECORD, "note": "x" * 600})
    assert counted.calls == 0


def test_redirects_are_not_followed():
    moved = Scripted([(307, [("Location", "http://127.0.0.1:9/elsewhere")])])
    with serving(moved) as address, pytest.raises(GlueRejected) as caught:
        sender(address).send("telemetry", RECORD)
    assert caught.value.status == 307
    assert moved.calls == 1


def test_a_2xx_that_is_not_a_glue_reply_is_an_error():
    def not_glue(environ, start_response):
        environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        start_response("200 OK", [("Content-Type", "text/html")])
        return [b"<html>hello</html>"]

    with serving(not_glue) as address:
        glue = sender(address)
        with pytest.raises(GlueError, match="not a glue reply: <html>hello</html>"):
            glue.send("telemetry", RECORD)


def test_a_closed_port_is_retried_then_unavailable():
    port = free_port()
    delays: list[float] = []
    glue = sender(f"http://127.0.0.1:{port}/glue", sleep=delays.append, max_attempts=3)
    with pytest.raises(GlueUnavailable) as caught:
        glue.send("telemetry", RECORD)
    assert len(delays) == 2
    assert caught.value.attempts == 3
    assert f"127.0.0.1:{port}" in str(caught.value)
    assert "refused" in str(caught.value).lower()


def test_a_timeout_is_retried():
    with socket.create_server(("127.0.0.1", 0), backlog=8) as silent:  # never accepts
        port = silent.getsockname()[1]
        delays: list[float] = []
        glue = sender(f"http://127.0.0.1:{port}/", sleep=delays.append, max_attempts=2, timeout=0.2)
        with pytest.raises(GlueUnavailable, match=r"timed out after 0\.2 s"):
            glue.send("telemetry", RECORD)
    assert len(delays) == 1


def test_a_dropped_connection_is_retried():
    attempts = 3
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(10)

        def drop_each():
            for _ in range(attempts):
                try:
                    connection, _ = listener.accept()
                except OSError:
                    return
                connection.close()

        dropper = threading.Thread(target=drop_each)
        dropper.start()
        try:
            delays: list[float] = []
            address = f"http://127.0.0.1:{listener.getsockname()[1]}/"
            with pytest.raises(GlueUnavailable) as caught:
                sender(address, sleep=delays.append, max_attempts=attempts).send("telemetry", {})
        finally:
            dropper.join(10)
    assert caught.value.attempts == attempts
    assert len(delays) == attempts - 1


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/glue",
        "http://10.0.0.1/glue",
        "http://128.0.0.1/glue",
        "http://localhost.example.com/glue",
        "ftp://127.0.0.1/glue",
        "127.0.0.1/glue",
        "https:///nohost",
    ],
)
def test_plain_http_is_refused_except_to_loopback(url):
    with pytest.raises(ValueError):
        sender(url)


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://abc.lambda-url.eu-west-1.on.aws/", "abc.lambda-url.eu-west-1.on.aws"),
        ("http://127.0.0.1:8080/x", "127.0.0.1:8080"),
        ("http://127.9.9.9/x", "127.9.9.9"),
        ("http://localhost:1/x", "localhost:1"),
        ("http://[::1]:8080/x", "[::1]:8080"),
        ("https://fn.azurewebsites.net/api/glue?code=function-key-xyz", "fn.azurewebsites.net"),
    ],
)
def test_https_and_loopback_http_are_accepted(url, host):
    assert sender(url).host == host


def test_secrets_and_url_keys_never_appear_in_errors_or_logs(capsys):
    texts = []
    with pytest.raises(ValueError) as caught:
        Sender("https://u:pw-in-url@h.example/", SECRET, source_cloud="aws", source_layer="L2")
    texts.append(full_text(caught.value))
    receiver = Receiver({"telemetry": Recorder()}, [PREVIOUS])
    flaky = Scripted([(503, [])] * 2, then=wsgi_app(receiver))
    with serving(flaky) as address:
        glue = sender(address + "?code=function-key-xyz", max_attempts=5)
        texts.append(repr(glue))
        with pytest.raises(GlueRejected) as rejected:  # 503, 503, then 401: wrong secret
            glue.send("telemetry", RECORD)
        texts.append(full_text(rejected.value))
    closed = f"http://127.0.0.1:{free_port()}/glue?code=function-key-xyz"
    with pytest.raises(GlueUnavailable) as unavailable:
        sender(closed, max_attempts=2).send("telemetry", RECORD)
    texts.append(full_text(unavailable.value))
    logged = capsys.readouterr().out
    assert "glue-retry" in logged  # the log lines this checks are really there
    texts.append(logged)
    everything = "\n".join(texts)
    assert "signature does not match" in everything  # the texts are the real ones
    for secret in (SECRET, PREVIOUS, "pw-in-url", "function-key-xyz"):
        assert secret not in everything


def test_sender_from_env_reads_the_contract_names(url):
    environ = {"DTWIN_HOT_WRITER_URL": url, "DTWIN_HOT_WRITER_SECRET": SECRET}
    glue = Sender.from_env(environ, "HOT_WRITER", source_cloud="google", source_layer="L2")
    assert glue.send("telemetry", RECORD)["status"] == "ok"
    with pytest.raises(MissingEnvironment, match="DTWIN_COLD_WRITER_SECRET"):
        Sender.from_env(
            {"DTWIN_COLD_WRITER_URL": url}, "COLD_WRITER", source_cloud="aws", source_layer="L3_hot"
        )


def test_the_sender_refuses_an_unknown_kind_or_nan_before_sending():
    counted = Scripted([])
    with serving(counted) as address:
        with pytest.raises(ValueError, match="unknown kind"):
            sender(address).send("bogus", {})
        with pytest.raises(ValueError):
            sender(address).send("telemetry", {**RECORD, "temperature": float("nan")})
    assert counted.calls == 0


# --- remote ports -------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["cold-chunk", "archive-object"])
def test_remote_object_writer_round_trips_through_object_payload(kind):
    stored: dict[str, bytes] = {}

    def write(payload, envelope):
        key, data = object_payload(payload)
        stored[key] = data

    receiver = Receiver({kind: write}, [SECRET])
    key = "sensor-1/2026/11/25/2026-11-25T10:00:00.000Z_2026-11-25T10:59:59.999Z.jsonl.gz"
    data = bytes(range(256)) * 4
    with serving(wsgi_app(receiver)) as address:
        RemoteObjectWriter(sender(address), kind).put(key, data)
    assert stored == {key: data}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sha256": "0" * 64}, "does not match the payload's sha256"),
        ({"sha256": "ABC"}, "64 lowercase hex digits"),
        ({"data_b64": "!!!"}, "not valid base64"),
        ({"data_b64": 5}, "must be a base64 string"),
        ({"key": "/etc/passwd"}, "must not start with '/'"),
        ({"key": "a/../../b"}, "must not contain '..'"),
        ({"key": "..\\windows"}, "must not contain a backslash"),
        ({"key": "a\x00b"}, "control characters"),
        ({"key": ""}, "non-empty string"),
        ({"key": "k" * 1025}, "longer than 1024"),
    ],
)
def test_object_payload_checks_sha_and_key_safety(change, message):
    payload = {**make_object_payload("dev/2026/a.jsonl", b'{"a":1}\n'), **change}
    with pytest.raises(BadPayload, match=message.replace("(", r"\(")):
        object_payload(payload)


def test_an_unsafe_key_is_400_over_http_and_refused_by_the_writer():
    written = Recorder()
    receiver = Receiver({"cold-chunk": lambda p, e: written(object_payload(p), e)}, [SECRET])
    with serving(wsgi_app(receiver)) as address:
        glue = sender(address)
        with pytest.raises(GlueRejected) as caught:
            glue.send("cold-chunk", make_object_payload("../escape.jsonl", b"x"))
        with pytest.raises(ValueError, match=r"must not contain '\.\.'"):
            RemoteObjectWriter(glue, "cold-chunk").put("../escape.jsonl", b"x")
    assert caught.value.status == 400
    assert "must not contain '..'" in str(caught.value)
    assert written.payloads == []
    with pytest.raises(ValueError, match="object kind"):
        RemoteObjectWriter(glue, "telemetry")


def test_remote_hot_writer_and_twin_updater_deliver_records():
    received = {"telemetry": [], "twin-update": []}

    def store(kind):
        return lambda payload, envelope: received[kind].append(record_payload(payload))

    receiver = Receiver({kind: store(kind) for kind in received}, [SECRET])
    with serving(wsgi_app(receiver)) as address:
        glue = sender(address)
        RemoteHotWriter(glue).put(RECORD)
        RemoteHotWriter(glue).put(RECORD)  # a fresh envelope: not a duplicate
        RemoteTwinUpdater(glue).update(RECORD)
        with pytest.raises(RecordError):
            RemoteHotWriter(glue).put({"device_id": "sensor-1"})
        with pytest.raises(GlueRejected, match="has no device_id"):
            glue.send("telemetry", {"temperature": 1})
    assert received == {"telemetry": [RECORD, RECORD], "twin-update": [RECORD]}


def test_remote_hot_reader_returns_the_result_even_after_a_retry():
    reader = Recorder(result={"items": [RECORD], "next": None})
    receiver = Receiver({"hot-query": reader}, [SECRET])
    flaky = Scripted([(502, [])], then=wsgi_app(receiver))
    with serving(flaky) as address:
        result = RemoteHotReader(sender(address)).query({"device_id": "sensor-1", "limit": 5})
    assert result == {"items": [RECORD], "next": None}
    assert reader.payloads == [{"device_id": "sensor-1", "limit": 5}]


# --- logging ------------------------------------------------------------------------------------
class RecordingLog:
    """A GlueLog (the shape of runtime.core.log.FunctionLog) that keeps its entries."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str, str, dict]] = []

    def info(self, event, message, **fields):
        self.entries.append(("INFO", event, message, fields))

    def warning(self, event, message, **fields):
        self.entries.append(("WARNING", event, message, fields))

    def error(self, event, message, **fields):
        self.entries.append(("ERROR", event, message, fields))


def test_both_sides_log_structured_events_to_an_injected_log():
    def crashing(payload, envelope):
        raise RuntimeError("boom")

    received = RecordingLog()
    receiver = Receiver({"telemetry": Recorder(), "twin-update": crashing}, [SECRET], log=received)
    sent = RecordingLog()
    flaky = Scripted([(503, [])], then=wsgi_app(receiver))
    with serving(flaky) as address:
        glue = sender(address, log=sent)
        glue.send("telemetry", RECORD, trace_id="t-log")
        glue.send("telemetry", RECORD, trace_id="t-log")
        with pytest.raises(GlueUnavailable):
            sender(address, log=sent, max_attempts=1).send("twin-update", RECORD)
        with pytest.raises(GlueRejected):
            sender(address, "wrong-secret", log=sent).send("telemetry", RECORD)
    retry, unavailable, rejected = sent.entries
    level, event, message, fields = retry
    assert (level, event, fields["trace_id"], fields["device_id"]) == (
        "WARNING",
        "glue-retry",
        "t-log",
        "sensor-1",
    )
    assert "attempt 1/5 failed (HTTP 503: scripted 503)" in message
    # a send that gave up is the hop's failure on the sender's side, with what it sent
    assert [(e[0], e[1], e[3]["kind"]) for e in (unavailable, rejected)] == [
        ("ERROR", "glue-send-failed", "twin-update"),
        ("ERROR", "glue-send-failed", "telemetry"),
    ]
    assert "HTTP 401" in rejected[2]
    events = [(level, event) for level, event, _, _ in received.entries]
    assert events == [
        ("INFO", "glue-received"),
        ("INFO", "glue-duplicate"),
        ("ERROR", "glue-handler-failed"),
        ("WARNING", "glue-unauthorized"),
    ]
    ok = received.entries[0]
    assert (ok[3]["kind"], ok[3]["source_cloud"], ok[3]["trace_id"]) == (
        "telemetry",
        "aws",
        "t-log",
    )
    failed = received.entries[2]
    assert failed[2] == "the twin-update handler failed: RuntimeError: boom"
    assert "Traceback" in failed[3]["traceback"]
    assert failed[3]["device_id"] == "sensor-1"


def test_the_default_log_writes_json_lines(capsys):
    receiver = Receiver({"telemetry": Recorder()}, [SECRET])
    body = body_of(trace_id="t-json")
    capsys.readouterr()
    receiver.handle("POST", signed_headers(SECRET, body), body)
    receiver.handle("POST", signed_headers(SECRET, body), body)
    first, line = capsys.readouterr().out.splitlines()
    assert json.loads(first)["event"] == "glue-received"
    entry = json.loads(line)
    assert entry["event"] == "glue-duplicate"
    assert entry["time"].endswith("Z") and entry["time"] >= json.loads(first)["time"]
    assert (entry["trace_id"], entry["device_id"], entry["kind"]) == (
        "t-json",
        "sensor-1",
        "telemetry",
    )
