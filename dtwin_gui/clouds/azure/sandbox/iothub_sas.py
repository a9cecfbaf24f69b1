"""IoT Hub shared access signatures, checked as the service checks them.

A token is ``SharedAccessSignature sr=<url-encoded resource>&sig=<b64 hmac>&se=<expiry>[&skn=
<policy>]``; ``sig = base64(HMAC-SHA256(base64decode(key), "<sr as sent>\\n<se>"))``. Device
tokens have no ``skn`` and are signed with the device's own key; service tokens name the
policy (``iothubowner``) whose key signed them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from dataclasses import dataclass


@dataclass(frozen=True)
class SasToken:
    resource: str  # decoded sr
    raw_resource: str  # sr exactly as sent (what was signed)
    signature: str
    expiry: int
    policy: str | None


def parse(header: str) -> SasToken | None:
    prefix = "SharedAccessSignature "
    if not header.startswith(prefix):
        return None
    parts: dict[str, str] = {}
    for item in header[len(prefix) :].split("&"):
        key, _, value = item.partition("=")
        parts[key.strip()] = value
    try:
        return SasToken(
            resource=urllib.parse.unquote(parts["sr"]),
            raw_resource=parts["sr"],
            signature=urllib.parse.unquote(parts["sig"]),
            expiry=int(parts["se"]),
            policy=parts.get("skn") or None,
        )
    except (KeyError, ValueError):
        return None


def sign(raw_resource: str, expiry: int, key_b64: str) -> str:
    message = f"{raw_resource}\n{expiry}".encode()
    digest = hmac.new(base64.b64decode(key_b64), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verifies(token: SasToken, keys: list[str], now: float | None = None) -> bool:
    """True when the token is unexpired and signed by one of ``keys``."""
    if token.expiry < (time.time() if now is None else now):
        return False
    for key in keys:
        if not key:
            continue
        try:
            expected = sign(token.raw_resource, token.expiry, key)
        except (ValueError, TypeError):
            continue
        if hmac.compare_digest(expected, token.signature):
            return True
    return False


def make(resource: str, key_b64: str, policy: str | None = None, ttl: int = 3600) -> str:
    """A token as the SDKs make it (used by tests and the sandbox's own callers)."""
    raw = urllib.parse.quote(resource, safe="")
    expiry = int(time.time()) + ttl
    sig = urllib.parse.quote(sign(raw, expiry, key_b64), safe="")
    token = f"SharedAccessSignature sr={raw}&sig={sig}&se={expiry}"
    return token + (f"&skn={policy}" if policy else "")
