"""The telemetry path's DynamoDB calls, answered by moto's own DynamoDB handler directly.

Every persister write (``PutItem``) and hot-reader read (``Query``, ``GetItem``) used to pass
werkzeug's test environ builder, moto's domain dispatcher, Flask's routing and response
objects before moto's handler, and moto's shape-driven response serializer after it: as much
CPU as the DynamoDB work itself. Here the same handler (:class:`moto.dynamodb.responses.
DynamoHandler`: its parameter parsing, validation, backend call, errors, request id and CRC32
header) runs on a request built straight from what the gateway received, and a successful
result made only of JSON values is encoded with ``json.dumps`` (the DynamoDB JSON protocol's
wire form of moto's result; anything else, errors included, still goes through moto's
serializer). Every other request takes the normal path. moto's table query is also made to
list only the queried partition's items (and, for a range condition, the stretch around its
matches) instead of sorting the whole table and sizing every item: a query's cost no longer
grows with the table. ``tests/sandbox/test_fastpath.py`` compares the answers with moto's
normal path (and its query as shipped).
"""

from __future__ import annotations

import functools
import io
import json
import math
import sys
from collections.abc import Mapping

#: The operations on the telemetry path: the persister's writes, the hot reader's reads.
FAST_OPERATIONS = frozenset({"PutItem", "GetItem", "Query"})
_TARGET_PREFIX = "DynamoDB_20120810."
_CONTENT_TYPE = "application/x-amz-json-1.0"


def operation(headers: Mapping[str, str]) -> str | None:
    """The fast-path operation ``headers`` ask for (``X-Amz-Target``), else None."""
    target = next((v for k, v in headers.items() if k.lower() == "x-amz-target"), "")
    if not target.startswith(_TARGET_PREFIX):
        return None
    name = target[len(_TARGET_PREFIX) :]
    return name if name in FAST_OPERATIONS else None


@functools.cache
def _output_members(action: str) -> frozenset[str]:
    from moto.core.utils import get_service_model

    shape = get_service_model("dynamodb").operation_model(action).output_shape
    return frozenset(shape.members) if shape is not None else frozenset()


def _plain(value: object) -> bool:
    """Whether ``value`` is JSON as moto's serializer would write it unchanged: strings,
    finite numbers, booleans, lists and string-keyed objects (no None, bytes, dates...)."""
    kind = type(value)
    if kind is str or kind is bool or kind is int:
        return True
    if kind is float:
        return math.isfinite(value)
    if kind is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    if kind is list:
        return all(_plain(v) for v in value)
    return False


@functools.cache
def _handler_class():
    from moto.core import responses
    from moto.dynamodb.responses import DynamoHandler

    # moto lists a handler class's methods (inspect.getmembers, ~0.3 ms) on every request
    # to find the action's; a class's methods do not change, so once per class is enough.
    listed = responses.method_names_from_class
    if not hasattr(listed, "cache_info"):
        responses.method_names_from_class = functools.cache(listed)
    _partition_queries()

    class FastDynamoHandler(DynamoHandler):
        def serialized(self, action_result):
            result = action_result.result
            if (
                type(result) is dict
                and result.keys() <= _output_members(self._get_action())
                and _plain(result)
            ):
                headers = {"Content-Type": _CONTENT_TYPE}
                headers.update(self.response_headers)
                return 200, headers, json.dumps(result)
            return super().serialized(action_result)

    return FastDynamoHandler


class _Partition:
    """A table as one of its queries sees it: only ``hash_key``'s items are listed and, for a
    range key condition, only the stretch from one item before the first match to one after
    the last (moto's loop computes every listed item's size before it compares its key; the
    items outside add nothing to the answer, the one after still ends a full page with its
    LastEvaluatedKey)."""

    def __init__(self, table, hash_key, comparison=None, values=()) -> None:
        self._table = table
        self._hash_key = hash_key
        self._comparison = comparison
        self._values = values

    def __getattr__(self, name: str):
        return getattr(self._table, name)

    def all_items(self) -> list:
        items = self._table.items.get(self._hash_key) or {}
        ordered = sorted(items.values(), key=lambda item: item.range_key)
        if not self._comparison:
            return ordered
        hits = [
            i
            for i, item in enumerate(ordered)
            if item.range_key.compare(self._comparison, self._values)
        ]
        return ordered[max(hits[0] - 1, 0) : hits[-1] + 2] if hits else []


def _partition_queries() -> None:
    """moto's table query (no index) sorts every item of the table, then keeps those of the
    queried hash key: each query cost grew with the whole table. The items of that hash key
    are the ones moto keeps under it (the same equality), so the query gets only those."""
    from moto.dynamodb.models.table import Table

    original = Table.query
    if getattr(original, "dtwin_partitioned", False):
        return

    @functools.wraps(original)
    def query(self, hash_key, *args, **kwargs):
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if index_name is None and hash_key is not None and self.range_key_attr:
            comparison, values = (args[0], args[1]) if len(args) > 1 else (None, ())
            conditions = kwargs.get("range_key_conditions") or []
            plain = not conditions or (
                len(conditions) == 1 and conditions[0][0] == self.range_key_attr
            )
            if len(args) > 9 or kwargs.keys() - {"hash_key_conditions", "range_key_conditions"}:
                plain = False  # legacy QueryFilter conditions: every item is compared
            partition = _Partition(self, hash_key, comparison if plain else None, values)
            return original(partition, hash_key, *args, **kwargs)
        return original(self, hash_key, *args, **kwargs)

    query.dtwin_partitioned = True
    Table.query = query


@functools.cache
def _request_class():
    from moto.core.request import Request

    class ServerRequest(Request):
        # As moto's server app marks its requests: the HTTP server in front (the gateway)
        # writes the Date header.
        from_wsgi_server = True

    return ServerRequest


def _environ(method: str, target: str, body: bytes, headers: Mapping[str, str], host: str):
    from moto.core.request import PRESERVED_HEADER_NAMES_ENVIRON_KEY, environ_key_for_header

    path, _, query = target.partition("?")
    name, _, port = host.partition(":")
    environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "RAW_URI": target,
        "QUERY_STRING": query,
        "SERVER_NAME": name,
        "SERVER_PORT": port or "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
        PRESERVED_HEADER_NAMES_ENVIRON_KEY: {},
    }
    for key, value in headers.items():
        if key.lower() in ("content-length", "transfer-encoding"):
            continue
        environ[environ_key_for_header(key)] = value
    environ.setdefault("HTTP_HOST", host)
    return environ


def call(
    method: str, target: str, body: bytes, headers: Mapping[str, str], host: str
) -> tuple[int, dict[str, str], bytes]:
    """Answer one fast-path DynamoDB request as moto's server would: (status, headers, body).

    ``host`` is the ``host:port`` the client addressed (the request's URL is built from it).
    """
    from botocore.exceptions import ClientError
    from moto.moto_api import recorder

    request = _request_class()(_environ(method, target, body, headers, host))
    recorder._record_request(request)
    try:
        result = _handler_class().dispatch(request, request.raw_url, dict(request.headers))
    except ClientError as exc:  # as moto's Flask adapter answers it
        result = 400, {}, exc.response["Error"]["Message"]
    status, reply_headers, content = result if len(result) == 3 else (200, {}, result)
    data = content.encode("utf-8") if isinstance(content, str) else bytes(content or b"")
    out = {str(k): str(v) for k, v in reply_headers.items()}
    if not any(k.lower() == "content-type" for k in out):
        out["Content-Type"] = "text/html; charset=utf-8"  # Flask's default
    return int(status), out, data
