"""The glue envelope and headers accept ASCII digits only, and the whole value only.

Full-width (``１``) and Arabic-Indic (``١``) digits match ``\\d``; a trailing newline matches
``$``. Each must be a 401/400 with a clear reason, never an exception out of the receiver
(a 500 over HTTP, a crash of the Lambda adapter).
"""

from __future__ import annotations

import base64
import io
import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dtwin_gui.runtime.aws.handlers import common
from dtwin_gui.runtime.core.glue import (
    AuthError,
    BadEnvelope,
    Receiver,
    dump_envelope,
    make_envelope,
    parse_envelope,
    sign,
    verify,
    wsgi_app,
)
from dtwin_gui.runtime.core.records import RecordError, check_record

SECRET = "ascii-test-secret-5e1f"
RECORD = {"device_id": "sensor-1", "timestamp": "2026-11-25T10:00:00.123Z", "temperature": 21.5}
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def good_body(**fields) -> bytes:
    envelope = make_envelope(
        "telemetry", RECORD, source_cloud="aws", source_layer="L2", trace_id="t-1"
    )
    envelope.update(fields)
    return json.dumps(envelope, ensure_ascii=False).encode("utf-8")


def handled() -> tuple[Receiver, list]:
    seen: list = []
    receiver = Receiver({"telemetry": lambda payload, env: seen.append(payload)}, [SECRET])
    return receiver, seen


def headers_for(body: bytes, timestamp: str) -> dict:
    return {"X-Dtwin-Timestamp": timestamp, "X-Dtwin-Signature": sign(SECRET, "0", body)}


@pytest.mark.parametrize("digits", [FULL_WIDTH, ARABIC_INDIC], ids=["full-width", "arabic"])
def test_a_timestamp_header_in_non_ascii_digits_is_a_401_with_the_reason(digits):
    receiver, seen = handled()
    body = good_body()
    stamp = str(int(time.time())).translate(digits)
    status, reply = receiver.handle("POST", headers_for(body, stamp), body)
    assert status == 401
    assert reply["error"] == "unauthorized: X-Dtwin-Timestamp must be integer unix seconds"
    assert seen == []


def test_a_timestamp_header_with_a_trailing_newline_is_refused():
    body = good_body()
    stamp = str(int(time.time()))
    with pytest.raises(AuthError, match="integer unix seconds"):
        verify({"X-Dtwin-Timestamp": stamp + "\n+1", "X-Dtwin-Signature": "x"}, body, [SECRET])


def test_a_signature_with_a_trailing_newline_is_refused():
    body = good_body()
    stamp = str(int(time.time()))
    signature = sign(SECRET, stamp, body) + "\n"
    headers = [("X-Dtwin-Timestamp", stamp), ("X-Dtwin-Signature", signature + "x")]
    with pytest.raises(AuthError, match="v1=<64 hex digits>"):
        verify(headers, body, [SECRET])


def test_a_trace_id_ending_in_a_newline_is_a_bad_envelope():
    with pytest.raises(BadEnvelope, match="trace_id 't-1\\\\n' must be") as caught:
        parse_envelope(good_body(trace_id="t-1\n"))
    assert caught.value.trace_id is None  # not echoed back as if it were well-formed


@pytest.mark.parametrize("digits", [FULL_WIDTH, ARABIC_INDIC], ids=["full-width", "arabic"])
def test_a_sent_at_in_non_ascii_digits_is_a_bad_envelope(digits):
    sent_at = "2026-11-25T10:00:00.123Z".translate(digits)
    with pytest.raises(BadEnvelope, match=r"sent_at .* is not a UTC time"):
        parse_envelope(good_body(sent_at=sent_at))


def test_a_sent_at_ending_in_a_newline_is_a_bad_envelope():
    with pytest.raises(BadEnvelope, match="sent_at"):
        parse_envelope(good_body(sent_at="2026-11-25T10:00:00.123Z\n"))


def test_a_record_timestamp_in_full_width_digits_is_not_canonical():
    record = dict(RECORD, timestamp="2026-11-25T10:00:00.123Z".translate(FULL_WIDTH))
    with pytest.raises(RecordError, match="is not in the form"):
        check_record(record)


