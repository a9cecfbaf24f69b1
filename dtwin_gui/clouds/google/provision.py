"""The sandbox provisioner: the Google intent created on the emulators (parts ``provision``,
``deprovision``, ``receiver_urls`` and ``sandbox_url``, called by
:mod:`dtwin_gui.deploy.provision_phase`).

No google provider can be installed here, so in the sandbox Google is not applied by
Terraform: the same :func:`~dtwin_gui.clouds.google.intent.google_intent` the Terraform
fragment renders is created here — the telemetry and feedback topics with one subscription
per device (Pub/Sub emulator; it keeps no filter, the device side filters in code), the
Firestore database (the emulator makes a named database on first use: nothing to create),
the Nearline cold and Archive archive buckets (fake-gcs-server), and every Cloud Function in
the sandbox's functions host (:class:`~.sandbox.client.SandboxGoogle`) with its layer's
package from this build, its entry point, its trigger (the dispatcher's Pub/Sub push
subscription, the movers' schedules on the sandbox clock) and its environment resolved:
glue secrets from the deployment's secret store, receiver URLs on other clouds from the
Terraform outputs, the emulators' hosts, ``DTWIN_GOOGLE_FUNCTIONS_URL`` = the gateway. The
bucket of function sources is not made in the sandbox: the host runs each zip from the build.
Every call converges: what exists is left as it is, so provisioning again changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dtwin_gui.clouds.google import emulator_api as api

#: The unique-name suffix of sandbox names (the emulators are per user, names need no salt).
SANDBOX_SUFFIX = "sbx"
TOPIC, SUBSCRIPTION, FIRESTORE, BUCKET, FUNCTION = (
    "pubsub-topic",
    "pubsub-subscription",
    "firestore-database",
    "gcs-bucket",
    "cloud-function",
)


# --- the intent -----------------------------------------------------------------------------
def sandbox_intent(ctx):
    """The deployment's Google intent with the sandbox gateway as the functions' base URL."""
    from dtwin_gui.clouds.google.intent import DEFAULT_REGION, google_intent

    return google_intent(
        ctx.project,
        ctx.topology,
        ctx.builds,
        _glue_urls(ctx),
        gcp_project=api.project(ctx.connection),
        region=getattr(ctx.connection, "region", "") or DEFAULT_REGION,
        suffix=SANDBOX_SUFFIX,
        functions_url=api.gateway(ctx.connection),
    )


def _glue_urls(ctx) -> dict[str, str]:
    """Receiver URLs on the Terraform clouds, from the root's outputs
    (``<boundary>_receiver_url``, e.g. ``l2_l3hot_writer_receiver_url``)."""
    outputs = ctx.outputs or {}
    urls = {}
    for boundary in ctx.topology.boundaries:
        value = outputs.get(boundary.name.replace("-", "_") + "_receiver_url")
        if isinstance(value, dict):
            value = value.get("value")
        if isinstance(value, str) and value:
            urls[boundary.name] = value
    return urls


def receiver_urls(ctx) -> dict[str, str]:
    """``{boundary: url}`` of the glue receivers Google hosts in the sandbox; known before
    any apply (``{gateway}/{deployed name}``), so a Terraform cloud's senders get them as
    ``TF_VAR_glue_<boundary>_url``."""
    return {k: v for k, v in sandbox_intent(ctx).receiver_urls.items() if isinstance(v, str)}


def sandbox_url(connection, url: str) -> str:
    """A receiver URL on the Google gateway as the running sandbox serves it (a restarted
    sandbox listens on another port)."""
    current = urlsplit(api.gateway(connection))
    found = urlsplit(url or "")
    if not current.netloc or found.hostname not in ("127.0.0.1", "localhost"):
        return url
    return found._replace(scheme=current.scheme, netloc=current.netloc).geturl()


def current_record(record: Mapping[str, Any], connection) -> dict:
    """``record`` with the gateway URLs it holds on the gateway as it is now."""
    old = urlsplit(str(record.get("gateway") or "")).netloc
    new = urlsplit(api.gateway(connection)).netloc
    if not old or not new or old == new:
        return dict(record)

    def rebase(value):
        if isinstance(value, str):
            return value.replace(old, new)
        if isinstance(value, Mapping):
            return {k: rebase(v) for k, v in value.items()}
        if isinstance(value, list):
            return [rebase(v) for v in value]
        return value

    return rebase(dict(record))


# --- a function's environment ---------------------------------------------------------------
def function_env(ctx, fn, glue: Mapping[str, str], secrets) -> dict[str, str]:
    """``fn``'s environment as the functions host gets it (the request body, never a file):
    the intent's placeholders resolved, plus the emulators' hosts and the sandbox clock.
    ``secrets()`` gives the deployment's glue secrets (opened once, on first need)."""
    from dtwin_gui.clouds.google.intent import Deferred, GlueUrl, SecretRef

    base = api.gateway(ctx.connection)
    out: dict[str, str] = {}
    for name, value in fn.env.items():
        if isinstance(value, SecretRef):
            store = secrets()
            secret = store.get(value.boundary) or (store.ensure() and store.get(value.boundary))
            chosen = secret.current if value.kind == "secret" else secret.previous
            if chosen:
                out[name] = chosen
        elif isinstance(value, GlueUrl):
            if value.boundary not in glue:
                raise ValueError(f"{fn.name}: no receiver URL for {value.boundary} yet")
            out[name] = glue[value.boundary]
        elif isinstance(value, Deferred):
            out[name] = f"{base}/{value.subject}" if value.subject else base
        else:
            out[name] = str(value)
    conn = ctx.connection
    out.update(
        DTWIN_GOOGLE_PROJECT=api.project(conn),
        GOOGLE_CLOUD_PROJECT=api.project(conn),
        PUBSUB_EMULATOR_HOST=api.endpoint(conn, "pubsub"),
        FIRESTORE_EMULATOR_HOST=api.endpoint(conn, "firestore"),
        STORAGE_EMULATOR_HOST=api.endpoint(conn, "gcs"),
        DTWIN_SANDBOX_CLOCK="1",
    )
    return {k: v for k, v in out.items() if v}


