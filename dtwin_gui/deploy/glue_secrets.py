"""Glue secrets: one HMAC secret per cross-cloud boundary (DESIGN.md §3, §4).

dtwin generates the secrets (32 random bytes, hex), keeps them in the OS keyring (service
``dtwin``, one entry per project workspace, target and boundary) and, only where no keyring
backend exists, in the workspace file ``targets/<target>/glue_secrets.json`` (mode 0600,
under the app's data folder, never the project folder). They leave this module only as
environment variables: ``TF_VAR_glue_<boundary>_secret`` / ``..._previous_secret`` for
Terraform (:func:`GlueSecrets.terraform_environment`) and ``DTWIN_GLUE_SECRET`` /
``DTWIN_GLUE_PREVIOUS_SECRET`` (receivers) or ``DTWIN_<PREFIX>_SECRET`` (senders) for
emulated functions (:func:`GlueSecrets.function_environment`). Nothing here logs, prints or
raises with a secret in it; :class:`Rotation` and :class:`BoundarySecret` reprs hide them.

Rotation (:meth:`GlueSecrets.rotate`) rolls a new secret per boundary and keeps the one it
replaces as the *previous* secret: receivers accept both until the next rotation, which
drops it (the old-old secret is refused). Senders sign with the current secret.

The two boundaries that end at the hot reader (``l4-l3hot-reader``, ``l5-l3hot-reader``)
share one secret: the reader is one function with one ``DTWIN_GLUE_SECRET`` (the root's
``glue_l3hot_reader_*`` variables). Every other boundary has its own.
"""

from __future__ import annotations

import json
import secrets as _random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dtwin_gui.core.topology import Topology, topology_for_project
from dtwin_gui.runtime.core.contracts import GLUE_PREVIOUS, GLUE_SECRET

SERVICE = "dtwin"
FILE_NAME = "glue_secrets.json"
SECRET_BYTES = 32
#: Boundaries whose receiver (the hot reader) has one secret for both.
_SHARED = {"l4-l3hot-reader": "l3hot-reader", "l5-l3hot-reader": "l3hot-reader"}
#: The ``DTWIN_<prefix>_SECRET`` a sender of each boundary reads (runtime/core/contracts.py).
SENDER_PREFIX = {
    "l1-l2-ingestion": "REMOTE",
    "l2-l3hot-writer": "HOT_WRITER",
    "l3hot-l3cold-writer": "COLD_WRITER",
    "l3cold-l3archive-writer": "ARCHIVE_WRITER",
    "l4-l3hot-reader": "REMOTE",
    "l5-l3hot-reader": "REMOTE",
    "l2-l4-twin-update": "TWIN_UPDATE",
}


class GlueSecretsError(RuntimeError):
    """The secrets cannot be read or stored; the text says where and how to fix it."""


def secret_id(boundary: str) -> str:
    """The id a boundary's secret is stored under (both reader boundaries share one)."""
    return _SHARED.get(boundary, boundary)


def terraform_variable(boundary: str, kind: str) -> str:
    """The root variable of a boundary's ``secret`` / ``previous_secret``, named as the
    generated root names it (``glue_l1_l2_ingestion_secret``, ``glue_l3hot_reader_secret``)."""
    if kind not in ("secret", "previous_secret"):
        raise ValueError(f"unknown glue secret kind {kind!r}")
    return f"glue_{secret_id(boundary).replace('-', '_')}_{kind}"


@dataclass(frozen=True)
class BoundarySecret:
    """The stored secrets of one id. ``previous`` is None before the first rotation."""

    id: str
    boundaries: tuple[str, ...]
    current: str = field(repr=False)
    previous: str | None = field(default=None, repr=False)
    generation: int = 1
    created_at: str = ""
    rotated_at: str | None = None

    @property
    def accepted(self) -> list[str]:
        """What a receiver accepts: the current secret, then the previous one."""
        return [s for s in (self.current, self.previous) if s]

    def to_json(self) -> dict:
        return {
            "current": self.current,
            "previous": self.previous,
            "generation": self.generation,
            "created_at": self.created_at,
            "rotated_at": self.rotated_at,
        }


