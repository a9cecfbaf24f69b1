"""Sending side of the glue: a signing HTTP client that retries what may be transient.

:class:`Sender` posts one envelope per call and retries what may be transient (429, 5xx,
network errors) with exponential backoff and full jitter, reusing the envelope's trace id so
the receiver's dedupe makes retries harmless. Other 4xx are the caller's problem and raise
:class:`GlueRejected` at once. URLs may carry a function key in their query string, so only
the host ever appears in messages; the secret appears nowhere.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import random
import re
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping

from dtwin_gui.runtime.core.env import MissingEnvironment
from dtwin_gui.runtime.core.glue_log import GlueLog, JsonLineLog, device_of
from dtwin_gui.runtime.core.glue_protocol import (
    CLOUDS,
    LAYERS,
    MAX_BODY,
    GlueError,
    GlueRejected,
    GlueUnavailable,
    dump_envelope,
    make_envelope,
    signed_headers,
)

_MAX_REPLY = 16 * 1024 * 1024
_MAX_ERROR_TEXT = 300
_RETRY_AFTER_SECONDS = re.compile(r"[0-9]{1,9}(\.[0-9]{1,9})?", re.ASCII)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A signed POST is never re-sent elsewhere: a 3xx surfaces as an HTTPError."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class _Retryable(Exception):
    def __init__(self, description: str, retry_after: float | None = None) -> None:
        super().__init__(description)
        self.description = description
        self.retry_after = retry_after


def is_loopback(host: str) -> bool:
    """True for ``localhost``, 127.0.0.0/8 and ::1."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Sender:
    """Posts signed envelopes to one receiver URL (one boundary, one secret)."""

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        source_cloud: str,
        source_layer: str,
        timeout: float = 10,
        max_attempts: int = 5,
        base_delay: float = 0.2,
        max_delay: float = 5,
        sleep: Callable[[float], object] = time.sleep,
        opener: urllib.request.OpenerDirector | None = None,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        max_body: int = MAX_BODY,
        log: GlueLog | None = None,
        ca_bundle: str | None = None,
    ) -> None:
        self.host = _check_url(url)
        if not secret or not isinstance(secret, str | bytes):
            raise ValueError(f"the glue secret for {self.host} is empty")
        if source_cloud not in CLOUDS:
            raise ValueError(f"source_cloud {source_cloud!r} is not one of {', '.join(CLOUDS)}")
        if source_layer not in LAYERS:
            raise ValueError(f"source_layer {source_layer!r} is not one of {', '.join(LAYERS)}")
        if max_attempts < 1 or timeout <= 0 or base_delay < 0 or max_delay < base_delay:
            raise ValueError("need max_attempts >= 1, timeout > 0 and 0 <= base_delay <= max_delay")
        self._url = url
        self._secret = secret
        self.source_cloud = source_cloud
        self.source_layer = source_layer
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_body = max_body
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self.log = log or JsonLineLog()
        if opener is None:
            handlers: list = [_NoRedirect]
            if is_loopback(urllib.parse.urlsplit(url).hostname or ""):
                handlers.append(urllib.request.ProxyHandler({}))  # loopback never via a proxy
            if ca_bundle:  # the default trust plus a CA of our own (a sandbox gateway's)
                context = ssl.create_default_context()
                context.load_verify_locations(cafile=ca_bundle)
                handlers.append(urllib.request.HTTPSHandler(context=context))
            opener = urllib.request.build_opener(*handlers)
        self._opener = opener

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str],
        prefix: str,
        *,
        source_cloud: str,
        source_layer: str,
        **options,
    ) -> Sender:
        """A sender from ``DTWIN_<prefix>_URL`` and ``DTWIN_<prefix>_SECRET`` (see
        :mod:`.contracts`; prefix ``REMOTE``, ``HOT_WRITER``, ``COLD_WRITER``, ...). It also
        trusts ``DTWIN_CA_BUNDLE`` or, in the sandbox, ``DTWIN_SANDBOX_CA_BUNDLE`` (the
        certificate of another emulated cloud's HTTPS gateway)."""
        url_name, secret_name = f"DTWIN_{prefix}_URL", f"DTWIN_{prefix}_SECRET"
        missing = [n for n in (url_name, secret_name) if not environ.get(n)]
        if missing:
            raise MissingEnvironment(f"glue sender needs {' and '.join(missing)}")
        options.setdefault(
            "ca_bundle",
            environ.get("DTWIN_CA_BUNDLE") or environ.get("DTWIN_SANDBOX_CA_BUNDLE") or None,
        )
        return cls(
            environ[url_name],
            environ[secret_name],
            source_cloud=source_cloud,
            source_layer=source_layer,
            **options,
        )

    def __repr__(self) -> str:
        return f"Sender(host={self.host!r}, source={self.source_cloud}/{self.source_layer})"

    def send(self, kind: str, payload: dict, *, trace_id: str | None = None) -> dict:
        """Post ``payload`` as a ``kind`` envelope; the receiver's parsed 200 reply.

        Raises :class:`GlueRejected` (not retried), :class:`GlueUnavailable` (every attempt
        failed), :class:`GlueError` (a 2xx reply that is not a glue reply) and ValueError
        (an envelope that cannot be built, e.g. an unknown kind or NaN in the payload).
        """
        envelope = make_envelope(
            kind,
            payload,
            source_cloud=self.source_cloud,
            source_layer=self.source_layer,
            trace_id=trace_id,
            now=self._clock(),
        )
        body = dump_envelope(envelope)
        if len(body) > self.max_body:
            raise GlueRejected(
                413,
                f"not sent to {self.host}: the {kind} envelope is {len(body)} bytes, "
                f"more than the receiver limit of {self.max_body}; send smaller pieces",
            )
        try:
            return self._send(kind, body, envelope["trace_id"], device_of(payload))
        except (GlueRejected, GlueUnavailable) as err:  # the hop's failure, as Status shows it
            self.log.error(
                "glue-send-failed",
                str(err),
                trace_id=envelope["trace_id"],
                device_id=device_of(payload),
                kind=kind,
                host=self.host,
            )
            raise

    def _send(self, kind: str, body: bytes, trace_id: str, device_id: str | None) -> dict:
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._post(kind, body)
            except _Retryable as failure:
                if attempt >= self.max_attempts:
                    raise GlueUnavailable(self.host, attempt, failure.description) from None
                delay = self._delay(attempt, failure.retry_after)
                if delay is None:
                    raise GlueUnavailable(
                        self.host,
                        attempt,
                        f"{failure.description} (it asked to retry after "
                        f"{failure.retry_after:g} s, more than max_delay {self.max_delay:g} s)",
                    ) from None
                self.log.warning(
                    "glue-retry",
                    f"{kind} to {self.host}: attempt {attempt}/{self.max_attempts} failed "
                    f"({failure.description}); retrying in {delay:.2f} s",
                    trace_id=trace_id,
                    device_id=device_id,
                    kind=kind,
                    host=self.host,
                )
                self._sleep(delay)

    def _delay(self, attempt: int, retry_after: float | None) -> float | None:
        """Full jitter under an exponential cap; Retry-After is honoured exactly, and None
        (give up) when it asks for longer than ``max_delay``."""
        if retry_after is not None:
            return retry_after if retry_after <= self.max_delay else None
        cap = min(self.max_delay, self.base_delay * 2 ** min(attempt - 1, 32))
        return self._rng.uniform(0, cap)

    def _post(self, kind: str, body: bytes) -> dict:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "dtwin-glue/1",
            **signed_headers(self._secret, body, now=self._clock()),
        }
        request = urllib.request.Request(self._url, data=body, headers=headers, method="POST")
        try:
            response = self._opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as err:
            with err:  # it holds the connection
                raise self._refusal(kind, err.code, err.headers, _read_quietly(err)) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
            raise _Retryable(self._network_error(err)) from None
        with response:
            try:
                raw = response.read(_MAX_REPLY + 1)
            except (OSError, http.client.HTTPException) as err:
                raise _Retryable(self._network_error(err)) from None
            return self._reply(kind, response.status, raw)

    def _refusal(self, kind: str, status: int, headers, raw: bytes) -> Exception:
        message = _error_text(raw)
        if status == 429 or status >= 500:
            return _Retryable(f"HTTP {status}: {message}", _retry_after(headers))
        return GlueRejected(
            status, f"{self.host} rejected the {kind} envelope with HTTP {status}: {message}"
        )

    def _reply(self, kind: str, status: int, raw: bytes) -> dict:
        if len(raw) > _MAX_REPLY:
            raise GlueError(f"{self.host} sent a reply larger than {_MAX_REPLY} bytes")
        try:
            reply = json.loads(raw.decode("utf-8"))
        except ValueError:  # includes UnicodeDecodeError
            reply = None
        if not isinstance(reply, dict) or reply.get("status") not in ("ok", "duplicate"):
            raise GlueError(
                f"{self.host} answered the {kind} envelope with HTTP {status} but not a glue "
                f"reply: {_error_text(raw)}"
            )
        return reply

    def _network_error(self, err: BaseException) -> str:
        reason = err.reason if isinstance(err, urllib.error.URLError) else err
        if isinstance(reason, TimeoutError):
            return f"network error: timed out after {self.timeout:g} s"
        text = str(reason) or type(reason).__name__
        return f"network error: {text}"


