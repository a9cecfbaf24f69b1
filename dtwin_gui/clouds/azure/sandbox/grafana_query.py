"""Grafana's query API (``POST /api/ds/query``) for the Infinity data source, in the Azure
sandbox's Grafana emulation: what a dashboard panel asks when it draws.

As Grafana's Infinity plugin does it, each query of type ``json`` from ``url`` is a request to
the data source's URL (plus the query's own URL) with the query's ``url_options`` params —
``${__from:date:iso}`` and ``${__to:date:iso}`` filled from the request's range — and the data
source's header (``jsonData.httpHeaderName1`` with the write-only ``secureJsonData``
value), to an allowed host only. The rows under ``root_selector`` become one frame of the
query's ``columns`` (``timestamp`` columns as epoch milliseconds). A query that fails says
why in its result (``error``, ``status``), as Grafana does; the others are answered.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests

from dtwin_gui.clouds.azure.sandbox.iothub_http import AzureResponse

INFINITY = "yesoreyeram-infinity-datasource"
TIMEOUT_S = 60
_FIELD_TYPES = {"timestamp": "time", "number": "number", "string": "string"}


def _iso(ms: object) -> str:
    moment = datetime.fromtimestamp(int(str(ms)) / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _filled(value: str, range_: dict) -> str:
    return value.replace("${__from:date:iso}", range_["from"]).replace(
        "${__to:date:iso}", range_["to"]
    )


def _epoch_ms(value: object) -> int | None:
    if not isinstance(value, str):
        return None
    try:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return None


def _frame(ref_id: str, query: dict, document: object) -> dict:
    rows = (
        document.get(query.get("root_selector") or "", document)
        if isinstance(document, dict)
        else document
    )
    rows = rows if isinstance(rows, list) else []
    fields, values = [], []
    for column in query.get("columns") or []:
        kind = column.get("type", "string")
        cells = [row.get(column.get("selector")) if isinstance(row, dict) else None for row in rows]
        if kind == "timestamp":
            cells = [_epoch_ms(c) for c in cells]
        fields.append(
            {
                "name": column.get("text") or column.get("selector"),
                "type": _FIELD_TYPES.get(kind, "string"),
            }
        )
        values.append(cells)
    return {"schema": {"refId": ref_id, "fields": fields}, "data": {"values": values}}


def _error(message: str, status: int = 500) -> dict:
    return {"error": message, "status": status, "frames": []}


def run_query(query: dict, datasource: dict | None, range_: dict, ca_bundle: str) -> dict:
    """One query's result (``{"status", "frames"}`` or ``{"error", "status"}``)."""
    ref_id = query.get("refId", "A")
    if datasource is None:
        return _error("data source not found", 404)
    if datasource.get("type") != INFINITY:
        return _error(
            f"the emulation queries Infinity data sources only, not {datasource.get('type')}", 400
        )
    if query.get("type") != "json" or query.get("source") != "url":
        return _error("only JSON queries from a URL are emulated", 400)
    own = query.get("url") or ""
    url = own if own.startswith(("http://", "https://")) else (datasource.get("url") or "") + own
    parts = urlsplit(url)
    allowed = (datasource.get("jsonData") or {}).get("allowedHosts") or []
    if allowed and f"{parts.scheme}://{parts.netloc}" not in allowed:
        return _error(
            f"{parts.scheme}://{parts.netloc} is not an allowed host of the data source", 400
        )
    options = query.get("url_options") or {}
    params = [
        (p.get("key"), _filled(str(p.get("value", "")), range_))
        for p in options.get("params") or []
    ]
    headers = {}
    name = (datasource.get("jsonData") or {}).get("httpHeaderName1")
    if name:
        headers[name] = (datasource.get("secureJsonData") or {}).get("httpHeaderValue1", "")
    try:
        reply = requests.request(
            options.get("method") or "GET",
            url,
            params=params,
            headers=headers,
            timeout=TIMEOUT_S,
            verify=ca_bundle if parts.scheme == "https" and ca_bundle else True,
        )
    except requests.RequestException as exc:
        return _error(f"{url}: {type(exc).__name__}")
    if reply.status_code != 200:
        return _error(
            f"{url} answered HTTP {reply.status_code}: {reply.text[:200]}", reply.status_code
        )
    try:
        document = reply.json()
    except ValueError:
        return _error(f"{url} answered no JSON")
    return {"status": 200, "frames": [_frame(ref_id, query, document)]}


def ds_query(body: object, find, ca_bundle: str) -> AzureResponse:
    """``POST /api/ds/query``: ``find(uid)`` gives a data source record (a copy)."""
    if not isinstance(body, dict) or not isinstance(body.get("queries"), list):
        return AzureResponse.of_json(400, {"message": "bad request data: queries are required"})
    try:
        range_ = {"from": _iso(body.get("from")), "to": _iso(body.get("to"))}
    except (TypeError, ValueError, OverflowError):
        return AzureResponse.of_json(400, {"message": "from and to must be epoch milliseconds"})
    results = {}
    for query in body["queries"]:
        query = query if isinstance(query, dict) else {}
        uid = (query.get("datasource") or {}).get("uid")
        results[query.get("refId", "A")] = run_query(query, find(uid), range_, ca_bundle)
    status = 200 if all("error" not in r for r in results.values()) else 207
    return AzureResponse.of_json(status, {"results": results})
