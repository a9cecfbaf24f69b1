"""The functions-framework entry point of every topology role on Google (stdlib only).

Every layer package carries the same static ``main.py``, which defines one entry point per
role; a deployed function names its entry point from this table (Terraform's
``build_config.entry_point``, the sandbox's ``--target``) and its signature type
(``--signature-type``). The function learns which topology function it is from env
``DTWIN_FUNCTION`` (its topology name, see runtime/core/contracts.GOOGLE_FUNCTION).
"""

from __future__ import annotations

from typing import NamedTuple

CLOUDEVENT = "cloudevent"
HTTP = "http"


class EntryPoint(NamedTuple):
    #: the Python function in main.py (functions-framework ``--target``)
    name: str
    #: functions-framework ``--signature-type``: "cloudevent" or "http"
    signature: str


def _http(role: str) -> EntryPoint:
    return EntryPoint(role.replace("-", "_"), HTTP)


#: role (core/topology.py constants) -> entry point. adt-updater is Azure-only.
ENTRY_POINTS: dict[str, EntryPoint] = {
    "dispatcher": EntryPoint("dispatcher", CLOUDEVENT),
    **{
        role: _http(role)
        for role in (
            "connector",
            "ingestion",
            "processor",
            "persister",
            "event-checker",
            "action",
            "event-feedback",
            "hot-writer",
            "hot-reader",
            "hot-to-cold-mover",
            "cold-writer",
            "cold-to-archive-mover",
            "archive-writer",
            "hot-reader-proxy",
        )
    },
}

#: Roles run on a schedule (Cloud Scheduler HTTP job, cron below; sandbox: the clock).
SCHEDULED: dict[str, str] = {
    "hot-to-cold-mover": "0 * * * *",
    "cold-to-archive-mover": "0 * * * *",
}


def entry_point(role: str) -> EntryPoint:
    """The entry point of ``role``; a clear error for a role Google cannot host."""
    try:
        return ENTRY_POINTS[role]
    except KeyError:
        raise KeyError(f"no Google Cloud Functions entry point for role {role!r}") from None
