"""Calls between Google functions: an ID token for the called URL on real Google (from the
metadata server: replaced here by a token source, as no metadata server exists in a test),
none on the sandbox's loopback gateway; a function whose setting is missing says which."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from dtwin_gui.runtime.core.env import MissingEnvironment
from dtwin_gui.runtime.google.function import GoogleFunction
from dtwin_gui.runtime.google.services import HttpInvoker, InvocationFailed


@pytest.fixture
def echo():
    seen: list[dict] = []

    class Echo(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append({"path": self.path, "auth": self.headers.get("Authorization")})
            status = 500 if self.path.endswith("broken") else 200
            data = json.dumps({"got": json.loads(body)}).encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_loopback_calls_carry_no_token_and_return_the_answer(echo):
    url, seen = echo
    invoker = HttpInvoker(url, token_source=lambda aud: pytest.fail("no token on loopback"))
    assert invoker.invoke("factory-twin-persister", {"a": 1}) == {"got": {"a": 1}}
    assert invoker.invoke("factory-twin-persister", {"a": 2}, wait=False) is None
    assert seen == [{"path": "/factory-twin-persister", "auth": None}] * 2
    with pytest.raises(InvocationFailed, match="HTTP 500"):
        invoker.invoke("broken", {})


def test_real_google_calls_fetch_one_id_token_per_audience():
    audiences: list[str] = []

    def source(audience: str) -> str:
        audiences.append(audience)
        return "token-1"

    invoker = HttpInvoker("https://europe-west1-proj.cloudfunctions.net", token_source=source)
    assert invoker.needs_token
    url = invoker.url("factory-twin-persister")
    assert url == "https://europe-west1-proj.cloudfunctions.net/factory-twin-persister"
    assert invoker._token(url) == invoker._token(url) == "token-1"
    assert audiences == [url]  # cached


def test_no_functions_url_is_a_clear_error():
    with pytest.raises(InvocationFailed, match="DTWIN_GOOGLE_FUNCTIONS_URL"):
        HttpInvoker.from_env({})


def test_a_missing_setting_names_the_variable(tmp_path):
    manifest = {
        "layer": "L2",
        "functions": [
            {
                "name": "persister",
                "deployed_name": "t-persister",
                "role": "persister",
                "config": {
                    "role": "persister",
                    "twin_name": "t",
                    "cloud": "google",
                    "name": "persister",
                },
                "user_dir": None,
            }
        ],
    }
    (tmp_path / "dtwin_functions.json").write_text(json.dumps(manifest))
    with pytest.raises(MissingEnvironment, match="DTWIN_HOT_STORE or DTWIN_HOT_WRITER_URL"):
        GoogleFunction("persister", tmp_path, {"DTWIN_TWIN_NAME": "t"})
    with pytest.raises(MissingEnvironment, match="names no function"):
        GoogleFunction("persister", tmp_path, {"DTWIN_FUNCTION": "nope", "DTWIN_TWIN_NAME": "t"})
    fn = GoogleFunction("persister", tmp_path, {"DTWIN_TWIN_NAME": "t", "DTWIN_HOT_STORE": "h"})
    assert fn.name == "persister" and fn.layer == "L2"
    by_deployed = {"DTWIN_FUNCTION": "t-persister", "DTWIN_TWIN_NAME": "t", "DTWIN_HOT_STORE": "h"}
    assert GoogleFunction("persister", tmp_path, by_deployed).name == "persister"
