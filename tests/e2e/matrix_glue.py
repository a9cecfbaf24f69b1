"""Bad requests at the deployed glue receivers of a matrix row (tests/e2e/matrix_flow.py).

Every receiver the row's crossing boundaries have, at the URL the sandbox serves it on
(Lambda Function URLs through the AWS gateway, the Azure HTTPS gateway, the Google gateway),
gets a forged signature, an expired timestamp (a captured request replayed later) and an
oversized body, each with a payload the receiver would otherwise take: each is refused
(401, 401, 413) and nothing is written. Then a valid telemetry request is sent twice (a
replay inside the window): the record is stored once.
"""

from __future__ import annotations

import gzip
import json
import secrets
import time

import requests

from dtwin_gui.runtime.core.glue_protocol import (
    MAX_BODY,
    WINDOW_SECONDS,
    dump_envelope,
    make_envelope,
    make_object_payload,
    signed_headers,
)
from dtwin_gui.runtime.core.records import format_timestamp
from tests.helpers import wait_for

DEVICE = "temperature-sensor-1"


def _payload(kind: str, when) -> dict:
    stamp = format_timestamp(when)
    record = {"device_id": DEVICE, "timestamp": stamp, "temperature": 21.5}
    if kind in ("telemetry", "twin-update"):
        return record
    if kind in ("cold-chunk", "archive-object"):
        day = stamp[:10].replace("-", "/")
        key = f"{DEVICE}/{day}/{stamp}_{stamp}.jsonl.gz"
        return make_object_payload(key, gzip.compress(json.dumps(record).encode() + b"\n"))
    return {"op": "query", "params": {"device_id": DEVICE}}  # hot-query


def _post(url: str, body: bytes, headers: dict) -> requests.Response:
    headers = {"Content-Type": "application/json", **headers}
    return requests.post(url, data=body, headers=headers, timeout=60, verify=False)


def refused_with_nothing_written(deployment, outputs, topology, now, written) -> list[str]:
    """Send the bad requests to every receiver; returns the boundaries tried. ``written()``
    is a snapshot of everything the twin stores (it must not change)."""
    from dtwin_gui.deploy.glue_secrets import GlueSecrets
    from dtwin_gui.deploy.provision_phase import receiver_urls

    urls = receiver_urls(deployment, outputs)
    assert set(urls) == {b.name for b in topology.boundaries}, urls
    store = GlueSecrets.for_deployment(deployment)
    before = written()
    for boundary in topology.boundaries:
        url, kind = urls[boundary.name], boundary.spec.kind
        secret = store.get(boundary.name).current
        source = {
            "source_cloud": str(boundary.source_cloud),
            "source_layer": str(boundary.spec.source),
        }
        body = dump_envelope(make_envelope(kind, _payload(kind, now), **source))
        forged = _post(url, body, signed_headers(secrets.token_hex(32), body))
        assert forged.status_code == 401, (boundary.name, forged.status_code, forged.text)
        late = time.time() - WINDOW_SECONDS - 60
        expired = _post(url, body, signed_headers(secret, body, now=late))
        assert expired.status_code == 401, (boundary.name, expired.status_code, expired.text)
        padded = make_envelope(kind, _payload(kind, now), **source)
        padded["padding"] = "x" * (MAX_BODY + 1)
        big = json.dumps(padded).encode()
        oversized = _post(url, big, signed_headers(secret, big))
        assert oversized.status_code == 413, (boundary.name, oversized.status_code)
    time.sleep(2)  # anything a bad request had started would have written by now
    assert written() == before
    return [b.name for b in topology.boundaries]


def replay_stores_once(deployment, outputs, topology, now, hot) -> list[str]:
    """A valid telemetry request sent twice at each telemetry receiver: one record."""
    from dtwin_gui.deploy.glue_secrets import GlueSecrets
    from dtwin_gui.deploy.provision_phase import receiver_urls

    urls = receiver_urls(deployment, outputs)
    store = GlueSecrets.for_deployment(deployment)
    tried = []
    for n, boundary in enumerate(b for b in topology.boundaries if b.spec.kind == "telemetry"):
        from datetime import timedelta

        when = now + timedelta(seconds=n + 1)
        record = _payload("telemetry", when)
        envelope = make_envelope(
            "telemetry",
            record,
            source_cloud=str(boundary.source_cloud),
            source_layer=str(boundary.spec.source),
        )
        body = dump_envelope(envelope)
        headers = signed_headers(store.get(boundary.name).current, body)
        for _ in range(2):
            reply = _post(urls[boundary.name], body, headers)
            assert reply.status_code == 200, (boundary.name, reply.status_code, reply.text)
        stamp = record["timestamp"]
        found = wait_for(lambda s=stamp: [r for r in hot.query(DEVICE, start=s, end=s)], 60)
        time.sleep(1)
        assert len(hot.query(DEVICE, start=stamp, end=stamp)) == 1 == len(found), boundary.name
        tried.append(boundary.name)
    return tried
