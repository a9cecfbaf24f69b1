"""A deployed function's log lines from Application Insights (real Azure; the ``glue_log``
part's reader, also what ``dtwin logs`` reads).

Every Function App of a twin sends its telemetry to the one Application Insights component
of the setup module (``<twin>-insights`` in the twin's resource group,
``terraform/modules/azure/setup``). The runtime writes one JSON object per line to stdout
(:mod:`dtwin_gui.runtime.core.log`); the Functions host keeps each line as a ``traces`` row
whose ``message`` is that text (after a prefix, when the host adds one) and whose
``cloud_RoleName`` is the Function App. The query goes through Azure Resource Manager with
the connection's own sign-in::

    POST {ARM_URL}/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Insights
         /components/{twin}-insights/query?api-version=2018-04-20
    {"query": "<KQL>", "timespan": "<since>/<now>"}

and answers ``{"tables": [{"name": "PrimaryResult", "columns": [{"name", "type"}],
"rows": [[...]]}]}``. The rows kept are the app's whose JSON names the function (or, for a
plain line, whose ``operation_Name`` is the function: the host's and the user code's own
lines); the newest :data:`MAX_LINES`, oldest first. A line whose JSON has no ``time`` gets
the row's timestamp (Status needs when a hop last carried a message).

No component (not deployed, or destroyed) reads as no lines; a refusal names the permission
the sign-in lacks. Tokens never leave the request's header (not in errors, not in logs).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from dtwin_gui.core import resource_names as keys
from dtwin_gui.core.naming import UNIQUE_SUFFIX_PLACEHOLDER
from dtwin_gui.core.providers import Cloud
from dtwin_gui.core.resource_names import ResourceKind

#: Azure Resource Manager (a test points this at its stand-in).
ARM_URL = "https://management.azure.com"
API_VERSION = "2018-04-20"
SCOPE = "https://management.azure.com/.default"
#: The most lines read per function and refresh (the newest are kept).
MAX_LINES = 5_000
TIMEOUT_S = 30.0
#: The action a role needs to run the query (Reader and Monitoring Reader have it).
QUERY_ACTION = "microsoft.insights/components/query/read"
_FRACTION = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]00:00)?$")


class AppInsightsError(RuntimeError):
    """Application Insights could not be read (the message says why; never a token)."""


def component_name(twin_name: str) -> str:
    """The twin's Application Insights component (``terraform/modules/azure/setup``)."""
    return f"{twin_name}-insights"


def deployed_suffix(connection) -> str:
    """The unique-name suffix a deploy to ``connection`` used (``terraform.py``: from the
    subscription and the location)."""
    from dtwin_gui.iac.root_parts import unique_suffix

    subscription = getattr(connection, "subscription_id", "") or ""
    if not subscription:
        raise AppInsightsError("choose an Azure subscription on the Credentials page first")
    location = getattr(connection, "location", "") or "westeurope"
    return unique_suffix(subscription, location)


def _named(topology, key, suffix: str) -> str | None:
    try:
        return topology.name_of(key, Cloud.AZURE).replace(UNIQUE_SUFFIX_PLACEHOLDER, suffix)
    except KeyError:
        return None


def function_app(topology, function, suffix: str) -> str | None:
    """The Function App that hosts ``function`` on real Azure (None: no app of its layer)."""
    return _named(topology, ResourceKind.FUNCTION_APP.of(function.slot), suffix)


def iso_ms(moment: str) -> str:
    """A service timestamp (``…T10:00:00.1234567Z``) as the runtime writes ``time``:
    UTC, milliseconds, ``Z``. Text that is no such timestamp is returned as it is."""
    found = _FRACTION.match(moment or "")
    if not found:
        return moment
    fraction = (found.group(2) or "")[:3].ljust(3, "0")
    return f"{found.group(1)}.{fraction}Z"


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _kql(text: str) -> str:
    """``text`` as a KQL string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def kql_query(app: str, function_name: str, since_s: float, limit: int = MAX_LINES) -> str:
    """The KQL over ``traces``: the app's rows since ``since_s`` of ``function_name``."""
    name = _kql(function_name)
    return "\n".join(
        [
            "traces",
            f"| where timestamp >= datetime({_iso(since_s)})",
            f"| where cloud_RoleName =~ {_kql(app)}",
            "| extend dtwin_at = indexof(message, '{')",
            "| extend dtwin_function = iff(dtwin_at >= 0,"
            " tostring(parse_json(substring(message, dtwin_at))['function']), '')",
            f"| where dtwin_function == {name}"
            f" or (isempty(dtwin_function) and operation_Name == {name})",
            f"| top {int(limit)} by timestamp desc",
            "| order by timestamp asc",
            "| project timestamp, message",
        ]
    )


def query_url(subscription: str, group: str, component: str) -> str:
    return (
        f"{ARM_URL}/subscriptions/{subscription}/resourceGroups/{group}"
        f"/providers/Microsoft.Insights/components/{component}/query?api-version={API_VERSION}"
    )


