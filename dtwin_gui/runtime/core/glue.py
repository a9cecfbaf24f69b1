"""Signed HTTP glue between layers on different clouds (DESIGN.md §3 "Inter-cloud HTTP").

One import point for the modules that implement it:

* :mod:`.glue_protocol` — the v1 envelope, HMAC signing and verification, payload helpers,
  the errors;
* :mod:`.glue_sender` — :class:`Sender`, the signing client that retries what is transient;
* :mod:`.glue_remote` — the ports on another cloud: :class:`RemoteHotWriter`,
  :class:`RemoteObjectWriter`, :class:`RemoteTwinUpdater`, :class:`RemoteHotReader`;
* :mod:`.glue_log` — the structured log both sides write to (a ``FunctionLog`` fits);
* :mod:`.glue_receiver` — :class:`Receiver` (authenticate, parse, dedupe, dispatch) and
  :func:`wsgi_app`.
"""

from __future__ import annotations

from dtwin_gui.runtime.core.glue_log import GlueLog, JsonLineLog
from dtwin_gui.runtime.core.glue_protocol import (
    CLOUDS,
    KINDS,
    LAYERS,
    MAX_BODY,
    OBJECT_KINDS,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    VERSION,
    WINDOW_SECONDS,
    AuthError,
    BadEnvelope,
    BadPayload,
    GlueError,
    GlueRejected,
    GlueUnavailable,
    check_envelope,
    check_object_key,
    dump_envelope,
    make_envelope,
    make_object_payload,
    object_payload,
    parse_envelope,
    record_payload,
    sign,
    signed_headers,
    usable_secrets,
    verify,
)
from dtwin_gui.runtime.core.glue_receiver import (
    DEDUPED_KINDS,
    Receiver,
    ReplayCache,
    receiver_secrets,
    response_headers,
    wsgi_app,
)
from dtwin_gui.runtime.core.glue_remote import (
    RemoteHotReader,
    RemoteHotWriter,
    RemoteObjectWriter,
    RemoteTwinUpdater,
)
from dtwin_gui.runtime.core.glue_sender import Sender, is_loopback

__all__ = [
    "CLOUDS",
    "DEDUPED_KINDS",
    "KINDS",
    "LAYERS",
    "MAX_BODY",
    "OBJECT_KINDS",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "VERSION",
    "WINDOW_SECONDS",
    "AuthError",
    "BadEnvelope",
    "BadPayload",
    "GlueError",
    "GlueLog",
    "GlueRejected",
    "GlueUnavailable",
    "JsonLineLog",
    "Receiver",
    "RemoteHotReader",
    "RemoteHotWriter",
    "RemoteObjectWriter",
    "RemoteTwinUpdater",
    "ReplayCache",
    "Sender",
    "check_envelope",
    "check_object_key",
    "dump_envelope",
    "is_loopback",
    "make_envelope",
    "make_object_payload",
    "object_payload",
    "parse_envelope",
    "receiver_secrets",
    "record_payload",
    "response_headers",
    "sign",
    "signed_headers",
    "usable_secrets",
    "verify",
    "wsgi_app",
]
