"""Read the twin's recent telemetry back through the deployed hot reader (L3 hot).

One engine call for ``dtwin query`` and the Status page's live chart: :func:`query_hot` asks
the *deployed* hot reader function (not the table behind it), so what it shows is what the
twin model and the dashboards get. The cloud hosting L3 hot answers through its plugin's
``hot_reader`` part (AWS: :mod:`dtwin_gui.clouds.aws.hot_store`), which calls the reader the
way its caller would on the cloud: through the cloud's own API when the readers share its
cloud, or with a ``hot-query`` glue envelope signed with the boundary's HMAC secret
(DESIGN.md §3, :class:`SignedReader`) over its URL when a reader on another cloud exists.
This module keeps the rest: parameters, paging, merging and the errors.

Takes the connections (or the one connection) and, optionally, the project and the saved
Terraform outputs explicitly, so it works for any twin whose reader it can name. Blocking:
call it on a worker thread.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from dtwin_gui.clouds import plugin, plugins
from dtwin_gui.clouds.base import Connection, Connections
from dtwin_gui.core.project import Project, load_project
from dtwin_gui.core.providers import Slot
from dtwin_gui.deploy.workspace import DeploymentWorkspace
from dtwin_gui.runtime.core.records import RecordError, canonical_timestamp

#: The reader's page size cap (``DEFAULT_MAX_PAGE`` of runtime.core.hot_read).
READER_PAGE = 500
DEFAULT_LIMIT = 50


class QueryError(RuntimeError):
    """The records cannot be read; ``str()`` says what and where, ``hint`` what to do."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}; {self.hint}" if self.hint else self.message


@dataclass
class QuerySource:
    """Who answered: the reader function, its cloud, the target and how it was called."""

    reader: str
    cloud: str
    target: str
    via: str  # "invoke" (Lambda Invoke, IAM) | "signed-url" (hot-query glue, HMAC)
    region: str = ""
    url: str | None = None


@dataclass
class QueryResult:
    """Records, newest first, and where they came from."""

    records: list[dict] = field(default_factory=list)
    source: QuerySource | None = None

    def to_json(self) -> dict:
        return {"records": self.records, "source": asdict(self.source) if self.source else None}


# --------------------------------------------------------------------------- parameters