def line_of(timestamp: str, message: str) -> str | None:
    """The log line a ``traces`` row holds: the JSON object (with ``time`` from the row when
    it has none), or a plain line as it is; None for an empty row."""
    if not isinstance(message, str) or not message.strip():
        return None
    start = message.find("{")
    if start >= 0:
        try:
            entry = json.loads(message[start:])
        except ValueError:
            entry = None
        if isinstance(entry, dict):
            if isinstance(entry.get("time"), str) or not timestamp:
                return message[start:].strip()
            entry = {"time": iso_ms(timestamp), **entry}
            return json.dumps(entry, ensure_ascii=False)
    return message.rstrip("\n")


def lines_of(document: dict, function_name: str | None = None) -> list[str]:
    """The lines of a query's answer, oldest first (a JSON line naming another function,
    should the query have let one through, is left out)."""
    tables = document.get("tables") if isinstance(document, dict) else None
    if not tables:
        return []
    table = tables[0]
    columns = [c.get("name") for c in table.get("columns", [])]
    at = columns.index("timestamp") if "timestamp" in columns else None
    text = columns.index("message") if "message" in columns else None
    if text is None:
        raise AppInsightsError(f"Application Insights answered without a message column: {columns}")
    out: list[tuple[str, str]] = []
    for row in table.get("rows", []):
        moment = str(row[at]) if at is not None and row[at] is not None else ""
        line = line_of(moment, row[text])
        if line is None:
            continue
        if function_name is not None and line.startswith("{"):
            try:
                named = json.loads(line).get("function")
            except (ValueError, AttributeError):
                named = None
            if named not in (None, function_name):
                continue
        out.append((iso_ms(moment), line))
    out.sort(key=lambda pair: pair[0])  # stable: rows of one instant keep their order
    return [line for _, line in out][-MAX_LINES:]


def _error_text(document) -> str:
    """``code: message`` of an ARM / query error body, trimmed ("" when it has none)."""
    error = document.get("error") if isinstance(document, dict) else None
    if isinstance(error, str):
        return error[:400]
    if not isinstance(error, dict):
        return ""
    text = ": ".join(str(error[k]) for k in ("code", "message") if error.get(k))
    return text if len(text) <= 400 else text[:397] + "..."


def _service_error(response) -> str:
    """What the service said of a failed request (its error, else the HTTP reason)."""
    try:
        document = response.json()
    except ValueError:
        document = None
    return _error_text(document) or (response.reason or "")


def read_lines(
    connection, topology, function, since_s: float, *, session=None, now_s: float | None = None
) -> list[str]:
    """The lines ``function`` logged since ``since_s`` (unix seconds) on real Azure, oldest
    first; ``[]`` when the twin has no component (or no app of its layer)."""
    import time

    import requests

    suffix = deployed_suffix(connection)
    app = function_app(topology, function, suffix)
    group = _named(topology, keys.RESOURCE_GROUP, suffix)
    if not app or not group:
        return []
    component = component_name(topology.twin_name)
    try:
        token = connection.credential().get_token(SCOPE).token
    except Exception as exc:  # azure-identity's errors name the sign-in, never a token
        raise AppInsightsError(
            f"could not sign in to Azure to read Application Insights: {exc}"
        ) from None
    body = {
        "query": kql_query(app, function.name, since_s),
        # to a little past now: a clock behind Azure's must not cut the newest lines off
        "timespan": f"{_iso(since_s)}/{_iso((time.time() if now_s is None else now_s) + 300)}",
    }
    own = session is None
    http = requests.Session() if own else session
    try:
        response = http.post(
            query_url(connection.subscription_id, group, component),
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=TIMEOUT_S,
        )
    except requests.RequestException as exc:
        raise AppInsightsError(
            f"Application Insights {component} could not be reached: {type(exc).__name__}"
        ) from None
    finally:
        if own:
            http.close()
    if response.status_code == 404:
        return []  # no component (or group) yet: nothing was logged
    if response.status_code in (401, 403):
        raise AppInsightsError(
            f"Application Insights refused to read the logs of {app} "
            f"(HTTP {response.status_code} {_service_error(response)}): the Azure sign-in "
            f"needs Reader (or Monitoring Reader) on the Application Insights component "
            f"{component} in resource group {group} ({QUERY_ACTION})"
        )
    if response.status_code != 200:
        raise AppInsightsError(
            f"Application Insights query of {component} failed: HTTP "
            f"{response.status_code} {_service_error(response)}"
        )
    try:
        document = response.json()
    except ValueError:
        raise AppInsightsError(
            f"Application Insights {component} answered with no JSON (HTTP 200)"
        ) from None
    if not isinstance(document, dict):
        raise AppInsightsError(f"Application Insights {component} answered with no tables")
    if document.get("error") and not document.get("tables"):
        raise AppInsightsError(
            f"Application Insights query of {component} failed: {_error_text(document)}"
        )
    return lines_of(document, function.name)