def _build_of(ctx, layer: str):
    """The build of ``layer``'s source package (``<twin>-<layer tag>-functions``)."""
    from dtwin_gui.clouds.google.packaging import source_name

    wanted = source_name(ctx.topology.twin_name, layer)
    for build in ctx.builds:
        if str(getattr(build, "cloud", "")) == "google" and build.name == wanted:
            return build
    return None


def _package(ctx, fn) -> tuple[str, str]:
    """``(zip path, sha256)`` of the package ``fn`` runs, from this deploy's build."""
    build = _build_of(ctx, fn.layer)
    if build is not None:
        return str(Path(build.path).resolve()), build.sha256
    if fn.package:
        return fn.package, ""
    raise ValueError(f"Cloud Function {fn.name} has no package: build the project first")


def _trigger(fn) -> dict:
    trigger = fn.trigger
    if trigger.kind == "pubsub":
        return {"type": "pubsub", "topic": trigger.topic}
    if trigger.kind == "schedule":
        return {"type": "schedule", "schedule": trigger.schedule, "job": trigger.job or ""}
    return {"type": "http"}


# --- provision ------------------------------------------------------------------------------
class _Made:
    """Makes one object with its events: creating → created, or updating → updated when the
    last provision recorded it (the call converges either way)."""

    def __init__(self, ctx, saved: Mapping[str, Any]) -> None:
        self.ctx, self.saved = ctx, saved

    def _recorded(self, field: str, name: str) -> bool:
        value = self.saved.get(field)
        if isinstance(value, list):
            return name in value
        if isinstance(value, Mapping):
            return name in (value.get("name"), value.get("database"))
        return False

    def __call__(self, layer: str, kind: str, name: str, field: str, make):
        action = "update" if self._recorded(field, name) else "create"
        emit = getattr(self.ctx, "resource", None) or (lambda *a: None)
        emit(layer, kind, name, action, f"{action[:-1]}ing")
        try:
            result = make()
        except Exception:
            emit(layer, kind, name, action, "failed")
            raise
        emit(layer, kind, name, action, f"{action}d")
        return result