def _read_quietly(response) -> bytes:
    try:
        return response.read(_MAX_ERROR_TEXT * 20)
    except (OSError, http.client.HTTPException):
        return b""


def _error_text(raw: bytes) -> str:
    """The ``error`` of a JSON reply, else the start of the text, printable and short."""
    text = raw.decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        text = data["error"]
    text = "".join(c if c.isprintable() else " " for c in text).strip() or "(empty reply)"
    return text if len(text) <= _MAX_ERROR_TEXT else text[: _MAX_ERROR_TEXT - 3] + "..."


def _retry_after(headers) -> float | None:
    value = (headers.get("Retry-After") if headers is not None else None) or ""
    value = value.strip()
    return float(value) if _RETRY_AFTER_SECONDS.fullmatch(value) else None


def _check_url(url: str) -> str:
    """The URL's host[:port] (for messages: never the path or query, which may hold a
    function key); ValueError unless it is https, or http to a loopback host."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except (ValueError, AttributeError):
        raise ValueError("the glue URL is not a valid URL") from None
    if parts.scheme not in ("https", "http"):
        raise ValueError(f"the glue URL must use https, not {parts.scheme or 'no'} scheme")
    if parts.username is not None or parts.password is not None:
        raise ValueError("the glue URL must not contain credentials (user:password@)")
    if not host:
        raise ValueError("the glue URL has no host")
    if parts.scheme == "http" and not is_loopback(host):
        raise ValueError(
            f"the glue URL for {host} must use https; plain http is allowed only to loopback "
            "hosts (127.0.0.0/8, ::1, localhost)"
        )
    shown = f"[{host}]" if ":" in host else host
    return shown if port is None else f"{shown}:{port}"
