"""The pipeline ports of :mod:`.ports` implemented on another cloud, over a glue :class:`Sender`.

A function whose storage (or twin updater, or hot reader) is on a different cloud gets one of
these instead of the local adapter; the receiver on the other side does the real write.
"""

from __future__ import annotations

from dtwin_gui.runtime.core.glue_protocol import (
    OBJECT_KINDS,
    BadPayload,
    GlueError,
    check_object_key,
    make_object_payload,
)
from dtwin_gui.runtime.core.glue_sender import Sender
from dtwin_gui.runtime.core.records import check_record


class RemoteHotWriter:
    """A :class:`~.ports.HotWriter` on another cloud (kind ``telemetry``).

    Each put gets a fresh envelope trace id (retries of that put reuse it): records that
    share the record's own ``trace_id`` must not dedupe each other away. The hot store is
    idempotent on (device_id, timestamp) anyway.
    """

    kind = "telemetry"

    def __init__(self, sender: Sender) -> None:
        self.sender = sender

    def put(self, record: dict) -> None:
        check_record(record)
        self.sender.send(self.kind, record)


class RemoteObjectWriter:
    """An :class:`~.ports.ObjectWriter` on another cloud (``cold-chunk`` or ``archive-object``).

    The payload is ``{"key", "data_b64", "sha256"}``; the receiver unpacks it with
    :func:`~.glue_protocol.object_payload`. Base64 grows data by 4/3, so an object must stay
    under about 190 KiB to fit the receiver's 256 KiB body limit.
    """

    def __init__(self, sender: Sender, kind: str) -> None:
        if kind not in OBJECT_KINDS:
            raise ValueError(f"object kind must be one of {', '.join(OBJECT_KINDS)}, not {kind!r}")
        self.sender = sender
        self.kind = kind

    def put(self, key: str, data: bytes) -> None:
        try:
            check_object_key(key)
        except BadPayload as err:
            raise ValueError(str(err)) from None
        self.sender.send(self.kind, make_object_payload(key, data))


class RemoteTwinUpdater:
    """Hands a record to the Azure Digital Twins updater on another cloud (``twin-update``)."""

    kind = "twin-update"

    def __init__(self, sender: Sender) -> None:
        self.sender = sender

    def update(self, record: dict) -> None:
        check_record(record)
        self.sender.send(self.kind, record)

    put = update  # so it can stand wherever a HotWriter-shaped sink is expected


#: The layer a hot reader proxy's caller is: one proxy per cloud serves L4 and L5, and
#: each query is signed as from the layer that asked (Status tells the two hops apart).
#: TwinMaker's data reader requests (``{"op": "twinmaker"}``; on AWS also TwinMaker's raw
#: event) come from L4; everything else (Grafana's GET queries, ``{"op": "query"}``) from
#: the dashboards, L5.
TWIN_MODEL, DASHBOARDS = "L4", "L5"


def proxy_caller(request: object) -> str:
    """:data:`TWIN_MODEL` for a TwinMaker data reader request, else :data:`DASHBOARDS`."""
    if isinstance(request, dict) and request.get("op") == "twinmaker":
        return TWIN_MODEL
    return DASHBOARDS


class RemoteHotReader:
    """Queries the hot reader on another cloud (``hot-query``); returns its ``result``."""

    kind = "hot-query"

    def __init__(self, sender: Sender) -> None:
        self.sender = sender

    def query(self, params: dict, *, trace_id: str | None = None) -> dict:
        reply = self.sender.send(self.kind, params, trace_id=trace_id)
        result = reply.get("result")
        if not isinstance(result, dict):
            raise GlueError(f"{self.sender.host} answered a hot-query without a result object")
        return result