def provision(ctx, saved: Mapping[str, Any]) -> dict:
    """Create the intent on the emulators; returns the record ``deprovision`` undoes."""
    from dtwin_gui.clouds.google.sandbox.client import SandboxGoogle

    conn = ctx.connection
    intent = sandbox_intent(ctx)
    made = _Made(ctx, saved)
    record: dict[str, Any] = {"project": api.project(conn), "gateway": api.gateway(conn)}
    topics = [t for t in (intent.telemetry_topic,) if t]
    if intent.feedback is not None:
        topics.append(intent.feedback.topic)
    record["topics"] = topics
    for topic in topics:
        made("L1", TOPIC, topic, "topics", lambda t=topic: api.ensure_topic(conn, t))
    subs = intent.feedback.subscriptions if intent.feedback is not None else ()
    record["subscriptions"] = [s.name for s in subs]
    for sub in subs:
        made(
            "L1",
            SUBSCRIPTION,
            sub.name,
            "subscriptions",
            lambda s=sub: api.ensure_subscription(conn, s.name, intent.feedback.topic, s.filter),
        )
    if intent.firestore is not None:
        fs = intent.firestore
        entry = {
            "database": fs.database,
            "collection": fs.collection,
            "ttl_field": fs.ttl_field,
            "ttl_days": fs.ttl_days,
        }
        # the emulator makes a named database on its first write: nothing to create
        record["firestore"] = made("L3_hot", FIRESTORE, fs.database, "firestore", lambda: entry)
    record["buckets"] = [b.name for b in intent.buckets]
    for bucket in intent.buckets:
        made(
            bucket.layer,
            BUCKET,
            bucket.name,
            "buckets",
            lambda b=bucket: api.ensure_bucket(conn, b.name, b.storage_class),
        )
    control = SandboxGoogle(api.gateway(conn))
    glue = _glue_urls(ctx)
    store: list = []

    def secrets():
        if not store:
            store.append(ctx.glue_secrets())
        return store[0]

    record["functions"] = [f.name for f in intent.functions]
    record["packages"] = {}
    # the layer of every object, for the Status page (probes.py) and the destroy preview
    layers = {t: "L1" for t in topics} | {s.name: "L1" for s in subs}
    layers |= {b.name: b.layer for b in intent.buckets} | {
        f.name: f.layer for f in intent.functions
    }
    if intent.firestore is not None:
        layers[intent.firestore.database] = "L3_hot"
    record["layers"] = layers
    for fn in intent.functions:
        package, sha = _package(ctx, fn)
        env = function_env(ctx, fn, glue, secrets)
        state = made(
            fn.layer,
            FUNCTION,
            fn.name,
            "functions",
            lambda fn=fn, package=package, sha=sha, env=env: control.put_function(
                fn.name,
                package=package,
                package_sha256=sha or None,
                entry_point=fn.entry_point,
                signature=fn.signature,
                env=env,
                trigger=_trigger(fn),
            ),
        )
        record["packages"][fn.name] = state.get("package_sha256") or sha
        if state.get("state") != "running":
            raise RuntimeError(f"Cloud Function {fn.name} is {state.get('state')}: {state}")
    ctx.log(
        "info",
        f"{len(intent.functions)} Cloud Functions run in the sandbox behind "
        f"{api.gateway(conn)}; topics {', '.join(topics) or 'none'}",
    )
    return record


# --- deprovision ----------------------------------------------------------------------------
def _named(ctx) -> dict:
    """The names the deployment's Google intent gives (empty when it cannot be computed)."""
    try:
        intent = sandbox_intent(ctx)
    except Exception:  # an unreadable project: the record alone says what was made
        return {}
    topics = [t for t in (intent.telemetry_topic,) if t]
    subs = []
    if intent.feedback is not None:
        topics.append(intent.feedback.topic)
        subs = [s.name for s in intent.feedback.subscriptions]
    out: dict = {
        "functions": [f.name for f in intent.functions],
        "topics": topics,
        "subscriptions": subs,
        "buckets": [b.name for b in intent.buckets],
    }
    if intent.firestore is not None:
        out["firestore"] = {"database": intent.firestore.database}
    return out


def _union(field: str, *sources: Mapping) -> list[str]:
    return sorted({n for s in sources for n in (s.get(field) or []) if isinstance(n, str)})


def deprovision(ctx, saved: Mapping[str, Any]) -> list[str]:
    """Remove what :func:`provision` made, by the record and by the names the intent gives
    (a provision cut short made some without recording them); returns what is still there."""
    from dtwin_gui.clouds.google.sandbox.client import SandboxGoogle, SandboxGoogleError
    from dtwin_gui.clouds.google.sandbox.pubsub_push import subscription_name

    conn = ctx.connection
    named = _named(ctx)
    left: list[str] = []

    def attempt(label: str, remove, *args) -> None:
        try:
            remove(*args)
        except (api.EmulatorError, SandboxGoogleError) as exc:
            if "HTTP 404" not in str(exc):
                left.append(f"{label}: {exc}")

    functions = _union("functions", saved, named)
    if functions:
        control = SandboxGoogle(api.gateway(conn))
        for name in functions:
            attempt(f"Cloud Function {name}", control.delete_function, name)
            # its push trigger, should the host have forgotten the function (a restart)
            attempt(f"trigger of {name}", api.delete_subscription, conn, subscription_name(name))
    for name in _union("subscriptions", saved, named):
        attempt(f"subscription {name}", api.delete_subscription, conn, name)
    for name in _union("topics", saved, named):
        attempt(f"topic {name}", api.delete_topic, conn, name)
    for name in _union("buckets", saved, named):
        attempt(f"bucket {name}", api.delete_bucket, conn, name)
    databases = {
        (entry or {}).get("database") for entry in (saved.get("firestore"), named.get("firestore"))
    } - {None}
    for database in sorted(databases):
        attempt(f"Firestore database {database}", api.clear_database, conn, database)
    return left