def test_the_wsgi_binding_answers_401_not_500_for_non_ascii_digits():
    receiver, seen = handled()
    body = good_body()
    stamp = str(int(time.time())).translate(FULL_WIDTH)
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "HTTP_X_DTWIN_TIMESTAMP": stamp,
        "HTTP_X_DTWIN_SIGNATURE": sign(SECRET, "0", body),
    }
    statuses = []
    data = b"".join(wsgi_app(receiver)(environ, lambda status, headers: statuses.append(status)))
    assert statuses == ["401 Unauthorized"]
    assert "integer unix seconds" in json.loads(data)["error"]
    assert seen == []


@pytest.fixture
def lambda_receive(monkeypatch):
    monkeypatch.setenv("DTWIN_GLUE_SECRET", SECRET)
    monkeypatch.setattr(common, "_RECEIVERS", {})
    seen: list = []

    def call(event):
        return common.receive(None, event, {"telemetry": lambda p, e: seen.append(p)})

    call.seen = seen
    return call


def lambda_event(body: bytes, headers: dict, *, encoded: bool = True) -> dict:
    return {
        "version": "2.0",
        "requestContext": {"http": {"method": "POST"}},
        "headers": headers,
        "body": base64.b64encode(body).decode() if encoded else body,
        "isBase64Encoded": encoded,
    }


@pytest.mark.parametrize("digits", [FULL_WIDTH, ARABIC_INDIC], ids=["full-width", "arabic"])
def test_the_lambda_adapter_answers_401_for_non_ascii_digits(lambda_receive, digits):
    body = good_body()
    stamp = str(int(time.time())).translate(digits)
    reply = lambda_receive(lambda_event(body, headers_for(body, stamp)))
    assert reply["statusCode"] == 401
    assert "integer unix seconds" in json.loads(reply["body"])["error"]
    assert lambda_receive.seen == []


def test_the_lambda_adapter_answers_400_for_a_body_that_is_not_base64(lambda_receive):
    event = lambda_event(b"", {}, encoded=True)
    event["body"] = "not base64 at all!"
    reply = lambda_receive(event)
    assert reply["statusCode"] == 400
    assert json.loads(reply["body"])["error"] == "the request body could not be read"


def test_a_well_signed_ascii_request_still_goes_through(lambda_receive):
    body = dump_envelope(json.loads(good_body()))
    stamp = str(int(time.time()))
    headers = {"X-Dtwin-Timestamp": stamp, "X-Dtwin-Signature": sign(SECRET, stamp, body)}
    reply = lambda_receive(lambda_event(body, headers))
    assert reply["statusCode"] == 200, reply
    assert lambda_receive.seen == [RECORD]


_HEADER_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40
)


@settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(timestamp=_HEADER_TEXT, signature=_HEADER_TEXT, digits=st.sampled_from([None, 1, 2]))
def test_any_header_values_get_a_401_or_200_never_an_exception(timestamp, signature, digits):
    receiver, _ = handled()
    body = good_body()
    if digits is not None:  # also digit strings of the other scripts, near the real time
        timestamp = str(int(time.time())).translate([None, FULL_WIDTH, ARABIC_INDIC][digits])
    headers = {"X-Dtwin-Timestamp": timestamp, "X-Dtwin-Signature": signature}
    status, reply = receiver.handle("POST", headers, body)
    assert status == 401
    assert reply["error"].startswith("unauthorized: ")


_ENVELOPE_VALUES = st.one_of(
    st.text(max_size=30),
    st.text(alphabet="0123456789０１２٣-:.TZ\n", max_size=30),
    st.integers(),
    st.none(),
    st.booleans(),
)


@settings(max_examples=150, deadline=None, database=None)
@given(
    field=st.sampled_from(["trace_id", "sent_at", "kind", "version", "source", "payload"]),
    value=_ENVELOPE_VALUES,
)
def test_any_envelope_field_value_is_accepted_or_a_bad_envelope(field, value):
    body = good_body(**{field: value})
    try:
        envelope = parse_envelope(body)
    except BadEnvelope as err:
        assert str(err)
    else:  # what passes is plain ASCII where the contract says so
        assert envelope["trace_id"].isascii() and "\n" not in envelope["trace_id"]
        assert envelope["sent_at"].isascii() and envelope["sent_at"].endswith("Z")