@dataclass(frozen=True)
class Rotation:
    """What :meth:`GlueSecrets.rotate` did for one id (no secret in it)."""

    id: str
    boundaries: tuple[str, ...]
    generation: int
    #: True when the secret had not existed yet (it was generated, nothing to keep).
    created: bool
    #: True when a previous secret was dropped (refused from now on).
    dropped_oldest: bool

    def describe(self) -> str:
        what = ", ".join(self.boundaries)
        if self.created:
            return f"{what}: new secret (generation 1); there was none before"
        kept = f"generation {self.generation - 1} still accepted until the next rotation"
        dropped = f"; generation {self.generation - 2} now refused" if self.dropped_oldest else ""
        return f"{what}: new secret (generation {self.generation}); {kept}{dropped}"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _new_secret() -> str:
    return _random.token_hex(SECRET_BYTES)


def keyring_usable() -> bool:
    from dtwin_gui.credentials.secrets import keyring_usable as usable

    return usable()


class _KeyringBackend:
    where = "the OS keyring"

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def _name(self, sid: str) -> str:
        return f"{self.prefix}/{sid}"

    def read(self, sid: str) -> dict | None:
        import keyring

        try:
            raw = keyring.get_password(SERVICE, self._name(sid))
        except Exception as exc:  # locked or broken keyring; the text may echo nothing secret
            raise GlueSecretsError(
                f"the OS keyring could not be read ({type(exc).__name__}) for the glue secret "
                f"{sid}; unlock your keyring and try again"
            ) from None
        return _decode(raw, f"keyring entry {self._name(sid)}")

    def write(self, sid: str, data: dict) -> None:
        import keyring

        try:
            keyring.set_password(SERVICE, self._name(sid), json.dumps(data, sort_keys=True))
        except Exception as exc:
            raise GlueSecretsError(
                f"the OS keyring refused to store the glue secret {sid} "
                f"({type(exc).__name__}); unlock your keyring and try again"
            ) from None


