"""Terraform's JSON diagnostics → classified :class:`DiagnosticEvent` s, hints, lock details.

Classification reads only the fields of the structured diagnostic object (``summary``,
``detail``, ``address``, ``range``), matching well-known Terraform and provider phrasings
(API error codes such as ``AccessDenied`` appear verbatim in provider diagnostics). Terraform's
human-readable output is never parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dtwin_gui.core.run_events import DiagnosticEvent

#: What the user should do, per category. ``summary`` says what went wrong; this says what next.
HINTS: dict[str, str] = {
    "credentials": (
        "Sign in again on the Credentials page (or renew your SSO/session login): the "
        "credentials for this target are missing, invalid or expired."
    ),
    "permissions": (
        "The signed-in identity may not perform this action: grant the permission named in "
        "the detail, or sign in with an identity that has it."
    ),
    "quota": (
        "The cloud throttled the requests or an account limit was reached: wait a minute and "
        "run again, or raise the service quota."
    ),
    "conflict": (
        "An object with this name already exists or is busy (often a leftover of an earlier "
        "deploy): remove it or wait for it, then run again."
    ),
    "lock": (
        "Another Terraform run holds the state lock: wait for it to finish. If it crashed or "
        "was stopped, unlock the state (only with the lock id shown)."
    ),
    "config": (
        "The Terraform configuration was rejected at the place shown: correct the value there "
        "(for generated files, report it together with the run log)."
    ),
    "provider": (
        "Terraform could not find or install its providers or modules: run init again; on a "
        "machine without internet, set the provider mirror folder in Settings."
    ),
    "network": (
        "Terraform could not reach the service: check the network or proxy (for the sandbox, "
        "that it is running), then run again."
    ),
    "other": (
        "Open the run log for the full detail. Running again is safe: Terraform continues "
        "from its state."
    ),
}
CATEGORIES = tuple(HINTS)

# First match wins, so specific phrasings come before broad ones (credential errors mention
# HTTP failures; provider installation errors mention "dial tcp").
_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("lock", ("Error acquiring the state lock", "Error locking state", "state lock")),
    (
        "credentials",
        (
            "No valid credential sources",
            "ExpiredToken",
            "InvalidClientTokenId",
            "UnrecognizedClientException",
            "SignatureDoesNotMatch",
            "InvalidAccessKeyId",
            "security token included in the request is invalid",
            "failed to refresh cached credentials",
            "NoCredentialProviders",
            "could not find default credentials",
            "az login",
            "invalid_grant",
        ),
    ),
    (
        "permissions",
        (
            "AccessDenied",
            "UnauthorizedOperation",
            "not authorized to perform",
            "AuthorizationFailed",
            "PERMISSION_DENIED",
            "Error 403",
        ),
    ),
    (
        "quota",
        (
            "Throttling",
            "LimitExceeded",
            "TooManyRequests",
            "Rate exceeded",
            "QuotaExceeded",
            "RESOURCE_EXHAUSTED",
            "ProvisionedThroughputExceeded",
            "SlowDown",
        ),
    ),
    (
        "conflict",
        (
            "ResourceConflictException",
            "ResourceInUseException",
            "ConflictException",
            "ConcurrentModification",
            "AlreadyExists",
            "already exists",
            "BucketAlreadyOwnedByYou",
            "OperationAborted",
        ),
    ),
    (
        "provider",
        (
            "Failed to query available provider packages",
            "Failed to install provider",
            "Incompatible provider version",
            "Inconsistent dependency lock file",
            "Required plugins are not installed",
            "Missing required provider",
            "Failed to load plugin schemas",
            "Module not installed",
            "Backend initialization required",
        ),
    ),
    (
        "network",
        (
            "dial tcp",
            "no such host",
            "connection refused",
            "i/o timeout",
            "TLS handshake timeout",
            "context deadline exceeded",
            "connection reset by peer",
            "no route to host",
            "use of closed network connection",
        ),
    ),
    (
        "config",
        (
            "Invalid provider configuration",
            "Unsupported Terraform Core version",
            "InvalidParameterValue",
            "ValidationException",
            "ValidationError",
            "MalformedPolicyDocument",
        ),
    ),
)


def location_of(diagnostic: dict) -> str:
    """``file:line:column`` of a diagnostic's source range, or ``""``."""
    span = diagnostic.get("range") or {}
    filename = span.get("filename") or ""
    if not filename or filename.startswith("<"):  # "<empty>": no real source location
        return ""
    start = span.get("start") or {}
    return f"{filename}:{start.get('line', 0)}:{start.get('column', 0)}"


