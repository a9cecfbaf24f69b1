"""A hot reader proxy signs each query as from the layer that asked: TwinMaker's data reader
(L4) or Grafana (L5). One proxy per cloud serves both, and Status tells their hops apart by
the ``source.layer`` the receiver logs (deploy/hop_health.py). The AWS proxy (a Lambda
handler) is proven on the matrix rows with L4 or L5 on AWS and L3 hot elsewhere
(tests/e2e/matrix_readers.py)."""

from __future__ import annotations

import json

import pytest

from dtwin_gui.runtime.core.glue import Receiver, Sender, wsgi_app
from dtwin_gui.runtime.core.glue_remote import DASHBOARDS, TWIN_MODEL, proxy_caller
from dtwin_gui.runtime.core.http_roles import hot_reader_proxy
from tests.runtime.core.test_glue import SECRET, Recorder, serving


@pytest.mark.parametrize(
    ("request_", "layer"),
    [
        ({"op": "twinmaker", "request": {}}, TWIN_MODEL),
        ({}, DASHBOARDS),  # an empty request is no TwinMaker's (AWS's raw event: its handler)
        ({"op": "query", "params": {"device_id": "d"}}, DASHBOARDS),
        ("not a request", DASHBOARDS),
    ],
)
def test_the_caller_is_told_by_the_request(request_, layer):
    assert proxy_caller(request_) == layer


@pytest.fixture
def hot_reader():
    """A real glue receiver standing for the hot reader on another cloud."""
    recorder = Recorder({"items": [{"device_id": "d", "temperature": 21.5}]})
    with serving(wsgi_app(Receiver({"hot-query": recorder}, [SECRET]))) as url:
        yield url, recorder


class _Fn:
    """The parts of a cloud's function object the proxy uses (Azure's and Google's)."""

    def __init__(self, url: str) -> None:
        self.environ = {"DTWIN_REMOTE_URL": url, "DTWIN_REMOTE_SECRET": SECRET}

    def sender(self, prefix: str, layer: str | None = None):
        return Sender.from_env(self.environ, prefix, source_cloud="azure", source_layer=layer)


def test_the_http_proxy_signs_grafana_as_l5_and_twinmaker_as_l4(hot_reader):
    url, recorder = hot_reader
    handle = hot_reader_proxy(_Fn(url))
    status, reply, _ = handle("GET", {}, b"", {"device_id": "d", "properties": "temperature"})
    assert (status, reply["items"][0]["temperature"]) == (200, 21.5)
    body = json.dumps({"op": "twinmaker", "request": {"workspaceId": "w"}}).encode()
    assert handle("POST", {}, body, {})[0] == 200
    layers = [e["source"]["layer"] for e in recorder.envelopes]
    assert layers == [DASHBOARDS, TWIN_MODEL]
    assert recorder.payloads[0]["params"]["properties"] == ["temperature"]