class _FileBackend:
    """``glue_secrets.json`` in the deployment workspace (0600), where no keyring exists."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = f"the workspace secrets file {path} (no OS keyring on this computer)"

    def _all(self) -> dict:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        try:
            data = json.loads(text)
        except ValueError:
            raise GlueSecretsError(
                f"{self.path} is not valid JSON; delete it and run `dtwin rotate-secrets` "
                "then deploy again to make new glue secrets"
            ) from None
        return data if isinstance(data, dict) else {}

    def read(self, sid: str) -> dict | None:
        entry = self._all().get(sid)
        return entry if isinstance(entry, dict) and entry.get("current") else None

    def write(self, sid: str, data: dict) -> None:
        from dtwin_gui.core.fsutil import atomic_write_json

        everything = self._all()
        everything[sid] = data
        atomic_write_json(self.path, everything, mode=0o600)


def _decode(raw: str | None, where: str) -> dict | None:
    if not raw:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        raise GlueSecretsError(
            f"the {where} is not valid JSON; run `dtwin rotate-secrets` and deploy again"
        ) from None
    return data if isinstance(data, dict) and data.get("current") else None


class GlueSecrets:
    """The glue secrets of one project deployed to one target (``sandbox`` / ``aws``).

    Qt-free; keyring calls may block for a moment (a keyring daemon): call from a worker.
    """

    def __init__(self, project_root: Path, target: str, topology: Topology | None = None):
        from dtwin_gui.core.project import load_project

        self.project_root = Path(project_root)
        self.target = target
        self.topology = topology or topology_for_project(load_project(self.project_root))
        self._chosen = None  # chosen on first use: a project with no boundary touches nothing

    @classmethod
    def for_deployment(cls, deployment) -> GlueSecrets:
        """The secrets of a :class:`~dtwin_gui.deploy.orchestrator.Deployment`."""
        return cls(deployment.project_root, deployment.connections.name)

    @property
    def _backend(self):
        if self._chosen is None:
            self._chosen = self._choose_backend()
        return self._chosen

    def _choose_backend(self):
        from dtwin_gui.build.workspace import workspace_name
        from dtwin_gui.core.project import load_project
        from dtwin_gui.deploy.workspace import DeploymentWorkspace

        if keyring_usable():
            # Keyed like the workspace folder (twin name + hash of the project's path), but
            # not by its location: moving the workspaces keeps the secrets.
            twin = load_project(self.project_root).twin_name
            return _KeyringBackend(f"glue/{workspace_name(self.project_root, twin)}/{self.target}")
        return _FileBackend(DeploymentWorkspace(self.project_root, self.target).root / FILE_NAME)

    @property
    def where(self) -> str:
        """Where the secrets are kept, for messages."""
        return self._backend.where

    # --- boundaries -------------------------------------------------------------------------
    def ids(self) -> dict[str, tuple[str, ...]]:
        """Secret id → the crossing boundaries it serves, in topology order."""
        out: dict[str, list[str]] = {}
        for boundary in self.topology.boundaries:
            out.setdefault(secret_id(boundary.name), []).append(boundary.name)
        return {sid: tuple(names) for sid, names in out.items()}

    def _load(self, sid: str, boundaries: tuple[str, ...]) -> BoundarySecret | None:
        data = self._backend.read(sid)
        if data is None:
            return None
        return BoundarySecret(
            sid,
            boundaries,
            str(data["current"]),
            str(data["previous"]) if data.get("previous") else None,
            int(data.get("generation") or 1),
            str(data.get("created_at") or ""),
            data.get("rotated_at"),
        )

    def get(self, boundary: str) -> BoundarySecret | None:
        """The stored secret of ``boundary`` (a boundary name or a secret id), or None."""
        sid = secret_id(boundary)
        return self._load(sid, self.ids().get(sid, (boundary,)))

    def all(self) -> list[BoundarySecret]:
        """Every stored secret of this deployment's crossing boundaries."""
        return [s for sid, b in self.ids().items() if (s := self._load(sid, b)) is not None]

    # --- lifecycle --------------------------------------------------------------------------
    def ensure(self) -> list[str]:
        """Create the secret of every crossing boundary that has none; the ids created."""
        created = []
        for sid, boundaries in self.ids().items():
            if self._load(sid, boundaries) is None:
                now = _now()
                secret = BoundarySecret(sid, boundaries, _new_secret(), created_at=now)
                self._backend.write(sid, secret.to_json())
                created.append(sid)
        return created

    def rotate(self) -> list[Rotation]:
        """A new secret per crossing boundary; the one it replaces stays accepted as the
        previous secret until the next rotation, which drops it. Empty when nothing crosses."""
        done = []
        for sid, boundaries in self.ids().items():
            old = self._load(sid, boundaries)
            now = _now()
            if old is None:
                new = BoundarySecret(sid, boundaries, _new_secret(), created_at=now)
            else:
                new = BoundarySecret(
                    sid,
                    boundaries,
                    _new_secret(),
                    old.current,
                    old.generation + 1,
                    old.created_at,
                    now,
                )
            self._backend.write(sid, new.to_json())
            done.append(
                Rotation(
                    sid,
                    boundaries,
                    new.generation,
                    created=old is None,
                    dropped_oldest=old is not None and old.previous is not None,
                )
            )
        return done

    # --- environments -----------------------------------------------------------------------
    def terraform_environment(self, clouds=None) -> dict[str, str]:
        """``TF_VAR_*`` for Terraform's process (creating missing secrets first).

        ``clouds`` (e.g. ``{"aws"}``: the clouds the root deploys; default every cloud)
        limits it to boundaries with a side there: the secret for either side, the previous
        secret (after a rotation) only where the receiver is one of them.
        """
        self.ensure()
        wanted = None if clouds is None else {str(c) for c in clouds}
        env: dict[str, str] = {}
        for boundary in self.topology.boundaries:
            sides = {str(boundary.source_cloud), str(boundary.target_cloud)}
            if wanted is not None and not sides & wanted:
                continue
            secret = self.get(boundary.name)
            env[f"TF_VAR_{terraform_variable(boundary.name, 'secret')}"] = secret.current
            receiver_here = wanted is None or str(boundary.target_cloud) in wanted
            if secret.previous and receiver_here:
                name = f"TF_VAR_{terraform_variable(boundary.name, 'previous_secret')}"
                env[name] = secret.previous
        return env

    def function_environment(self, boundary: str, side: str) -> dict[str, str]:
        """The secret variables of a function on ``side`` (``sender`` / ``receiver``) of
        ``boundary``: ``DTWIN_<PREFIX>_SECRET`` for a sender, ``DTWIN_GLUE_SECRET`` (+
        ``DTWIN_GLUE_PREVIOUS_SECRET`` after a rotation) for a receiver."""
        if side not in ("sender", "receiver"):
            raise ValueError(f"side must be 'sender' or 'receiver', not {side!r}")
        if self.topology.boundary(boundary) is None:
            raise GlueSecretsError(
                f"{boundary} does not cross clouds in this project, so it has no glue secret"
            )
        self.ensure()
        secret = self.get(boundary)
        if side == "sender":
            return {f"DTWIN_{SENDER_PREFIX[boundary]}_SECRET": secret.current}
        env = {GLUE_SECRET.name: secret.current}
        if secret.previous:
            env[GLUE_PREVIOUS.name] = secret.previous
        return env

    def environment_for(self, what: str = "terraform", **kwargs) -> dict[str, str]:
        """``environment_for("terraform")`` or ``environment_for("function", boundary=...,
        side=...)``: the variables to add to that process's environment."""
        if what == "terraform":
            return self.terraform_environment(**kwargs)
        if what == "function":
            return self.function_environment(**kwargs)
        raise ValueError(f"environment_for expects 'terraform' or 'function', not {what!r}")

    def secret_values(self) -> list[str]:
        """Every stored secret value (for masking and for leak tests); never print these."""
        return [v for s in self.all() for v in s.accepted]