def _since(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    try:
        return canonical_timestamp(value)
    except RecordError:
        raise QueryError(
            f"--since {value!r} is not an ISO-8601 time",
            "give it like 2026-11-25T10:00:00Z (UTC) or with an offset (+01:00)",
        ) from None


def _limit(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise QueryError(f"--limit must be a whole number of at least 1, got {value!r}")
    return value


def _devices(project: Project, device: str | None) -> list[str]:
    if device is None:
        if not project.device_ids:
            raise QueryError("the project has no devices", "add one on the Twin page")
        return list(project.device_ids)
    if device not in project.device_ids:
        known = ", ".join(project.device_ids) or "none"
        raise QueryError(
            f"device {device!r} is not in this twin (its devices: {known})",
            "pass one of them with --device",
        )
    return [device]


# --------------------------------------------------------------------------- readers


#: The trace ids of the queries dtwin itself signs (``dtwin query``, the Status page): the
#: hot reader's log tells them from L4's and L5's, so they make no reader hop look used.
OWN_QUERY_PREFIX = "dtwin-query-"


class SignedReader:
    """The reader called as a reader on another cloud would: a signed ``hot-query`` (its
    trace id says it is dtwin's own, :data:`OWN_QUERY_PREFIX`)."""

    via = "signed-url"

    def __init__(self, url: str, secret: str, name: str, source_cloud: str, source_layer: str):
        from dtwin_gui.runtime.core.glue import RemoteHotReader, Sender

        self.name, self.url = name, url
        sender = Sender(
            url, secret, source_cloud=source_cloud, source_layer=source_layer, max_attempts=3
        )
        self._reader = RemoteHotReader(sender)

    def query(self, params: dict) -> dict:
        from dtwin_gui.runtime.core.glue_protocol import GlueError, GlueRejected

        try:
            from dtwin_gui.runtime.core.records import new_trace_id

            trace_id = OWN_QUERY_PREFIX + new_trace_id()
            return self._reader.query({"op": "query", "params": params}, trace_id=trace_id)
        except GlueRejected as exc:
            hint = (
                "the glue secret does not match the deployed one: deploy again to refresh it"
                if exc.status == 401
                else "check the query's parameters"
            )
            raise QueryError(
                f"the hot reader {self.name} refused the query ({exc.status}): {exc.message}",
                hint,
            ) from None
        except GlueError as exc:
            raise QueryError(
                f"the hot reader {self.name} did not answer: {exc}",
                "check that the twin is deployed and its URL is reachable, then try again",
            ) from None


def _open_reader(project: Project, root: Path, connections: Connections, outputs: dict, secret):
    """The reader of the cloud hosting L3 hot (its plugin's ``hot_reader`` part)."""
    from dtwin_gui.core.topology import TopologyError, topology_for_project

    try:
        topology = topology_for_project(project)
    except TopologyError as exc:
        raise QueryError(
            f"cannot tell where the hot reader runs: {exc}", f"run dtwin validate {root}"
        ) from None
    cloud = topology.providers.get(Slot.L3_HOT)
    part = plugin(cloud).part("hot_reader") if cloud is not None else None
    if part is None:
        able = [p.label for p in plugins() if "hot_reader" in p.parts] or ["no cloud"]
        raise QueryError(
            f"L3 hot is on {cloud}: this version reads the hot store on {' and '.join(able)} only",
            f"put L3 hot on {' or '.join(able)} on the Layers page",
        )
    if cloud not in connections:
        label = plugin(cloud).label
        raise QueryError(
            f"the hot reader runs on {label}, and this {connections.mode} deployment has no "
            f"{label} connection",
            f"sign in to {label} on the Credentials page",
        )
    if secret is None:
        secret = _reader_secret(root, topology, connections.name)
    return cloud, part(connections[cloud], topology, outputs, root=root, secret=secret)


#: The boundaries that end at the hot reader (they share one glue secret).
READER_BOUNDARIES = ("l4-l3hot-reader", "l5-l3hot-reader")


def _reader_secret(root: Path, topology, target_name: str) -> str | None:
    """The hot reader's glue secret when a reader on another cloud exists (then the reader
    answers only signed requests), from this machine's secret store; None when there is no
    such reader or the secret is not known here (the cloud's part says so)."""
    boundary = next((b for b in topology.boundaries if b.spec.name in READER_BOUNDARIES), None)
    if boundary is None:
        return None
    from dtwin_gui.deploy.glue_secrets import GlueSecrets

    try:
        found = GlueSecrets(Path(root), target_name, topology).get(boundary.name)
    except Exception:  # a locked or missing store: "not known here", said by the part
        return None
    return found.current if found else None


def _read_device(reader, device_id: str, since: str | None, limit: int) -> list[dict]:
    records: list[dict] = []
    cursor = None
    while len(records) < limit:
        params = {"device_id": device_id, "order": "desc", "limit": min(READER_PAGE, limit)}
        if since:
            params["start"] = since
        if cursor:
            params["cursor"] = cursor
        page = reader.query(params)
        items = page.get("items")
        if not isinstance(items, list):
            raise QueryError(
                f"the hot reader {reader.name} answered without records: {str(page)[:200]}",
                "deploy the twin again so the reader matches this version",
            )
        records.extend(i for i in items if isinstance(i, dict))
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return records[:limit]


# --------------------------------------------------------------------------- the call


def query_hot(
    project_root: Path,
    target: Connections | Connection,
    device: str | None = None,
    since: str | None = None,
    limit: int = DEFAULT_LIMIT,
    *,
    project: Project | None = None,
    outputs: dict | None = None,
    secret: str | None = None,
) -> QueryResult:
    """The ``limit`` most recent records (of ``device``, else of every device), newest first.

    ``since``: ISO-8601; only records at or after it. ``outputs``: the deploy's saved
    Terraform outputs (default: read from the workspace of ``project_root`` + ``target``).
    ``secret``: the hot-reader boundary's glue secret, needed only when a reader on another
    cloud exists. Raises :class:`QueryError` (what, where, what to do) on any failure.
    """
    root = Path(project_root)
    start = _since(since)
    limit = _limit(limit)
    project = project or load_project(root)
    devices = _devices(project, device)
    connections = Connections.wrap(target)
    if outputs is None:
        workspace = DeploymentWorkspace(root, connections.name)
        outputs = workspace.read_json(workspace.outputs_file, {})
    cloud, reader = _open_reader(project, root, connections, outputs, secret)
    records: list[dict] = []
    for device_id in devices:
        records.extend(_read_device(reader, device_id, start, limit))
    records.sort(key=lambda r: (str(r.get("timestamp", "")), str(r.get("device_id"))), reverse=True)
    source = QuerySource(
        reader.name,
        str(cloud),
        connections.name,
        reader.via,
        getattr(connections[cloud], "region", ""),
        reader.url,
    )
    return QueryResult(records[:limit], source)


def nothing_deployed(project_root: Path, target_name: str) -> bool:
    """Whether no deploy of ``project_root`` to ``target_name`` has saved its outputs or a
    provision record (never deployed, or destroyed since). Needs no cloud call."""
    from dtwin_gui.deploy.provision_phase import load_state

    workspace = DeploymentWorkspace(Path(project_root), target_name)
    return not workspace.outputs_file.is_file() and not load_state(workspace)
