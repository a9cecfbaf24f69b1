"""The sandbox's front door: one loopback endpoint that looks like AWS.

Most requests are passed to moto unchanged. Lambda ``Invoke`` and Function URL calls are
executed for real by the
:class:`~dtwin_gui.clouds.aws.sandbox.function_host.FunctionHost` with the code moto stored.
Further interceptors (IoT topic rules, schedules) can be added by the sandbox.
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from dtwin_gui.clouds.aws.sandbox import fastpath
from dtwin_gui.clouds.aws.sandbox.function_host import FunctionCode, FunctionHost

logger = logging.getLogger(__name__)

_INVOKE = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations$")
_FUNCTION_URL = re.compile(r"^/_function_url/(?P<name>[^/]+)(?P<path>/.*)?$")
_REGION = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[^/]+)/")
_HOP_HEADERS = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "upgrade",
    "proxy-connection",
}

FunctionLookup = Callable[[str, str], FunctionCode | None]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    region: str


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] | None = None


Interceptor = Callable[[Request], Response | None]


class Gateway:
    """Serve ``127.0.0.1:<port>``; forward to moto at ``upstream`` except what we run."""

    def __init__(
        self,
        upstream: str,
        host: FunctionHost,
        lookup: FunctionLookup,
        *,
        default_region: str = "us-east-1",
        upstream_app: Callable | None = None,
    ) -> None:
        self._upstream = urlsplit(upstream)
        #: moto's WSGI application, when it runs in this process: the hot-path calls
        #: (DynamoDB) are handed to it directly, without a connection per request (moto's
        #: werkzeug server closes every connection) and a server thread each.
        self._upstream_app = upstream_app
        self.host = host
        self._lookup = lookup
        self._default_region = default_region
        self._interceptors: list[Interceptor] = [self._lambda_invoke, self._function_url]
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._local = threading.local()  # per handler thread: its connection to moto

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def add_interceptor(self, interceptor: Interceptor) -> None:
        """Let ``interceptor`` answer requests before they reach moto (None = pass on)."""
        self._interceptors.append(interceptor)

    def function_url(self, name: str) -> str:
        """The sandbox URL standing in for function ``name``'s Function URL."""
        return f"{self.url}/_function_url/{name}/"

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> Gateway:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body are written separately: without this every reply waits for
            # the client's delayed ACK (~45 ms) and Terraform sometimes drops the connection.
            disable_nagle_algorithm = True

            def _serve(self) -> None:
                gateway._serve(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _serve

            def log_message(self, format, *args):
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="sandbox-gateway", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=10)
            self._server = None

    # --- request handling ----------------------------------------------------------------
    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        split = urlsplit(handler.path)
        headers = {k: v for k, v in handler.headers.items()}
        match = _REGION.search(headers.get("Authorization", ""))
        request = Request(
            handler.command,
            split.path,
            dict(parse_qsl(split.query)),
            headers,
            body,
            match.group("region") if match else self._default_region,
        )
        try:
            response = self._dispatch(handler, request)
        except Exception as exc:  # the client gets a 500, the sandbox log the detail
            logger.exception("sandbox gateway failed on %s %s", request.method, request.path)
            response = _aws_error(500, "InternalFailure", f"sandbox gateway error: {exc}")
        handler.send_response(response.status)
        length = str(len(response.body))
        for key, value in (response.headers or {}).items():
            if key.lower() == "content-length":
                if handler.command == "HEAD":
                    length = value  # HEAD describes the body it does not send
                continue
            if key.lower() not in _HOP_HEADERS:
                handler.send_header(key, value)
        handler.send_header("Content-Length", length)
        if not _keeps_alive(request.headers):
            # One request per connection: the aws provider's Go SDK reuses idle connections
            # the threaded server may already have closed ("use of closed network
            # connection").
            handler.send_header("Connection", "close")
            handler.close_connection = True
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(response.body)

    def _dispatch(self, handler: BaseHTTPRequestHandler, request: Request) -> Response:
        for interceptor in self._interceptors:
            response = interceptor(request)
            if response is not None:
                return response
        return self._forward(handler, request.body)

    def _forward(self, handler: BaseHTTPRequestHandler, body: bytes) -> Response:
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in _HOP_HEADERS}
        return self._upstream_call(handler.command, handler.path, body, headers)

    def forward(self, request: Request) -> Response:
        """Send ``request`` to moto unchanged and return moto's answer.

        For interceptors that let moto do its part first (recording an IoT publish, say)
        and then add what moto lacks. The query is rebuilt from ``request.query``, so a
        repeated or blank query parameter is not forwarded.
        """
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_HEADERS}
        target = request.path + (f"?{urlencode(request.query)}" if request.query else "")
        return self._upstream_call(request.method, target, request.body, headers)

    def _upstream_call(self, method: str, target: str, body: bytes, headers: dict) -> Response:
        """One request to moto over this thread's kept-alive connection (a handler thread
        serves one client connection, so it reuses one to moto: no connect per request)."""
        if self._upstream_app is not None and _in_process(headers):
            if fastpath.operation(headers):
                status, reply_headers, data = fastpath.call(
                    method,
                    target,
                    body,
                    headers,
                    f"{self._upstream.hostname}:{self._upstream.port}",
                )
                out = {k: v for k, v in reply_headers.items() if k.lower() not in _HOP_HEADERS}
                return Response(status, data, out)
            return self._call_app(method, target, body, headers)
        connection = getattr(self._local, "connection", None)
        reused = connection is not None
        if connection is None:
            connection = http.client.HTTPConnection(
                self._upstream.hostname, self._upstream.port, timeout=120
            )
        try:
            connection.request(method, target, body=body, headers=headers)
            reply = connection.getresponse()
            data = reply.read()
        except (http.client.RemoteDisconnected, ConnectionError) as exc:
            connection.close()
            self._local.connection = None
            if not reused:
                raise
            logger.debug("moto closed a kept-alive connection (%s); reconnecting", exc)
            return self._upstream_call(method, target, body, headers)
        except BaseException:
            connection.close()
            self._local.connection = None
            raise
        if reply.will_close:
            connection.close()
            self._local.connection = None
        else:
            self._local.connection = connection
        out = {k: v for k, v in reply.getheaders() if k.lower() not in _HOP_HEADERS}
        return Response(reply.status, data, out)

    def _call_app(self, method: str, target: str, body: bytes, headers: dict) -> Response:
        """The request handed to moto's WSGI application in this thread."""
        from werkzeug.test import EnvironBuilder, run_wsgi_app

        path, _, query = target.partition("?")
        builder = EnvironBuilder(
            method=method, path=path, query_string=query, headers=headers, data=body
        )
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        chunks, status, reply_headers = run_wsgi_app(self._upstream_app, environ)
        try:
            data = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        out = {k: v for k, v in reply_headers.items() if k.lower() not in _HOP_HEADERS}
        return Response(int(status.split(" ", 1)[0]), data, out)

    def _resolve(self, name: str, region: str) -> FunctionCode | None:
        name = unquote(name)
        if name.startswith("arn:"):
            parts = name.split(":")
            region, name = parts[3], parts[6]
        return self._lookup(name, region)

    def invoke_function(
        self, function: str, event: object, *, region: str, asynchronous: bool
    ) -> tuple[bool, object]:
        """Invoke a Lambda function (name or ARN) in process, as an ``Invoke`` would.

        For the sandbox's own callers (IoT rule actions, schedules): no HTTP round trip to
        ourselves. Returns ``(ok, result)``: the function's result (or Lambda's error object)
        for a synchronous call; ``None`` for an accepted asynchronous one.
        """
        code = self._resolve(function, region)
        if code is None:
            return False, {
                "errorType": "ResourceNotFoundException",
                "errorMessage": f"Function not found: {function}",
            }
        if asynchronous:
            self.host.invoke_async(code, event)
            return True, None
        outcome = self.host.invoke(code, event)
        return (True, outcome.result) if outcome.ok else (False, outcome.error)

    def _lambda_invoke(self, request: Request) -> Response | None:
        match = _INVOKE.match(request.path)
        if request.method != "POST" or not match:
            return None
        code = self._resolve(match.group("name"), request.region)
        if code is None:
            return _aws_error(404, "ResourceNotFoundException", "Function not found")
        event = json.loads(request.body or b"{}")
        kind = request.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        if kind == "DryRun":
            return Response(204)
        if kind == "Event":
            self.host.invoke_async(code, event)
            return Response(202)
        outcome = self.host.invoke(code, event)
        if outcome.ok:
            return Response(
                200, json.dumps(outcome.result).encode(), {"X-Amz-Executed-Version": "$LATEST"}
            )
        return Response(
            200,
            json.dumps(outcome.error).encode(),
            {"X-Amz-Function-Error": "Unhandled", "X-Amz-Executed-Version": "$LATEST"},
        )

    def _function_url(self, request: Request) -> Response | None:
        match = _FUNCTION_URL.match(request.path)
        if not match:
            return None
        code = self._resolve(match.group("name"), request.region)
        if code is None:
            return Response(404, b'{"Message":"function URL not found"}')
        event = function_url_event(request, match.group("path") or "/")
        outcome = self.host.invoke(code, event)
        if not outcome.ok:
            self.host.record_error(code.name, outcome.error)
            return Response(502, b'{"Message":"Internal Server Error"}')
        return function_url_response(outcome.result)


