"""The Azure hot-store reader part: the deployed hot reader (L3 hot on Azure), as its callers
reach it over HTTPS.

- When the readers share its cloud, the reader's route takes a functions key: a plain JSON
  ``GET <app>/api/<hot reader>?device_id=..&order=..&limit=..&start=..&cursor=..`` with header
  ``x-functions-key`` (:mod:`dtwin_gui.runtime.core.http_hot_reader`), answering
  ``{"items": [...], "next_cursor": ...}``.
- When a reader on another cloud exists the route is anonymous and every query is signed: a
  ``hot-query`` glue envelope (:class:`~dtwin_gui.deploy.query.SignedReader`) with the
  boundary's HMAC secret.

In the sandbox the app is ``<gateway>/<L3_hot app>`` (named by
:func:`~dtwin_gui.clouds.azure.intent.azure_intent`), its key the provision record's
``functions_keys["L3_hot"]``, and the gateway's certificate ``connection.ca_path`` is trusted.
On real Azure the reader's URL is the Terraform output ``hot_reader_url``; the app's
functions key is not fetched from Azure by this version, so only signed queries work there.
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from dtwin_gui.clouds.base import SANDBOX
from dtwin_gui.core.providers import Cloud, Slot
from dtwin_gui.core.topology import HOT_READER
from dtwin_gui.deploy.query import QueryError, SignedReader

#: Terraform root output with the reader's URL (clouds/azure/terraform.py, real Azure).
OUT_HOT_READER_URL = "hot_reader_url"
#: The boundaries whose receiver is the hot reader (core.topology).
_READER_BOUNDARIES = ("l4-l3hot-reader", "l5-l3hot-reader")
_TIMEOUT_S = 30


def _output(outputs: dict, name: str) -> str | None:
    value = outputs.get(name)
    if isinstance(value, dict):  # `terraform output -json` shape
        value = value.get("value")
    return value if isinstance(value, str) and value else None


def _opener(connection) -> urllib.request.OpenerDirector:
    ca = getattr(connection, "ca_path", "") or None
    context = ssl.create_default_context(cafile=ca)
    handlers: list = [urllib.request.HTTPSHandler(context=context)]
    if connection.is_sandbox:
        handlers.append(urllib.request.ProxyHandler({}))  # loopback never via a proxy
    return urllib.request.build_opener(*handlers)


class KeyedReader:
    """The reader called with the L3 hot app's functions key (its own cloud's callers)."""

    via = "functions-key"

    def __init__(self, connection, url: str, key: str, name: str, root: Path) -> None:
        self.connection, self.url, self.name, self.root = connection, url, name, root
        self._key = key
        self._opener = _opener(connection)

    def query(self, params: dict) -> dict:
        query = urllib.parse.urlencode({k: str(v) for k, v in params.items() if v is not None})
        request = urllib.request.Request(
            f"{self.url}?{query}", headers={"x-functions-key": self._key}, method="GET"
        )
        try:
            with self._opener.open(request, timeout=_TIMEOUT_S) as reply:
                body = reply.read()
        except urllib.error.HTTPError as err:
            raise self._refused(err.code, err.read()) from None
        except OSError as exc:
            where = "the sandbox's Azure gateway" if self.connection.is_sandbox else "Azure"
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
                f"the hot reader {self.name} refused the functions key ({status})",
                "deploy the twin again to refresh the key",
            )
        if status == 400:
            return QueryError(
                f"the hot reader {self.name} refused the query: {text}",
                "check the query's parameters",
            )
        return QueryError(
            f"the hot reader {self.name} failed ({status}): {text}",
            "see its log (the sandbox log, or Application Insights), fix it and deploy again",
        )


class AzureSignedReader(SignedReader):
    """:class:`SignedReader` whose HTTPS trusts the connection's certificate (the sandbox's)."""

    def __init__(self, connection, url, secret, name, source_cloud, source_layer) -> None:
        from dtwin_gui.runtime.core.glue import RemoteHotReader, Sender

        self.name, self.url = name, url
        sender = Sender(
            url,
            secret,
            source_cloud=source_cloud,
            source_layer=source_layer,
            max_attempts=3,
            timeout=_TIMEOUT_S,
            opener=_opener(connection),
        )
        self._reader = RemoteHotReader(sender)


def _sandbox_record(root: Path) -> dict:
    from dtwin_gui.deploy.provision_phase import load_state
    from dtwin_gui.deploy.workspace import DeploymentWorkspace

    return load_state(DeploymentWorkspace(Path(root), SANDBOX)).get(str(Cloud.AZURE)) or {}


def _reader_names(connection, topology, root: Path) -> tuple[str, str | None]:
    """``(app name, sandbox URL of the reader or None)`` from the Azure intent."""
    from dtwin_gui.clouds.azure.intent import azure_intent
    from dtwin_gui.clouds.azure.provision import SANDBOX_SUFFIX
    from dtwin_gui.core.project import load_project

    gateway = (connection.gateway_url or "").rstrip("/")
    intent = azure_intent(
        load_project(Path(root)),
        topology,
        suffix=SANDBOX_SUFFIX,
        app_url=lambda app: f"{gateway}/{app}",
    )
    app = intent.app(Slot.L3_HOT)
    function = app.function(HOT_READER) if app else None
    if app is None or function is None:
        raise QueryError(
            "this twin has no hot reader on Azure (L3 hot is not on Azure)",
            "choose Azure for L3 hot on the Layers page, or query the cloud that hosts it",
        )
    return app.name, f"{app.url}/api/{function.name}" if connection.is_sandbox else None


def open_reader(connection, topology, outputs: dict, *, root: Path, secret: str | None):
    """The part ``hot_reader``: the deployed hot reader of ``topology`` on Azure, as an object
    with ``name``, ``via``, ``url`` and ``query(params) -> page``. Raises
    :class:`~dtwin_gui.deploy.query.QueryError` when it cannot be called from here."""
    app, url = _reader_names(connection, topology, root)
    if not connection.is_sandbox:
        url = _output(outputs or {}, OUT_HOT_READER_URL)
    name = f"{app}/{HOT_READER}"
    remote = [
        b
        for b in topology.boundaries
        if b.spec.name in _READER_BOUNDARIES and b.target_cloud is Cloud.AZURE
    ]
    if not url:
        raise QueryError(
            f"nothing deployed: the URL of the hot reader {name} is not known here",
            f"deploy the twin from this machine first: dtwin deploy {root}",
        )
    if remote:
        boundary = remote[0]
        signing = secret  # the reader boundary's, found by deploy/query.py
        if not signing:
            raise QueryError(
                f"the hot reader {name} answers only signed requests (a reader on "
                f"{boundary.source_cloud} exists) and its glue secret is not known here",
                "deploy the twin from this machine first",
            )
        return AzureSignedReader(
            connection,
            url,
            signing,
            name,
            str(boundary.source_cloud),
            str(boundary.spec.source),
        )
    if not connection.is_sandbox:
        raise QueryError(
            f"the hot reader {name} on Azure takes the L3 hot app's functions key, which this "
            "version does not read from Azure yet",
            "query it in the sandbox, or read the records in the Azure portal for now",
        )
    key = (_sandbox_record(root).get("functions_keys") or {}).get(str(Slot.L3_HOT))
    if not key:
        raise QueryError(
            f"nothing deployed: the sandbox has no functions key for {app}",
            f"deploy the twin first: dtwin deploy {root} --target sandbox",
        )
    return KeyedReader(connection, url, key, name, Path(root))
