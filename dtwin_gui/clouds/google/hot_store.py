"""The Google hot-store reader part: the deployed hot reader (L3 hot on Google), as its
callers reach it over HTTP (``dtwin query``, the Status page's chart).

- When the readers share its cloud: a plain JSON ``GET {functions URL}/{hot reader}?device_id=
  ..&order=..&limit=..&start=..&cursor=..`` (:mod:`dtwin_gui.runtime.core.http_hot_reader`),
  answering ``{"items": [...], "next_cursor": ...}``. In the sandbox the base is the gateway
  on loopback (no token); on real Google the function is private and the call carries an ID
  token for its URL (from the credentials Google's auth library finds: the key file of
  ``GOOGLE_APPLICATION_CREDENTIALS`` or the metadata server).
- When a reader on another cloud exists every query is signed: a ``hot-query`` glue
  envelope (:class:`~dtwin_gui.deploy.query.SignedReader`) with the boundary's HMAC secret.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from dtwin_gui.core.providers import Cloud, Slot
from dtwin_gui.core.topology import HOT_READER
from dtwin_gui.deploy.query import QueryError, SignedReader

#: The boundaries whose receiver is the hot reader (core.topology).
_READER_BOUNDARIES = ("l4-l3hot-reader", "l5-l3hot-reader")
_TIMEOUT_S = 30


class PlainReader:
    """The reader called as its own cloud's callers call it (HTTP GET, an ID token on Google)."""

    via = "http"

    def __init__(self, connection, url: str, name: str, root: Path) -> None:
        self.connection, self.url, self.name, self.root = connection, url, name, root

    def _headers(self) -> dict:
        if self.connection.is_sandbox:
            return {}
        try:
            import google.auth.transport.requests
            from google.oauth2 import id_token

            token = id_token.fetch_id_token(google.auth.transport.requests.Request(), self.url)
        except Exception as exc:  # google-auth raises several types; the user needs the cause
            raise QueryError(
                f"no ID token for the hot reader {self.name}: {exc}",
                "sign in with a service-account key that may invoke the twin's functions",
            ) from None
        return {"Authorization": f"Bearer {token}"}

    def query(self, params: dict) -> dict:
        query = urllib.parse.urlencode({k: str(v) for k, v in params.items() if v is not None})
        request = urllib.request.Request(f"{self.url}?{query}", headers=self._headers())
        opener = urllib.request.build_opener(
            *([urllib.request.ProxyHandler({})] if self.connection.is_sandbox else [])
        )
        try:
            with opener.open(request, timeout=_TIMEOUT_S) as reply:
                body = reply.read()
        except urllib.error.HTTPError as err:
            raise self._refused(err.code, err.read()) from None
        except OSError as exc:
            where = "the sandbox's Google gateway" if self.connection.is_sandbox else "Google"
            raise QueryError(
                f"the hot reader {self.name} did not answer ({where}, {self.url}): {exc}",
                "check that the sandbox is running (dtwin sandbox status)"
                if self.connection.is_sandbox
                else "check that the twin is deployed and reachable, then try again",
            ) from None
        try:
            answer = json.loads(body or b"null")
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise QueryError(
                f"the hot reader {self.name} answered something else than JSON: {body[:200]!r}",
                "deploy the twin again so the reader matches this version",
            )
        return answer

    def _refused(self, status: int, body: bytes) -> QueryError:
        try:
            text = json.loads(body).get("error") or body.decode("utf-8", "replace")
        except (ValueError, AttributeError):
            text = body[:300].decode("utf-8", "replace")
        if status == 404:
            return QueryError(
                f"nothing deployed: the hot reader {self.name} is not at {self.url}",
                f"deploy the twin first: dtwin deploy {self.root}",
            )
        if status in (401, 403):
            return QueryError(
                f"the hot reader {self.name} refused the call ({status})",
                "the signed-in account needs roles/run.invoker on the twin's functions",
            )
        if status == 400:
            return QueryError(
                f"the hot reader {self.name} refused the query: {text}",
                "check the query's parameters",
            )
        return QueryError(
            f"the hot reader {self.name} failed ({status}): {text}",
            "see its log (the sandbox log, or Cloud Logging), fix it and deploy again",
        )


def _reader_url(connection, topology, root: Path) -> tuple[str, str]:
    """``(deployed name, URL)`` of the hot reader, from the Google intent."""
    from dtwin_gui.clouds.google import emulator_api as api
    from dtwin_gui.clouds.google.intent import DEFAULT_REGION, google_intent
    from dtwin_gui.clouds.google.provision import SANDBOX_SUFFIX
    from dtwin_gui.core.project import load_project

    if connection.is_sandbox:
        options = {
            "gcp_project": api.project(connection),
            "suffix": SANDBOX_SUFFIX,
            "functions_url": api.gateway(connection),
        }
    else:
        options = {"gcp_project": str(getattr(connection, "project", "") or "")}
    region = str(getattr(connection, "region", "") or DEFAULT_REGION)
    intent = google_intent(load_project(Path(root)), topology, region=region, **options)
    found = next(
        (f for f in intent.functions if f.role == HOT_READER and f.layer == str(Slot.L3_HOT)),
        None,
    )
    if found is None:
        raise QueryError(
            "this twin has no hot reader on Google Cloud (L3 hot is not on Google)",
            "choose Google Cloud for L3 hot on the Layers page, or query the cloud that hosts it",
        )
    return found.name, found.url if isinstance(found.url, str) else ""


def open_reader(connection, topology, outputs: dict, *, root: Path, secret: str | None):
    """The part ``hot_reader``: the deployed hot reader of ``topology`` on Google, as an
    object with ``name``, ``via``, ``url`` and ``query(params) -> page``. Raises
    :class:`~dtwin_gui.deploy.query.QueryError` when it cannot be called from here."""
    name, url = _reader_url(connection, topology, root)
    if not url:
        raise QueryError(
            f"the URL of the hot reader {name} is not known: the Google project is not set",
            "choose the project on the Credentials page",
        )
    remote = [
        b
        for b in topology.boundaries
        if b.spec.name in _READER_BOUNDARIES and b.target_cloud is Cloud.GOOGLE
    ]
    if remote:
        boundary = remote[0]
        signing = secret  # the reader boundary's, found by deploy/query.py
        if not signing:
            raise QueryError(
                f"the hot reader {name} answers only signed requests (a reader on "
                f"{boundary.source_cloud} exists) and its glue secret is not known here",
                "deploy the twin from this machine first",
            )
        return SignedReader(
            url, signing, name, str(boundary.source_cloud), str(boundary.spec.source)
        )
    return PlainReader(connection, url, name, Path(root))