def _in_process(headers: dict[str, str]) -> bool:
    """DynamoDB's JSON API (``X-Amz-Target: DynamoDB_...``): the hot store's every write."""
    target = next((v for k, v in headers.items() if k.lower() == "x-amz-target"), "")
    return target.startswith("DynamoDB_")


def _keeps_alive(headers: dict[str, str]) -> bool:
    """Whether to keep the client's connection open for its next request.

    Only for botocore (boto3 in the functions, dtwin itself): it reconnects when a kept
    connection turns out closed. Each new connection costs a handler thread and a connect,
    several per telemetry message. Everything else (the aws provider's Go SDK) gets one
    request per connection.
    """
    agent = next((v for k, v in headers.items() if k.lower() == "user-agent"), "")
    wants_close = any(
        k.lower() == "connection" and v.lower() == "close" for k, v in headers.items()
    )
    return "Botocore/" in agent and "aws-sdk-go" not in agent and not wants_close


def function_url_event(request: Request, path: str) -> dict:
    """A Lambda Function URL event (payload format 2.0) for ``request``."""
    text_body = True
    try:
        body = request.body.decode("utf-8")
    except UnicodeDecodeError:
        body, text_body = base64.b64encode(request.body).decode(), False
    now = time.time()
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "&".join(f"{k}={v}" for k, v in request.query.items()),
        "headers": {k.lower(): v for k, v in request.headers.items()},
        "queryStringParameters": request.query or None,
        "requestContext": {
            "http": {"method": request.method, "path": path, "sourceIp": "127.0.0.1"},
            "timeEpoch": int(now * 1000),
        },
        "body": body if request.body else None,
        "isBase64Encoded": not text_body,
    }


def function_url_response(result: object) -> Response:
    """Map a handler's return value to HTTP the way Function URLs do."""
    if isinstance(result, dict) and "statusCode" in result:
        body = result.get("body") or ""
        data = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
        headers = {str(k): str(v) for k, v in (result.get("headers") or {}).items()}
        return Response(int(result["statusCode"]), data, headers)
    return Response(200, json.dumps(result).encode(), {"Content-Type": "application/json"})


def _aws_error(status: int, code: str, message: str) -> Response:
    body = json.dumps({"__type": code, "Message": message, "message": message}).encode()
    return Response(status, body, {"X-Amzn-ErrorType": code, "Content-Type": "application/json"})
