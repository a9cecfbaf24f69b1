"""What every Google Cloud Function of dtwin shares: its manifest entry, environment
contract, clients and log.

A layer's package holds several functions; ``dtwin_functions.json`` lists them (topology
name, role, baked config, user code folder). A deployed function says which it is with env
``DTWIN_FUNCTION``; its state is made on its first call (once per instance).
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from pathlib import Path

from dtwin_gui.runtime.core.contracts import contract_for
from dtwin_gui.runtime.core.env import MissingEnvironment
from dtwin_gui.runtime.core.function_config import FunctionConfig
from dtwin_gui.runtime.core.log import FunctionLog, level_from_env
from dtwin_gui.runtime.google import services
from dtwin_gui.runtime.google.stores import (
    ARCHIVE_CLASS,
    COLD_CLASS,
    FirestoreHotStore,
    GcsObjectStore,
)

MANIFEST = "dtwin_functions.json"
FUNCTION_VAR = "DTWIN_FUNCTION"


def load_manifest(root: Path) -> dict:
    return json.loads((Path(root) / MANIFEST).read_text(encoding="utf-8"))


def manifest_entry(manifest: dict, name: str | None, role: str) -> dict:
    """The entry of function ``name`` (its topology name, or its deployed name); without a
    name, the only entry of ``role``."""
    entries = manifest["functions"]
    if name:
        for entry in entries:
            if name in (entry["name"], entry.get("deployed_name")):
                return entry
        raise MissingEnvironment(
            f"{FUNCTION_VAR}={name!r} names no function of this package "
            f"({', '.join(e['name'] for e in entries)})"
        )
    of_role = [e for e in entries if e["role"] == role]
    if len(of_role) == 1:
        return of_role[0]
    raise MissingEnvironment(f"{FUNCTION_VAR} is not set: which {role} function is this?")


class GoogleFunction:
    """The per-instance state of one function."""

    def __init__(self, role: str, root: Path, environ: Mapping[str, str] = os.environ) -> None:
        manifest = load_manifest(root)
        entry = manifest_entry(manifest, environ.get(FUNCTION_VAR), role)
        if entry["role"] != role:
            raise MissingEnvironment(
                f"function {entry['name']!r} is a {entry['role']}, started as a {role}: "
                "its entry point and DTWIN_FUNCTION disagree"
            )
        self.name = entry["name"]
        self.role = role
        self.layer = manifest["layer"]
        self.environ = environ
        self.env = contract_for(role).load(environ)
        self.config = FunctionConfig.from_json(entry["config"])
        self.user_dir = Path(root) / entry["user_dir"] if entry.get("user_dir") else None
        self.log = FunctionLog(
            self.name, level=level_from_env(self.env.get("DTWIN_LOG_LEVEL") or "INFO")
        )

    def user_file(self, name: str) -> Path:
        if self.user_dir is None:
            raise FileNotFoundError(f"function {self.name!r} has no user code folder")
        return self.user_dir / name

    def int_env(self, name: str) -> int | None:
        value = self.env.get(name)
        return int(value) if value else None

    @property
    def sandbox_clock(self) -> bool:
        return self.environ.get("DTWIN_SANDBOX_CLOCK") == "1"

    @functools.cached_property
    def invoker(self) -> services.HttpInvoker:
        return services.HttpInvoker.from_env(self.environ)

    def hot_store(self, *, ttl_days: int | None = None) -> FirestoreHotStore:
        return FirestoreHotStore(
            services.firestore_client(self.environ), self.env["DTWIN_HOT_STORE"], ttl_days=ttl_days
        )

    def cold_store(self) -> GcsObjectStore:
        client = services.storage_client(self.environ)
        return GcsObjectStore(client, self.env["DTWIN_COLD_STORE"], storage_class=COLD_CLASS)

    def archive_store(self) -> GcsObjectStore:
        client = services.storage_client(self.environ)
        return GcsObjectStore(client, self.env["DTWIN_ARCHIVE_STORE"], storage_class=ARCHIVE_CLASS)

    def feedback_publisher(self) -> services.PubSubFeedbackPublisher:
        return services.PubSubFeedbackPublisher.from_env(self.environ)

    def sender(self, prefix: str, layer: str | None = None):
        from dtwin_gui.runtime.core.glue import Sender

        return Sender.from_env(
            self.environ,
            prefix,
            source_cloud="google",
            source_layer=layer or self.layer,
            log=self.log,
        )