def classify(diagnostic: dict) -> str:
    """The category (one of :data:`CATEGORIES`) of a Terraform JSON diagnostic object."""
    text = f"{diagnostic.get('summary', '')}\n{diagnostic.get('detail', '')}"
    for category, phrases in _RULES:
        if any(phrase in text for phrase in phrases):
            return category
    # A source range without a resource address: Terraform rejected the configuration itself
    # (undeclared references, unsupported arguments, type errors ...).
    if location_of(diagnostic) and not diagnostic.get("address"):
        return "config"
    return "other"


def diagnostic_event(diagnostic: dict) -> DiagnosticEvent:
    """A classified event for one JSON diagnostic.

    ``address`` is the resource address, or ``file:line:column`` when the diagnostic points
    only at configuration; the source line (when Terraform gives it) ends the detail.
    """
    detail = (diagnostic.get("detail") or "").rstrip()
    location = location_of(diagnostic)
    snippet = diagnostic.get("snippet") or {}
    if location:
        filename, line, _column = location.rsplit(":", 2)
        where = f"on {filename} line {line}"
        if snippet.get("code"):
            where += f": {snippet['code'].strip()}"
        detail = f"{detail}\n\n{where}" if detail else where
    return DiagnosticEvent(
        severity=diagnostic.get("severity") or "error",
        summary=diagnostic.get("summary") or "",
        detail=detail,
        address=diagnostic.get("address") or location,
        category=classify(diagnostic),
    )


@dataclass(frozen=True)
class LockInfo:
    """Who holds a state lock. ``held``: a live process holds it (None when unknown)."""

    lock_id: str
    who: str = ""
    operation: str = ""
    created: str = ""
    path: str = ""
    version: str = ""
    held: bool | None = None


_LOCK_LINE = re.compile(r"^\s*(ID|Path|Operation|Who|Version|Created|Info):[ \t]*(.*?)\s*$")


def parse_lock_detail(detail: str) -> LockInfo | None:
    """The lock described in the ``Lock Info:`` block of a lock diagnostic's detail."""
    _, marker, block = detail.partition("Lock Info:")
    if not marker:
        return None
    values: dict[str, str] = {}
    for line in block.splitlines():
        match = _LOCK_LINE.match(line)
        if match and match.group(1) not in values:
            values[match.group(1)] = match.group(2)
    if not values.get("ID"):
        return None
    return LockInfo(
        lock_id=values["ID"],
        who=values.get("Who", ""),
        operation=values.get("Operation", ""),
        created=values.get("Created", ""),
        path=values.get("Path", ""),
        version=values.get("Version", ""),
        held=True,
    )


def rerun_hint(workdir, lock: LockInfo | None, backend: str = "local") -> str:
    """What to do after Terraform ended abnormally (crash, signal, unclassified error).

    "Running again is safe" only when it is: not when Terraform could not write its state
    (``errored.tfstate``) nor while a lock is still held or left on a remote backend.
    """
    from pathlib import Path

    errored = Path(workdir) / "errored.tfstate"
    if errored.is_file():
        return (
            f"Terraform could not save its state; it wrote it to {errored}. Put it back "
            f"before running again (in {Path(workdir)}: terraform state push "
            "errored.tfstate), otherwise the next deploy has to adopt what it created."
        )
    if lock is not None and lock.held:
        return (
            "Another Terraform run still holds the state lock: wait for it to finish, then run "
            "again."
        )
    if backend != "local":
        return (
            "Open the run log for the full detail. The state lock may have been left on the "
            "backend: if the next run says the state is locked, unlock it with the id it "
            "shows (dtwin unlock PATH LOCK_ID), then run again."
        )
    return HINTS["other"]
