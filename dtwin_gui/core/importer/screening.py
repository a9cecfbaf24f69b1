"""Secret screening of the files an import would put into the new project.

Two checks, by name (:func:`secret_name`) and by content (:func:`secret_in_content`). What
either catches is never copied; the report says what kind of secret was seen and on which
line, never the secret itself. The content patterns are specific (a key id's exact shape, a
PEM private-key header, a connection string's key field), so binary assets such as ``.glb``
scenes are scanned too without being flagged by chance.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path, PurePosixPath

from dtwin_gui.core.importer.safe_extract import ImportEntry

_SECRET_SUFFIXES = (".pem", ".key", ".crt", ".p12", ".pfx", ".jks", ".ppk", ".keystore")
_SECRET_NAMES = frozenset(
    {".env", ".netrc", ".pgpass", ".npmrc", ".pypirc", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"}
)
_SECRET_NAME_PARTS = ("credential", "service-account", "service_account", "serviceaccount")


def _after(*words: bytes):
    """A check that the match follows one of ``words`` (in the lowered text)."""
    return lambda data, start: data[max(0, start - 16) : start].endswith(words)


def _not_in_a_word(data: bytes, start: int) -> bool:
    return start == 0 or not (data[start - 1 : start].isalnum())


#: (what it is, pattern, matched on the lowered bytes, extra check of a match). Bytes patterns,
#: so binary files are read as they are; each starts with a literal, so a scan stays fast
#: (lookbehinds and case-insensitive flags made it ~100x slower on large assets).
_CONTENT_PATTERNS = (
    (
        "a private key block",
        re.compile(rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"),
        False,
        None,
    ),
    (
        "an AWS access key id",
        re.compile(rb"A(?:KIA|SIA|IDA|ROA|GPA|NPA|NVA|IPA)[A-Z0-9]{16}(?![A-Za-z0-9])"),
        False,
        _not_in_a_word,
    ),
    (
        "an AWS secret access key",
        re.compile(rb"secret_?access_?key[\"']?\s*[:=]\s*[\"']?[a-z0-9/+=]{16,}"),
        True,
        None,
    ),
    (
        "an Azure connection string key",
        re.compile(rb"key\s*=\s*[a-z0-9+/=]{16,}"),
        True,
        _after(b"account", b"sharedaccess"),
    ),
    (
        "an Azure client secret",
        re.compile(rb"client_?secret[\"']?\s*[:=]\s*[\"'][^\"'\s]{8,}"),
        True,
        None,
    ),
    (
        "a Google service account key",
        re.compile(rb"\"type\"\s*:\s*\"service_account\"[\s\S]{0,4000}?\"private_key\"\s*:"),
        False,
        None,
    ),
    (
        "a Google service account key",
        re.compile(rb"\"private_key\"\s*:[\s\S]{0,4000}?\"type\"\s*:\s*\"service_account\""),
        False,
        None,
    ),
)

_FUNCTION_FOLDERS = ("lambda_functions/", "azure_functions/", "cloud_functions/")

NAME_MESSAGE = (
    "a certificate, key or secret file; not imported. dtwin creates device certificates "
    "when it deploys, and keeps secrets in your OS keyring."
)


def secret_name(path: str) -> bool:
    """Whether the name of ``path`` says it holds a secret (certificates, keys, .env...)."""
    name = path.rsplit("/", 1)[-1].lower()
    return (
        any(part in name for part in _SECRET_NAME_PARTS)
        or name.endswith(_SECRET_SUFFIXES)
        or name in _SECRET_NAMES
        or name.startswith(".env.")
        or path.startswith("iot_devices_auth/")
    )


def secret_in_content(data: bytes) -> tuple[str, int] | None:
    """(what kind of secret, line number) of the first secret found in ``data``, or None."""
    found: tuple[int, str] | None = None
    lowered = data.lower()
    for kind, pattern, on_lower, check in _CONTENT_PATTERNS:
        text = lowered if on_lower else data
        for match in pattern.finditer(text):
            if check is None or check(text, match.start()):
                if found is None or match.start() < found[0]:
                    found = (match.start(), kind)
                break
    if found is None:
        return None
    start, kind = found
    return kind, data.count(b"\n", 0, start) + 1


def content_message(kind: str, line: int) -> str:
    """The report text for a file caught by its content (the secret itself is never shown)."""
    return (
        f"holds what looks like {kind} (line {line}); not imported, so no secret reaches the "
        "project folder. Remove the secret from the older project (dtwin keeps credentials in "
        "your OS keyring, or uses your cloud CLI login) and copy the file in by hand if you "
        "still need it."
    )


def screen(path: str, data: bytes) -> str | None:
    """Why ``path`` with ``data`` must not be copied, or None when it looks clean."""
    if secret_name(path):
        return NAME_MESSAGE
    found = secret_in_content(data)
    return content_message(*found) if found else None


def screen_staged(staging: Path, entries: list[ImportEntry]) -> list[ImportEntry]:
    """Check every file written into ``staging`` once more, by content; remove what holds a
    secret and turn its entry into "skipped". The other files made from the same function
    source (a wrapper and the older code it calls) go too: neither works without the other.
    """
    caught: dict[str, tuple[str, int]] = {}  # target -> (kind, line)
    sources: dict[str, tuple[str, int]] = {}  # function source -> (kind, line)
    for entry in entries:
        if entry.target is None or entry.target in caught:
            continue
        path = staging.joinpath(*PurePosixPath(entry.target).parts)
        found = secret_in_content(path.read_bytes()) if path.is_file() else None
        if found is not None:
            caught[entry.target] = found
            if entry.source.startswith(_FUNCTION_FOLDERS):
                sources.setdefault(entry.source, found)
    out: list[ImportEntry] = []
    for entry in entries:
        found = caught.get(entry.target) if entry.target else None
        if found is None and entry.target and entry.source in sources:
            found = sources[entry.source]
        if found is None:
            out.append(entry)
            continue
        staging.joinpath(*PurePosixPath(entry.target).parts).unlink(missing_ok=True)
        message = content_message(*found)
        if entry.action not in ("copied", "skipped"):
            message += f" It would have become {entry.target}: write that file without the secret."
        out.append(dataclasses.replace(entry, target=None, action="skipped", message=message))
    return out
