"""A deployed function's log lines from Cloud Logging (real Google Cloud; the ``glue_log``
part's reader, also what ``dtwin logs`` reads).

A Cloud Function gen2 runs as the Cloud Run service of the same name (lowercase). Each line
it writes to stdout/stderr becomes a log entry: a JSON object line one with that object as
``jsonPayload``, any other line one with a ``textPayload``. Cloud Run's logging agent takes
its special fields out of the object: ``time``/``timestamp`` set the entry's ``timestamp``
and ``severity`` its severity (``message`` stays in the payload). The runtime writes
``time`` (:mod:`dtwin_gui.runtime.core.log`), so each line is rebuilt as the runtime wrote
it: the payload with ``time`` from the entry's timestamp (and ``level`` from its severity
when the payload has none). Text lines pass through as they are.

One call per page, with the connection's signed session::

    POST {LOGGING_URL}
    {"resourceNames": ["projects/<id>"], "filter": "<service, since>",
     "orderBy": "timestamp desc", "pageSize": 1000, "pageToken": "..."}

answered ``{"entries": [LogEntry], "nextPageToken": "..."}``. Newest first, so that when
:data:`MAX_LINES` cuts the window the lines kept are the newest (a hop's last message); they
are returned oldest first. A refusal names the permission the account lacks.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

#: Cloud Logging's entries.list (a test points this at its stand-in).
LOGGING_URL = "https://logging.googleapis.com/v2/entries:list"
#: entries.list's largest page.
PAGE_SIZE = 1000
#: The most lines read per function and refresh (the newest are kept), and pages asked.
MAX_LINES = 5_000
MAX_PAGES = 10
TIMEOUT_S = 30.0
PERMISSION = "logging.logEntries.list"
ROLE = "roles/logging.viewer"
#: Severities and the runtime's level names (log.py writes DEBUG, INFO, WARNING, ERROR).
_LEVELS = {
    "DEBUG": "DEBUG",
    "INFO": "INFO",
    "NOTICE": "INFO",
    "WARNING": "WARNING",
    "ERROR": "ERROR",
    "CRITICAL": "CRITICAL",
    "ALERT": "CRITICAL",
    "EMERGENCY": "CRITICAL",
}
_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]00:00)?$")


class CloudLoggingError(RuntimeError):
    """Cloud Logging could not be read (the message says why; never a token)."""


def service_name(topology, function) -> str:
    """The Cloud Run service of ``function``'s Cloud Function (the deployed name,
    lowercase as Cloud Run names are)."""
    return topology.deployed_name(function).lower()


def iso_ms(moment: str) -> str:
    """An entry's RFC 3339 timestamp (``…T10:00:00.123456789Z``) as the runtime writes
    ``time``: UTC, milliseconds, ``Z``. Other text is returned as it is."""
    found = _STAMP.match(moment or "")
    if not found:
        return moment
    fraction = (found.group(2) or "")[:3].ljust(3, "0")
    return f"{found.group(1)}.{fraction}Z"


def rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _quoted(text: str) -> str:
    return json.dumps(text)  # the query language's strings are JSON's


def log_filter(service: str, since_s: float) -> str:
    """The entries of ``service`` since ``since_s``: its container lines (Cloud Run's
    request log left out), as the Cloud Run revision or, as older entries name it, the
    Cloud Function."""
    name = _quoted(service)
    return (
        f'((resource.type="cloud_run_revision" AND resource.labels.service_name={name})'
        f' OR (resource.type="cloud_function" AND resource.labels.function_name={name}))'
        f' AND timestamp>="{rfc3339(since_s)}"'
        ' AND NOT log_id("run.googleapis.com/requests")'
    )


def line_of(entry: dict) -> str | None:
    """The line an entry holds, as the function wrote it (None: an entry with no payload
    of a line, such as a request or an audit log)."""
    stamp = entry.get("timestamp")
    payload = entry.get("jsonPayload")
    if isinstance(payload, dict):
        line = dict(payload)
        if "time" not in line and isinstance(stamp, str):
            line = {"time": iso_ms(stamp), **line}
        level = _LEVELS.get(str(entry.get("severity") or "").upper())
        if "level" not in line and level:
            line["level"] = level
        return json.dumps(line, ensure_ascii=False)
    text = entry.get("textPayload")
    if isinstance(text, str):
        return text.rstrip("\n")
    return None


def _error(response) -> tuple[str, str]:
    """``(status, message)`` of a Google error body (``{"error": {"code", "message",
    "status"}}``), trimmed; the HTTP reason when there is none."""
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    if not isinstance(error, dict):
        error = {}
    message = str(error.get("message") or response.reason or "")
    if len(message) > 400:
        message = message[:397] + "..."
    return str(error.get("status") or ""), message


def _refusal(response, service: str, project: str) -> CloudLoggingError:
    status, message = _error(response)
    said = " ".join(p for p in (str(response.status_code), status) if p)
    if "logging.googleapis.com" in message and (
        "disabled" in message or "has not been used" in message
    ):
        hint = f"enable the Cloud Logging API (logging.googleapis.com) in project {project}"
    elif response.status_code == 401:
        hint = "sign in to Google Cloud again (gcloud auth application-default login)"
    else:
        hint = f"the account needs {PERMISSION} on project {project} (role {ROLE})"
    return CloudLoggingError(
        f"Cloud Logging refused to list the log entries of {service} (HTTP {said}: "
        f"{message}): {hint}"
    )


def read_lines(connection, topology, function, since_s: float, *, session=None) -> list[str]:
    """The lines ``function`` logged since ``since_s`` (unix seconds) on Google Cloud,
    oldest first; ``[]`` when it logged none (or does not exist)."""
    import requests
    from google.auth.exceptions import GoogleAuthError

    project = connection.project_id()
    if not project:
        raise CloudLoggingError(
            "no Google Cloud project to read the logs in: choose one on the Credentials page"
        )
    service = service_name(topology, function)
    body = {
        "resourceNames": [f"projects/{project}"],
        "filter": log_filter(service, since_s),
        "orderBy": "timestamp desc",
        "pageSize": PAGE_SIZE,
    }
    own = session is None
    try:
        http = connection.http() if own else session
    except Exception as exc:  # google-auth's errors name the sign-in, never a token
        raise CloudLoggingError(f"could not sign in to Google Cloud to read logs: {exc}") from None
    newest_first: list[str] = []
    try:
        for _ in range(MAX_PAGES):
            try:
                response = http.post(LOGGING_URL, json=body, timeout=TIMEOUT_S)
            except requests.RequestException as exc:
                raise CloudLoggingError(
                    f"Cloud Logging could not be reached: {type(exc).__name__}"
                ) from None
            except GoogleAuthError as exc:  # the token could not be refreshed
                raise CloudLoggingError(
                    f"could not sign in to Google Cloud to read logs: {exc}"
                ) from None
            if response.status_code == 404:
                return []
            if response.status_code in (401, 403):
                raise _refusal(response, service, project)
            if response.status_code != 200:
                status, message = _error(response)
                said = " ".join(p for p in (str(response.status_code), status) if p)
                raise CloudLoggingError(
                    f"Cloud Logging could not list the log entries of {service}: "
                    f"HTTP {said}: {message}"
                )
            try:
                page = response.json()
            except ValueError:
                page = None
            if not isinstance(page, dict):
                raise CloudLoggingError("Cloud Logging answered with no page of entries (HTTP 200)")
            for entry in page.get("entries") or []:
                line = line_of(entry) if isinstance(entry, dict) else None
                if line is not None:
                    newest_first.append(line)
            token = page.get("nextPageToken")
            if not token or len(newest_first) >= MAX_LINES:
                break
            body = {**body, "pageToken": token}
    finally:
        if own:
            http.close()
    return list(reversed(newest_first[:MAX_LINES]))