def _store(deployment_or_root, target: str | None = None) -> GlueSecrets:
    if isinstance(deployment_or_root, GlueSecrets):
        return deployment_or_root
    if target is None:
        return GlueSecrets.for_deployment(deployment_or_root)
    return GlueSecrets(Path(deployment_or_root), target)


def ensure(deployment, target: str | None = None) -> list[str]:
    """:meth:`GlueSecrets.ensure` for a deployment (or a project root and a target name)."""
    return _store(deployment, target).ensure()


def environment_for(deployment, what: str = "terraform", **kwargs) -> dict[str, str]:
    """:meth:`GlueSecrets.environment_for` for a deployment (``target=`` with a root)."""
    return _store(deployment, kwargs.pop("target", None)).environment_for(what, **kwargs)


def rotate(deployment, target: str | None = None) -> list[Rotation]:
    """:meth:`GlueSecrets.rotate` for a deployment (or a project root and a target name)."""
    return _store(deployment, target).rotate()


def rotate_secrets(project_root: Path, target: str) -> tuple[list[Rotation], str]:
    """Rotate the glue secrets of a project's deployment to ``target``; ``(rotations, where
    they are kept)``. ``rotations`` is empty when the project has no cross-cloud boundary."""
    store = GlueSecrets(project_root, target)
    rotations = store.rotate()
    return rotations, store.where if rotations else ""


def generations_digest(deployment) -> str:
    """SHA-256 of which generation each of a deployment's glue secrets is at (no secret in
    it), for the deploy fingerprint: a rotation changes it."""
    import hashlib

    try:
        found = sorted((s.id, s.generation) for s in GlueSecrets.for_deployment(deployment).all())
    except Exception:  # an unreadable project or store: the deploy says so itself
        found = []
    return hashlib.sha256(repr(found).encode()).hexdigest()
