"""The ``leftovers`` part: what of a twin is still on Google, listed per service (after a
destroy).

In the sandbox: the Cloud Functions of the sandbox's functions host, the Pub/Sub topics and
subscriptions (the dispatcher's push trigger ``dtwin-trigger-<function>`` included), the GCS
buckets and the documents of the twin's Firestore database whose names hold the twin's
name. On real Google nothing is listed by this version (it would need the Cloud Asset API):
the part says so under ``"unlisted"`` rather than pretending the project is clean.
"""

from __future__ import annotations

from collections.abc import Callable

from dtwin_gui.clouds.google import emulator_api as api


def _firestore(connection, twin: str) -> list[str]:
    """``<database>/<collection>`` of the twin's hot database that still hold documents."""
    from dtwin_gui.core.providers import SLOTS, Cloud
    from dtwin_gui.core.resource_names import FIRESTORE_DATABASE, derive_names

    names = derive_names(twin, dict.fromkeys(SLOTS, Cloud.GOOGLE), [])
    database = next((n.name for n in names if n.key == FIRESTORE_DATABASE), f"{twin}-hot")
    return [
        f"{database}/{c}"
        for c in api.collections(connection, database)
        if api.count_documents(connection, database, c)
    ]


def _sandbox(connection, twin: str, control) -> tuple[dict[str, list[str]], list[str]]:
    def functions() -> list[str]:
        client = control
        if client is None:
            from dtwin_gui.clouds.google.sandbox.client import SandboxGoogle

            client = SandboxGoogle(api.gateway(connection), timeout_s=15)
        return list(client.functions())

    listers: dict[str, Callable[[], list[str]]] = {
        "cloud functions": functions,
        "pubsub topics": lambda: api.topics(connection),
        "pubsub subscriptions": lambda: list(api.subscriptions(connection)),
        "gcs buckets": lambda: api.buckets(connection),
        "firestore": lambda: _firestore(connection, twin),
    }
    found: dict[str, list[str]] = {}
    unlisted: list[str] = []
    for service, lister in listers.items():
        try:
            names = sorted(n for n in lister() if twin in n)
        except Exception as exc:  # an emulator that is not running is reported, never hidden
            unlisted.append(f"{service} ({type(exc).__name__})")
            continue
        if names:
            found[service] = names
    return found, unlisted


def find_leftovers(connection, twin_name: str, *, control=None) -> dict[str, list[str]]:
    """``{service: [names]}`` of everything of ``twin_name`` that still exists on Google.

    ``control``: the sandbox's control API client (default ``SandboxGoogle``)."""
    if not connection.is_sandbox:
        return {"unlisted": ["google cloud resources (not listed by this version)"]}
    found, unlisted = _sandbox(connection, twin_name, control)
    if unlisted:
        found["unlisted"] = unlisted
    return found
