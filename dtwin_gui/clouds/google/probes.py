"""The ``probe_provisioned`` part: the live state of what the sandbox provisioned for Google.

A provisioned cloud has no Terraform state, so the Status page asks this part instead
(:mod:`dtwin_gui.deploy.status`). From the provision record (``provisioned.json``, see
:mod:`dtwin_gui.clouds.google.provision`) it looks each object up on the emulators:

- ``cloud-function``: running or crashed in the sandbox's functions host, and whether it
  runs the package the last provision gave it,
- ``pubsub-topic`` / ``pubsub-subscription``: on the Pub/Sub emulator,
- ``firestore-database``: its hot collection's document count,
- ``gcs-bucket``: its objects per storage class (fake-gcs-server).

One :class:`~dtwin_gui.clouds.base.StepProbe` per object, in its layer. Only the sandbox has a
provision record; on real Google the layers come from Terraform's state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from dtwin_gui.clouds.base import MISSING, PRESENT, UNKNOWN, StepProbe
from dtwin_gui.clouds.google import emulator_api as api
from dtwin_gui.clouds.google.provision import (
    BUCKET,
    FIRESTORE,
    FUNCTION,
    SUBSCRIPTION,
    TOPIC,
    current_record,
)

STEP_ID = "google.provisioned"
DRIFTED = "drifted"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def recorded(record: Mapping) -> list[tuple[str, str, str]]:
    """``(layer, kind, name)`` of every object ``record`` says was made."""
    layers = record.get("layers") or {}
    out: list[tuple[str, str, str]] = []
    for field, kind in (
        ("topics", TOPIC),
        ("subscriptions", SUBSCRIPTION),
        ("buckets", BUCKET),
        ("functions", FUNCTION),
    ):
        for name in record.get(field) or []:
            out.append(
                (str(layers.get(name, "L1" if kind in (TOPIC, SUBSCRIPTION) else "")), kind, name)
            )
    firestore = record.get("firestore")
    if isinstance(firestore, Mapping) and firestore.get("database"):
        out.append(("L3_hot", FIRESTORE, str(firestore["database"])))
    return [o for o in out if o[0]]


class _Lookups:
    def __init__(self, connection, record: Mapping, control) -> None:
        self.connection, self.record, self._control = connection, record, control
        self._cache: dict[str, object] = {}

    def _once(self, key: str, ask: Callable[[], object]):
        if key not in self._cache:
            try:
                self._cache[key] = ask()
            except Exception as exc:  # an emulator down: every such probe says why
                self._cache[key] = exc
        found = self._cache[key]
        if isinstance(found, Exception):
            raise found
        return found

    def function(self, name: str) -> tuple[str, str]:
        def ask():
            control = self._control
            if control is None:
                from dtwin_gui.clouds.google.sandbox.client import SandboxGoogle

                control = SandboxGoogle(api.gateway(self.connection), timeout_s=15)
            return control.functions()

        state = self._once("functions", ask).get(name)
        if not isinstance(state, Mapping):
            return MISSING, "not in the sandbox's functions host"
        sha = str(state.get("package_sha256") or "")
        detail = f"{state.get('state', 'unknown')}, package {sha[:12] or '?'}"
        if state.get("state") != "running":
            return UNKNOWN, detail + (f": {state['detail']}" if state.get("detail") else "")
        wanted = (self.record.get("packages") or {}).get(name)
        if wanted and wanted != sha:
            return DRIFTED, f"{detail} (the last deploy gave it {wanted[:12]})"
        return PRESENT, detail

    def topic(self, name: str) -> tuple[str, str]:
        if name in self._once("topics", lambda: api.topics(self.connection)):
            return PRESENT, "on the Pub/Sub emulator"
        return MISSING, "no such topic on the Pub/Sub emulator"

    def subscription(self, name: str) -> tuple[str, str]:
        subs = self._once("subscriptions", lambda: api.subscriptions(self.connection))
        if name in subs:
            return PRESENT, f"pull subscription of {subs[name]['topic']}"
        return MISSING, "no such subscription on the Pub/Sub emulator"

    def firestore(self, database: str) -> tuple[str, str]:
        collection = str((self.record.get("firestore") or {}).get("collection") or "hot")
        n = api.count_documents(self.connection, database, collection)
        return PRESENT, f"{_plural(n, 'document')} in {collection}"

    def bucket(self, name: str) -> tuple[str, str]:
        if not api.bucket_exists(self.connection, name):
            return MISSING, "no such bucket on fake-gcs-server"
        classes: dict[str, int] = {}
        for item in api.objects(self.connection, name):
            cls = str(item.get("storageClass") or "STANDARD")
            classes[cls] = classes.get(cls, 0) + 1
        total = sum(classes.values())
        if not total:
            return PRESENT, "empty"
        split = ", ".join(f"{classes[c]} {c}" for c in sorted(classes))
        return PRESENT, f"{_plural(total, 'object')} ({split})"


def probe_provisioned(
    connection, record: Mapping, topology, *, live: bool = True, control=None
) -> list[StepProbe]:
    """The part ``probe_provisioned``: one probe per object of the twin's Google layers that
    ``record`` says was made. With ``live`` False nothing is asked: each is reported
    present ("recorded"). ``control``: the sandbox's control API client (default
    :class:`~dtwin_gui.clouds.google.sandbox.client.SandboxGoogle` of ``connection``)."""
    objects = recorded(record)
    if not live:  # what the record says, with no connection needed (the destroy preview)
        return [
            StepProbe(STEP_ID, layer, name, PRESENT, "recorded", kind)
            for layer, kind, name in objects
        ]
    if not getattr(connection, "is_sandbox", False):
        return []  # real Google: Terraform's state
    lookups = _Lookups(connection, current_record(record, connection), control)
    by_kind: dict[str, Callable[[str], tuple[str, str]]] = {
        FUNCTION: lookups.function,
        TOPIC: lookups.topic,
        SUBSCRIPTION: lookups.subscription,
        FIRESTORE: lookups.firestore,
        BUCKET: lookups.bucket,
    }
    out = []
    for layer, kind, name in objects:
        try:
            state, detail = by_kind[kind](name)
        except Exception as exc:  # an emulator down is a status, never a crash
            state, detail = UNKNOWN, f"not checked: {type(exc).__name__}: {exc}"
        out.append(StepProbe(STEP_ID, layer, name, state, detail, kind))
    return out
